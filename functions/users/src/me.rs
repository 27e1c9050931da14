//! `GET/PATCH /users/me` and the dashboard. The guard has already read the user, so reading
//! costs no further round trip; a new phone number waits for its SMS code (`crate::phone`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::auth::{AccountStatus, LimitedUser, Role};
use shared::domain::lesson::{local_date_of, local_day_bounds, quarter_key};
use shared::domain::{PersonName, PhoneNumber, Place, Province, StreetAddress};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::validation::Validator;
use shared::store::bookings::{self, BookingRecord, BookingStatus, BookingsOf};
use shared::store::users::{self, BookingCounts, ProfileChanges, UserRecord};
use shared::{ApiError, ApiResult, AppState};

use crate::phone::{self, PhonePending};
use crate::view::UserView;

/// The signed-in user's account
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    operation_id = "get_me",
    tag = "users",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The account.", body = UserView),
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_me(auth: LimitedUser) -> ApiResult<JsonResponse<UserView>> {
    Ok(JsonResponse(UserView::from(&auth.user)))
}

/// Fields a user may change about themselves. Email changes are not offered (they would need a
/// new verification); instructors' teaching details live under `/instructors/me`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    first_name: Option<String>,
    last_name: Option<String>,
    /// E.164, or a South African number in local form. Not changed at once: a 6-digit code goes
    /// by SMS to the new number and `POST /users/me/phone/confirm` applies it. The answer is
    /// then 202 `{"phone_pending": true}`, whether or not the number is taken.
    phone: Option<String>,
    /// `false` to stop booking news and reminders by SMS (email continues).
    sms_notifications: Option<bool>,
    city: Option<String>,
    suburb: Option<String>,
    province: Option<String>,
    /// Students only, like the pickup coordinates.
    pickup_address: Option<String>,
    /// With `pickup_longitude`, or neither.
    #[schema(minimum = -90, maximum = 90)]
    pickup_latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pickup_longitude: Option<f64>,
}

/// Every field parsed (all errors reported at once); a pickup is for students only.
fn parse_patch(patch: ProfilePatch, user: &UserRecord) -> ApiResult<ProfileChanges> {
    let mut v = Validator::default();
    let mut parse_name =
        |name, input: Option<String>| v.optional(name, input, |x| PersonName::parse(&x)).flatten();
    let first_name = parse_name("first_name", patch.first_name);
    let last_name = parse_name("last_name", patch.last_name);
    let changes = ProfileChanges {
        first_name,
        last_name,
        city: v
            .optional("city", patch.city, |x| Place::parse(&x))
            .flatten(),
        suburb: v
            .optional("suburb", patch.suburb, |x| Place::parse(&x))
            .flatten(),
        province: v
            .optional("province", patch.province, |x| Province::parse(&x))
            .flatten(),
        pickup_address: v
            .optional("pickup_address", patch.pickup_address, |x| {
                StreetAddress::parse(&x)
            })
            .flatten(),
        pickup_location: v.coordinates(
            ("pickup_latitude", "pickup_longitude"),
            patch.pickup_latitude,
            patch.pickup_longitude,
        ),
        phone: v
            .optional("phone", patch.phone, |x| PhoneNumber::parse(&x))
            .flatten(),
        instructor: Default::default(),
        sms_notifications: patch.sms_notifications,
    };
    v.finish()?;
    let wants_pickup = changes.pickup_address.is_some() || changes.pickup_location.is_some();
    if user.role != Role::Student && wants_pickup {
        return Err(ApiError::validation(
            "pickup_address",
            "only students have a pickup address",
        ));
    }
    Ok(changes)
}

/// Change the signed-in user's account
///
/// Only the fields sent change; `null` or a missing field leaves it as it is. The email
/// address cannot change here; instructors' teaching details are under `/instructors/me`. A
/// new `phone` is confirmed by SMS code first: the answer is then 202
/// `{"phone_pending": true}` (the other fields sent are changed already).
#[utoipa::path(
    patch,
    path = "/api/v1/users/me",
    operation_id = "patch_me",
    tag = "users",
    request_body = ProfilePatch,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The account as it now is.", body = UserView),
        (status = 202, description = "A code is on its way by SMS to the new phone number \
            (taken or not); `POST /users/me/phone/confirm` applies it.", body = PhonePending),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn patch_me(
    State(state): State<AppState>,
    auth: LimitedUser,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<Response> {
    let mut changes = parse_patch(patch, &auth.user)?;
    let new_phone = changes.phone.take().filter(|p| *p != auth.user.phone);
    let table = &state.config.table_name;
    let now = state.clock.now();
    let updated = users::apply(
        &state.aws.dynamodb,
        table,
        &auth.user,
        &changes,
        &now.rfc3339(),
    )
    .await?;
    match new_phone {
        None => Ok(JsonResponse(UserView::from(&updated)).into_response()),
        Some(phone) => {
            phone::send_code(&state, &updated, &phone, now).await?;
            Ok((StatusCode::ACCEPTED, JsonResponse(PhonePending::yes())).into_response())
        }
    }
}

/// A lesson as dashboards list it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LessonSummary {
    id: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    lesson_start: String,
    duration_minutes: i64,
    status: BookingStatus,
    instructor_name: String,
    student_name: String,
    pickup_address: String,
}

