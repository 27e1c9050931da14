//! `POST /bookings`: a student books a verified instructor. The lesson is checked against the
//! calendar rules and the instructor's hours, then the booking and its slots are written in
//! one transaction: of two students racing for a slot exactly one wins, the other gets 409.
//!
//! A student whose client never heard the answer can send the request again with the same
//! `Idempotency-Key` and gets the booking the first attempt made (see
//! `shared::store::idempotency`).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::auth::{AccountStatus, AuthUser, Role};
use shared::clock;
use shared::domain::{Coordinates, LessonDuration, LessonSlot, StreetAddress};
use shared::http::idempotency::{IdempotencyKey, IDEMPOTENT_REPLAYED};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::request_context::RequestScope;
use shared::http::validation::Validator;
use shared::rate_limit::RuleName;
use shared::store::bookings::{self, BookingRecord, BookingStatus};
use shared::store::idempotency::{self, ClaimKey};
use shared::store::stats;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{self, UserRecord};
use shared::{metrics, ApiError, ApiResult, AppState};

use crate::emails;
use crate::view::BookingView;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// A verified instructor's id.
    instructor_id: String,
    /// Local date, `YYYY-MM-DD`: in the future, at most 90 days ahead.
    #[schema(format = Date)]
    lesson_date: String,
    /// Local start time, `HH:MM`, on a quarter hour, inside the instructor's working hours.
    #[schema(example = "10:30")]
    lesson_time: String,
    /// 30 to 240, in steps of 15.
    #[schema(minimum = 30, maximum = 240, multiple_of = 15)]
    duration_minutes: i64,
    pickup_address: String,
    /// With `pickup_longitude`, or neither.
    #[schema(minimum = -90, maximum = 90)]
    pickup_latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pickup_longitude: Option<f64>,
}

impl NewBooking {
    /// What makes two requests the same booking request, for `Idempotency-Key` repeats.
    fn fingerprint(&self) -> String {
        let coordinate = |c: Option<f64>| c.map(|v| v.to_string()).unwrap_or_default();
        idempotency::fingerprint(&[
            self.instructor_id.trim(),
            &self.lesson_date,
            &self.lesson_time,
            &self.duration_minutes.to_string(),
            &self.pickup_address,
            &coordinate(self.pickup_latitude),
            &coordinate(self.pickup_longitude),
        ])
    }
}

/// The operation name idempotency claims are filed under.
const OPERATION: &str = "create_booking";

/// Price of a lesson in cents: the hourly rate pro rata, rounded to the nearest cent.
pub fn price_cents(hourly_rate_cents: i64, minutes: i64) -> i64 {
    (hourly_rate_cents * minutes + 30) / 60
}

fn bookable(instructor: &UserRecord) -> bool {
    instructor.role == Role::Instructor
        && instructor.status == AccountStatus::Active
        && instructor
            .instructor
            .as_ref()
            .is_some_and(|i| i.is_verified())
}

