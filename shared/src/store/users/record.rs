//! A user profile and its item mapping.

use anyhow::Context;
use aws_sdk_dynamodb::types::Put;

use super::keys::{email_pk, phone_pk, profile_key, role_index_pk, unique_key};
use super::writes::counter_attribute;
use crate::domain::{
    AccountStatus, BookingStatus, Email, PhoneNumber, Rands, Role, SaIdNumber, Verification,
};
use crate::domain::{TimeOff, WorkingHours};
use crate::schema::GSI1;
use crate::store::attr::{self, get_n, get_s, n, put_opt, req_s, s, Item};
use crate::store::transact::Write;

/// What an instructor adds to a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructorDetails {
    pub licence_number: String,
    pub vehicle: String,
    pub latitude: f64,
    pub longitude: f64,
    pub hourly_rate: Rands,
    /// PENDING until an admin verifies (or rejects) the instructor.
    pub verification: Verification,
    pub bio: Option<String>,
    /// Weekly hours; `None` until set, when the standard hours apply.
    pub working_hours: Option<WorkingHours>,
    /// Sum and count of review ratings, moved in the review's transaction.
    pub rating_sum: i64,
    pub rating_count: i64,
    /// Whole days away; read with the profile, so the booking rules cost no extra read.
    pub time_off: TimeOff,
}

impl InstructorDetails {
    pub fn hours(&self) -> WorkingHours {
        self.working_hours
            .clone()
            .unwrap_or_else(WorkingHours::standard)
    }

    /// The average rating to two decimals, `None` before the first review.
    pub fn average_rating(&self) -> Option<f64> {
        (self.rating_count > 0)
            .then(|| ((self.rating_sum as f64 / self.rating_count as f64) * 100.0).round() / 100.0)
    }

    pub fn is_verified(&self) -> bool {
        self.verification == Verification::Verified
    }
}

/// Bookings by status, per user: the dashboards read these instead of counting bookings. They
/// move in the same transaction as the booking change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BookingCounts {
    pub pending: i64,
    pub confirmed: i64,
    pub completed: i64,
    pub cancelled: i64,
}

impl BookingCounts {
    /// The counters as the booking transactions move them (`BookingStatus::counter`).
    fn from_item(item: &Item) -> Self {
        let count = |status: BookingStatus| get_n(item, counter_attribute(status)).unwrap_or(0);
        Self {
            pending: count(BookingStatus::Pending),
            confirmed: count(BookingStatus::Confirmed),
            completed: count(BookingStatus::Completed),
            cancelled: count(BookingStatus::Cancelled),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub user_id: String,
    pub role: Role,
    pub status: AccountStatus,
    pub email: Email,
    pub phone: PhoneNumber,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    /// Students and instructors; admins have none.
    pub id_number: Option<SaIdNumber>,
    pub city: String,
    pub suburb: String,
    pub province: String,
    pub pickup_address: Option<String>,
    pub pickup_latitude: Option<f64>,
    pub pickup_longitude: Option<f64>,
    pub instructor: Option<InstructorDetails>,
    pub created_at: String,
    pub updated_at: String,
    /// Sessions created up to this epoch millisecond are revoked (logout everywhere, password
    /// change or reset, suspension): one attribute instead of touching every session.
    pub sessions_valid_after: i64,
    /// While suspended: the status before the suspension, which reactivation restores.
    pub suspended_from: Option<AccountStatus>,
    pub booking_counts: BookingCounts,
    /// Booking news and reminders by SMS too (`PATCH /users/me {"sms_notifications"}`).
    pub sms_notifications: bool,
    /// Instructors: what students paid for their lessons, less refunds (the payment
    /// transactions move it, `crate::store::payments`).
    pub earnings_paid: crate::domain::Rands,
}

/// An instructor's counter of what students paid them, less refunds (moved by the payment
/// transactions, `crate::store::payments`).
pub const EARNINGS_PAID: &str = "earnings_paid_cents";

/// Where a registration transaction's email claim sits, to tell which claim was taken.
pub const REGISTRATION_EMAIL_CLAIM: usize = 1;
/// Where its phone claim sits.
pub const REGISTRATION_PHONE_CLAIM: usize = 2;

/// Who a new account is; everything else starts empty.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub role: Role,
    pub status: AccountStatus,
    pub email: Email,
    pub phone: PhoneNumber,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    /// When it is created (RFC 3339 UTC).
    pub now: String,
}

impl UserRecord {
    /// A new account with a fresh id: no place, pickup or teaching details yet, no bookings.
    pub fn new_account(account: NewAccount) -> Self {
        Self {
            user_id: uuid::Uuid::new_v4().to_string(),
            role: account.role,
            status: account.status,
            email: account.email,
            phone: account.phone,
            password_hash: account.password_hash,
            first_name: account.first_name,
            last_name: account.last_name,
            id_number: None,
            city: String::new(),
            suburb: String::new(),
            province: String::new(),
            pickup_address: None,
            pickup_latitude: None,
            pickup_longitude: None,
            instructor: None,
            created_at: account.now.clone(),
            updated_at: account.now,
            sessions_valid_after: 0,
            suspended_from: None,
            booking_counts: BookingCounts::default(),
            sms_notifications: true,
            earnings_paid: crate::domain::Rands::from_cents(0),
        }
    }

