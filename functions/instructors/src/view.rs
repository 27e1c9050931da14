//! An instructor as the public sees them: no contact details, no ID or licence number.

use serde::Serialize;
use utoipa::ToSchema;

use shared::domain::WorkingHours;
use shared::store::users::UserRecord;

/// A verified instructor as the public sees them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Instructor)]
pub struct InstructorView {
    id: String,
    first_name: String,
    last_name: String,
    city: String,
    suburb: String,
    province: String,
    vehicle: String,
    /// Rand per hour.
    hourly_rate: f64,
    /// Average of the review ratings, two decimals; `null` before the first review.
    rating: Option<f64>,
    review_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    bio: Option<String>,
    working_hours: WorkingHours,
    latitude: f64,
    longitude: f64,
    /// In `/instructors/nearby` answers only: kilometres from the point searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

impl InstructorView {
    /// `None` for anyone who is not an instructor.
    pub fn of(user: &UserRecord) -> Option<Self> {
        let details = user.instructor.as_ref()?;
        Some(Self {
            id: user.user_id.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            city: user.city.clone(),
            suburb: user.suburb.clone(),
            province: user.province.clone(),
            vehicle: details.vehicle.clone(),
            hourly_rate: details.hourly_rate.as_f64(),
            rating: details.average_rating(),
            review_count: details.rating_count,
            bio: details.bio.clone(),
            working_hours: details.hours(),
            latitude: details.latitude,
            longitude: details.longitude,
            distance_km: None,
        })
    }
}

/// Publicly listed: a verified instructor whose account is active.
pub fn is_listed(user: &UserRecord) -> bool {
    user.status == shared::auth::AccountStatus::Active
        && user.instructor.as_ref().is_some_and(|i| i.is_verified())
}
