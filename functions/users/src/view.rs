//! What a user sees of their own account. The ID number is masked; the password hash never
//! leaves the store.

use serde::Serialize;
use utoipa::ToSchema;

use shared::auth::{AccountStatus, Role};
use shared::domain::SaIdNumber;
use shared::store::users::UserRecord;

/// An instructor's own teaching details.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AccountInstructorDetails)]
pub struct InstructorView {
    licence_number: String,
    vehicle: String,
    latitude: f64,
    longitude: f64,
    /// Rand per hour.
    hourly_rate: f64,
    /// `PENDING`, `VERIFIED` or `REJECTED`.
    verification: String,
}

/// The signed-in user's own account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Account)]
pub struct UserView {
    user_id: String,
    role: Role,
    status: AccountStatus,
    email: String,
    phone: String,
    first_name: String,
    last_name: String,
    /// Masked: only the birth date (the first six digits) shows.
    id_number: String,
    city: String,
    suburb: String,
    province: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pickup_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pickup_latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pickup_longitude: Option<f64>,
    /// Instructors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    instructor: Option<InstructorView>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// Booking news and lesson reminders by SMS as well as email.
    sms_notifications: bool,
}

impl From<&UserRecord> for UserView {
    fn from(user: &UserRecord) -> Self {
        Self {
            user_id: user.user_id.clone(),
            role: user.role,
            status: user.status,
            email: user.email.as_str().to_owned(),
            phone: user.phone.as_str().to_owned(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            id_number: user
                .id_number
                .as_ref()
                .map_or_else(String::new, SaIdNumber::masked),
            city: user.city.clone(),
            suburb: user.suburb.clone(),
            province: user.province.clone(),
            pickup_address: user.pickup_address.clone(),
            pickup_latitude: user.pickup_latitude,
            pickup_longitude: user.pickup_longitude,
            instructor: user.instructor.as_ref().map(|i| InstructorView {
                licence_number: i.licence_number.clone(),
                vehicle: i.vehicle.clone(),
                latitude: i.latitude,
                longitude: i.longitude,
                hourly_rate: i.hourly_rate.as_f64(),
                verification: i.verification.as_str().to_owned(),
            }),
            created_at: user.created_at.clone(),
            updated_at: user.updated_at.clone(),
            sms_notifications: user.sms_notifications,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{Email, PhoneNumber};
    use shared::store::users::NewAccount;

    #[test]
    fn id_numbers_show_only_the_birth_date() {
        let mut user = UserRecord::new_account(NewAccount {
            role: Role::Student,
            status: AccountStatus::Active,
            email: Email::parse("thandi@example.co.za").expect("email"),
            phone: PhoneNumber::parse("+27825550101").expect("phone"),
            password_hash: "hash".into(),
            first_name: "Thandi".into(),
            last_name: "Mthembu".into(),
            now: "2026-01-01T00:00:00.000Z".into(),
        });
        assert_eq!(UserView::from(&user).id_number, "");
        user.id_number = SaIdNumber::parse("8001015009087").ok();
        assert_eq!(UserView::from(&user).id_number, "800101*******");
    }
}