    /// What a reactivation makes of this suspended account: the status it had before (a
    /// never-verified account stays pending). Suspensions older than that record come back
    /// active, as they always did.
    pub fn status_after_suspension(&self) -> AccountStatus {
        match self.suspended_from {
            Some(AccountStatus::PendingVerification) => AccountStatus::PendingVerification,
            _ => AccountStatus::Active,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn to_item(&self) -> Item {
        let mut item = profile_key(&self.user_id);
        let fields = [
            ("user_id", s(&self.user_id)),
            ("role", s(self.role.as_str())),
            ("status", s(self.status.as_str())),
            ("email", s(self.email.as_str())),
            ("phone", s(self.phone.as_str())),
            ("password_hash", s(&self.password_hash)),
            ("first_name", s(&self.first_name)),
            ("last_name", s(&self.last_name)),
            ("city", s(&self.city)),
            ("suburb", s(&self.suburb)),
            ("province", s(&self.province)),
            ("created_at", s(&self.created_at)),
            ("updated_at", s(&self.updated_at)),
            ("sessions_valid_after", n(self.sessions_valid_after)),
            (
                "sms_notifications",
                aws_sdk_dynamodb::types::AttributeValue::Bool(self.sms_notifications),
            ),
            (GSI1.partition_key, s(role_index_pk(self.role))),
            (
                GSI1.sort_key,
                s(format!("{}#{}", self.created_at, self.user_id)),
            ),
        ];
        for (name, value) in fields {
            item.insert(name.to_owned(), value);
        }
        put_opt(
            &mut item,
            "id_number",
            self.id_number.as_ref().map(|id| s(id.as_str())),
        );
        put_opt(
            &mut item,
            "pickup_address",
            self.pickup_address.as_ref().map(s),
        );
        put_opt(
            &mut item,
            "suspended_from",
            self.suspended_from.map(|status| s(status.as_str())),
        );
        put_opt(&mut item, "pickup_latitude", self.pickup_latitude.map(n));
        put_opt(&mut item, "pickup_longitude", self.pickup_longitude.map(n));
        if let Some(instructor) = &self.instructor {
            let fields = [
                ("licence_number", s(&instructor.licence_number)),
                ("vehicle", s(&instructor.vehicle)),
                ("latitude", n(instructor.latitude)),
                ("longitude", n(instructor.longitude)),
                ("hourly_rate_cents", n(instructor.hourly_rate.cents())),
                ("verification", s(instructor.verification.as_str())),
                ("rating_sum", n(instructor.rating_sum)),
                ("rating_count", n(instructor.rating_count)),
            ];
            for (name, value) in fields {
                item.insert(name.to_owned(), value);
            }
            put_opt(&mut item, "bio", instructor.bio.as_ref().map(s));
            put_opt(
                &mut item,
                "working_hours",
                instructor
                    .working_hours
                    .as_ref()
                    .and_then(|h| serde_json::to_string(h).ok())
                    .map(s),
            );
            if !instructor.time_off.is_empty() {
                if let Ok(json) = serde_json::to_string(&instructor.time_off) {
                    item.insert("time_off".to_owned(), s(json));
                }
            }
        }
        item
    }

    /// A new account's writes: [`registration_puts`](Self::registration_puts) and the admin
    /// stats' count of accounts, which moves with the account, never by scanning.
    pub fn registration_writes(&self, table: &str) -> anyhow::Result<Vec<Write>> {
        let mut writes: Vec<Write> = self
            .registration_puts(table)?
            .into_iter()
            .map(Write::from)
            .collect();
        writes.push(Write::from(crate::store::stats::user_created_update(
            table,
            self.role,
            &self.user_id,
        )?));
        // Found by the jobs function if it is never verified (`pending`).
        if self.status == AccountStatus::PendingVerification {
            writes.push(super::pending::marker_put(table, self)?);
        }
        Ok(writes)
    }

    /// The profile put plus the email and phone claims, each conditional on not existing (at
    /// [`REGISTRATION_EMAIL_CLAIM`] and [`REGISTRATION_PHONE_CLAIM`], also in
    /// [`registration_writes`](Self::registration_writes)).
    pub fn registration_puts(&self, table: &str) -> anyhow::Result<Vec<Put>> {
        let claim = |pk: String| -> anyhow::Result<Put> {
            let mut item = unique_key(pk);
            item.insert("user_id".into(), s(&self.user_id));
            Ok(Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()?)
        };
        Ok(vec![
            Put::builder()
                .table_name(table)
                .set_item(Some(self.to_item()))
                .condition_expression("attribute_not_exists(PK)")
                .build()?,
            claim(email_pk(self.email.as_str()))?,
            claim(phone_pk(self.phone.as_str()))?,
        ])
    }
}

impl TryFrom<&Item> for UserRecord {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        let role = get_s(item, "role")
            .and_then(Role::parse)
            .context("user item has no valid role")?;
        let status = get_s(item, "status")
            .and_then(AccountStatus::parse)
            .context("user item has no valid status")?;
        let instructor = match role {
            Role::Instructor => Some(InstructorDetails {
                licence_number: req_s(item, "licence_number")?,
                vehicle: req_s(item, "vehicle")?,
                latitude: attr::req_n(item, "latitude")?,
                longitude: attr::req_n(item, "longitude")?,
                hourly_rate: Rands::from_cents(attr::req_n(item, "hourly_rate_cents")?),
                verification: get_s(item, "verification")
                    .and_then(Verification::parse)
                    .context("instructor item has no valid verification")?,
                bio: get_s(item, "bio").map(str::to_owned),
                working_hours: get_s(item, "working_hours")
                    .map(serde_json::from_str::<WorkingHours>)
                    .transpose()
                    .context("stored working hours are invalid")?,
                rating_sum: get_n(item, "rating_sum").unwrap_or(0),
                rating_count: get_n(item, "rating_count").unwrap_or(0),
                time_off: get_s(item, "time_off")
                    .map(serde_json::from_str::<TimeOff>)
                    .transpose()
                    .context("stored time off is invalid")?
                    .unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(Self {
            user_id: req_s(item, "user_id")?,
            role,
            status,
            email: Email::parse(&req_s(item, "email")?)
                .map_err(|e| anyhow::anyhow!("stored email: {e}"))?,
            phone: PhoneNumber::parse(&req_s(item, "phone")?)
                .map_err(|e| anyhow::anyhow!("stored phone: {e}"))?,
            password_hash: req_s(item, "password_hash")?,
            first_name: req_s(item, "first_name")?,
            last_name: req_s(item, "last_name")?,
            id_number: get_s(item, "id_number")
                .filter(|id| !id.is_empty())
                .map(SaIdNumber::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("stored id number: {e}"))?,
            city: get_s(item, "city").unwrap_or_default().to_owned(),
            suburb: get_s(item, "suburb").unwrap_or_default().to_owned(),
            province: get_s(item, "province").unwrap_or_default().to_owned(),
            pickup_address: get_s(item, "pickup_address").map(str::to_owned),
            pickup_latitude: get_n(item, "pickup_latitude"),
            pickup_longitude: get_n(item, "pickup_longitude"),
            instructor,
            created_at: req_s(item, "created_at")?,
            updated_at: req_s(item, "updated_at")?,
            sessions_valid_after: get_n(item, "sessions_valid_after").unwrap_or(0),
            suspended_from: get_s(item, "suspended_from").and_then(AccountStatus::parse),
            booking_counts: BookingCounts::from_item(item),
            // Accounts stored before the setting existed get SMS, as new ones do.
            sms_notifications: attr::get_bool(item, "sms_notifications").unwrap_or(true),
            earnings_paid: crate::domain::Rands::from_cents(
                get_n(item, EARNINGS_PAID).unwrap_or(0),
            ),
        })
    }
}