/// Book a lesson
///
/// A student books a verified instructor; the booking is `pending` until the instructor
/// confirms it. Of two students racing for a time, one gets it and the other 409. 20 an hour
/// per student.
///
/// Send an `Idempotency-Key` (for example a UUID made once per booking attempt) to retry
/// safely: a repeat with the same key and body within a day answers with the booking the
/// first attempt created, marked `Idempotent-Replayed: true`, and creates nothing; the same
/// key with a different body is a 422.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    operation_id = "create_booking",
    tag = "bookings",
    request_body = NewBooking,
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255,
            pattern = "^[!#-~]+$",
            description = "Unique per booking attempt (a UUID, say): 1 to 255 visible ASCII characters, remembered for a day."),
    ),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "Booked (or, with `Idempotent-Replayed: true`, booked by an earlier request with this `Idempotency-Key`); the instructor is emailed once.", body = BookingView,
            headers(("Idempotent-Replayed" = String, description = "`true` when the answer repeats an earlier request's booking."))),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    scope: RequestScope,
    auth: AuthUser,
    idempotency_key: Option<IdempotencyKey>,
    Json(body): Json<NewBooking>,
) -> ApiResult<Response> {
    auth.require_role(&[Role::Student])?;
    state
        .limiter
        .check(&scope, RuleName::BookingCreate, auth.user_id(), false)
        .await?;

    let mut v = Validator::default();
    let duration = v.field(
        "duration_minutes",
        LessonDuration::parse(body.duration_minutes),
    );
    let slot = duration.and_then(|duration| {
        match LessonSlot::parse(
            &body.lesson_date,
            &body.lesson_time,
            duration,
            jiff::Timestamp::now(),
        ) {
            Ok(slot) => Some(slot),
            Err(err) => {
                v.error(err.field, &err.error.message);
                None
            }
        }
    });
    let pickup_address = v.field("pickup_address", StreetAddress::parse(&body.pickup_address));
    let pickup = v.field(
        "pickup_latitude",
        Coordinates::parse_pair(
            body.pickup_latitude,
            body.pickup_longitude,
            ("pickup_latitude", "pickup_longitude"),
        ),
    );
    let parsed = (|| Some((slot?, pickup_address?, pickup?)))();
    let (slot, pickup_address, pickup) = v.finish_with(parsed)?;

    let table = &state.config.table_name;
    let instructor = match users::get(&state.aws.dynamodb, table, body.instructor_id.trim()).await?
    {
        Some(instructor) if bookable(&instructor) => instructor,
        _ => {
            return Err(ApiError::validation(
                "instructor_id",
                "is not an instructor who takes bookings",
            ))
        }
    };
    let Some(details) = instructor.instructor.as_ref() else {
        return Err(ApiError::validation(
            "instructor_id",
            "is not an instructor",
        ));
    };
    let weekday = slot.local_date().weekday();
    if !details.hours().fits(
        weekday,
        slot.local_start_minute(),
        slot.duration().minutes(),
    ) {
        return Err(ApiError::validation(
            "lesson_time",
            "is outside the instructor's working hours",
        ));
    }

    let now = clock::now_rfc3339();
    let booking = BookingRecord {
        id: uuid::Uuid::new_v4().to_string(),
        instructor_id: instructor.user_id.clone(),
        student_id: auth.user_id().to_owned(),
        instructor_name: instructor.full_name(),
        student_name: auth.user.full_name(),
        instructor_email: instructor.email.clone(),
        student_email: auth.user.email.clone(),
        lesson_start: shared::domain::lesson::quarter_key(slot.start()),
        duration_minutes: slot.duration().minutes(),
        status: BookingStatus::Pending,
        price_cents: price_cents(details.hourly_rate_cents, slot.duration().minutes()),
        pickup_address: pickup_address.as_str().to_owned(),
        pickup_latitude: pickup.map(|c| c.lat()),
        pickup_longitude: pickup.map(|c| c.lng()),
        created_at: now.clone(),
        updated_at: now,
        cancel_reason: None,
        cancelled_by: None,
        reviewed: false,
    };
    let (mut items, positions) = bookings::create_items(table, &booking, &slot)?;
    let fingerprint = body.fingerprint();
    let claim = idempotency_key.as_ref().map(|key| ClaimKey {
        user_id: auth.user_id(),
        operation: OPERATION,
        key,
    });
    let now_secs = jiff::Timestamp::now().as_second();
    let claim_position = match &claim {
        Some(claim) => {
            let put = claim.put(table, &fingerprint, &booking.id, now_secs)?;
            items.push(Write::from(put));
            Some(items.len() - 1)
        }
        None => None,
    };
    // The admin stats' "bookings today" moves with the booking.
    items.push(Write::from(stats::booking_created_update(
        table,
        jiff::Timestamp::now(),
    )?));
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {}
        Err(TransactError::ConditionFailed(failed)) => {
            if let (Some(claim), Some(position)) = (&claim, claim_position) {
                if failed.contains(&position) {
                    return replay(&state, claim, &fingerprint, now_secs).await;
                }
            }
            let detail = if failed.iter().any(|i| positions.instructor.contains(i)) {
                "That time is no longer available with this instructor."
            } else if failed.iter().any(|i| positions.student.contains(i)) {
                "You already have a lesson at that time."
            } else {
                "The booking could not be created; try again."
            };
            return Err(ApiError::Conflict(detail.into()));
        }
        Err(TransactError::Other(err)) => return Err(ApiError::Internal(err)),
    }
    metrics::count("BookingsCreated");
    notify_instructor(&state, &booking, claim.as_ref()).await;
    Ok((
        StatusCode::CREATED,
        JsonResponse(BookingView::from(booking)),
    )
        .into_response())
}

/// Emails the instructor about a new booking and, for a keyed request, records on the claim
/// that it was sent. A failure of either is logged; the booking stands.
async fn notify_instructor(
    state: &AppState,
    booking: &BookingRecord,
    claim: Option<&ClaimKey<'_>>,
) {
    let email = emails::new_booking(&booking.instructor_email, booking, &state.config.public_url);
    if !emails::deliver(state, email, "new_booking").await {
        return;
    }
    if let Some(claim) = claim {
        if let Err(err) = claim
            .mark_notified(&state.aws.dynamodb, &state.config.table_name)
            .await
        {
            tracing::warn!(error = %format!("{err:#}"), "the sent notice is not recorded; a repeat of the request sends it again");
        }
    }
}

/// The answer to a repeated `Idempotency-Key`: the booking its first use created, as it is
/// now, or 422 when the key came with a different request.
async fn replay(
    state: &AppState,
    claim: &ClaimKey<'_>,
    fingerprint: &str,
    now_secs: i64,
) -> ApiResult<Response> {
    let table = &state.config.table_name;
    let Some(stored) = claim.get(&state.aws.dynamodb, table, now_secs).await? else {
        // The claim expired between the transaction and this read.
        return Err(ApiError::Conflict(
            "The booking could not be created; try again.".into(),
        ));
    };
    if stored.request_hash != fingerprint {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "was already used for a different booking request",
        ));
    }
    let booking = bookings::get(&state.aws.dynamodb, table, &stored.resource_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("an idempotency claim names a missing booking"))?;
    // The first attempt stored the booking but ended before its notice: send it now.
    if !stored.notified && booking.status == BookingStatus::Pending {
        notify_instructor(state, &booking, Some(claim)).await;
    }
    Ok((
        StatusCode::CREATED,
        [(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"))],
        JsonResponse(BookingView::from(booking)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_is_the_hourly_rate_pro_rata_to_the_cent() {
        assert_eq!(price_cents(35_000, 60), 35_000);
        assert_eq!(price_cents(35_000, 90), 52_500);
        assert_eq!(price_cents(33_333, 45), 25_000);
        assert_eq!(price_cents(10_001, 30), 5_001);
    }
}