impl From<&BookingRecord> for LessonSummary {
    fn from(booking: &BookingRecord) -> Self {
        Self {
            id: booking.id.clone(),
            lesson_start: booking.lesson_start.clone(),
            duration_minutes: booking.duration_minutes,
            status: booking.status,
            instructor_name: booking.instructor_name.clone(),
            student_name: booking.student_name.clone(),
            pickup_address: booking.pickup_address.clone(),
        }
    }
}

/// What the app's home screen shows; the fields after `bookings_by_status` depend on the role.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    user_id: String,
    role: Role,
    first_name: String,
    status: AccountStatus,
    #[schema(format = DateTime)]
    member_since: String,
    bookings_by_status: BookingCounts,
    /// Students: the next (at most 5) lessons in the coming 90 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    upcoming_lessons: Option<Vec<LessonSummary>>,
    /// Instructors: today's lessons (local day).
    #[serde(skip_serializing_if = "Option::is_none")]
    todays_lessons: Option<Vec<LessonSummary>>,
    /// Instructors: bookings waiting for their confirmation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_confirmations: Option<i64>,
    /// Instructors: the average rating, `null` before the first review.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<Option<f64>>,
    /// Instructors: how many reviews.
    #[serde(skip_serializing_if = "Option::is_none")]
    review_count: Option<i64>,
    /// Instructors: `PENDING`, `VERIFIED` or `REJECTED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<Option<String>>,
    /// Instructors: rand students paid for their lessons, less refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    earnings_paid: Option<f64>,
}

/// The dashboard: counts by status come from counters kept on the user item by the booking
/// transactions; the lessons listed come from one indexed query. Three round trips at most
/// (the guard, the rate limit, the query), whatever the number of bookings.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/dashboard",
    operation_id = "get_dashboard",
    tag = "users",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The dashboard of the signed-in user's role.",
            body = Dashboard),
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn dashboard(
    State(state): State<AppState>,
    auth: LimitedUser,
) -> ApiResult<JsonResponse<Dashboard>> {
    let user = &auth.user;
    let table = &state.config.table_name;
    let now = state.clock.now().timestamp();
    let mut body = Dashboard {
        user_id: user.user_id.clone(),
        role: user.role,
        first_name: user.first_name.clone(),
        status: user.status,
        member_since: user.created_at.clone(),
        bookings_by_status: user.booking_counts,
        upcoming_lessons: None,
        todays_lessons: None,
        pending_confirmations: None,
        rating: None,
        review_count: None,
        verification: None,
        earnings_paid: None,
    };
    match user.role {
        Role::Student => {
            let horizon = now + jiff::SignedDuration::from_hours(24 * 90);
            let upcoming = bookings::in_window(
                &state.aws.dynamodb,
                table,
                BookingsOf::Student(&user.user_id),
                &quarter_key(now),
                &quarter_key(horizon),
                5,
            )
            .await?;
            body.upcoming_lessons = Some(upcoming.iter().map(LessonSummary::from).collect());
        }
        Role::Instructor => {
            let today = local_date_of(now);
            let (start, end) = local_day_bounds(today)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e.message)))?;
            let lessons = bookings::in_window(
                &state.aws.dynamodb,
                table,
                BookingsOf::Instructor(&user.user_id),
                &quarter_key(start),
                &quarter_key(end),
                100,
            )
            .await?;
            let details = user.instructor.as_ref();
            body.todays_lessons = Some(lessons.iter().map(LessonSummary::from).collect());
            body.pending_confirmations = Some(user.booking_counts.pending);
            body.rating = Some(details.and_then(|d| d.average_rating()));
            body.review_count = Some(details.map_or(0, |d| d.rating_count));
            body.verification = Some(details.map(|d| d.verification.as_str().to_owned()));
            body.earnings_paid = Some(user.earnings_paid.as_f64());
        }
        Role::Admin => {}
    }
    Ok(JsonResponse(body))
}
