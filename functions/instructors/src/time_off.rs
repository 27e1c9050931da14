//! `GET/PUT /instructors/me/time-off`: the whole days an instructor is away. The list lives on
//! the profile, so availability and the booking rules read it with the profile they already
//! read. A PUT replaces the list (one `UpdateItem`) and names the live lessons that now fall on
//! a new day away (one `Query` over the new periods' span): they are not cancelled silently,
//! the instructor decides.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::auth::{AuthUser, LimitedUser, Role};
use shared::domain::lesson::{local_date_of, local_day_bounds, quarter_key};
use shared::domain::{BookingStatus, TimeOff, TimeOffPeriodInput};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::validation::Validator;
use shared::store::bookings::{self, BookingRecord, BookingsOf};
use shared::store::users::{self, InstructorChanges, ProfileChanges, UserRecord};
use shared::{ApiError, ApiResult, AppState};

/// At most this many lessons are read when a PUT looks for affected ones (one page).
const AFFECTED_SCAN_LIMIT: i32 = 200;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeOffRequest {
    /// Replaces the whole list: at most 50 periods, none overlapping, none ending in the past
    /// or more than a year ahead.
    #[schema(max_items = 50)]
    periods: Vec<TimeOffPeriodInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeOffView {
    /// The periods that have not ended, by start date.
    periods: Vec<TimeOffPeriodInput>,
}

/// A live lesson on a day the instructor is now away.
#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedBooking {
    id: String,
    student_name: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    lesson_start: String,
    duration_minutes: i64,
    status: BookingStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeOffSaved {
    #[serde(flatten)]
    time_off: TimeOffView,
    /// Pending and confirmed lessons on the days the request added (at most 200): they stand
    /// until the instructor reschedules or cancels them.
    affected_bookings: Vec<AffectedBooking>,
}

fn instructor(auth: &AuthUser) -> ApiResult<&TimeOff> {
    auth.require_role(&[Role::Instructor])?;
    auth.user
        .instructor
        .as_ref()
        .map(|details| &details.time_off)
        .ok_or_else(|| ApiError::Forbidden("Only instructors have time off.".into()))
}

/// The signed-in instructor's time off
#[utoipa::path(
    get,
    path = "/api/v1/instructors/me/time-off",
    operation_id = "get_my_time_off",
    tag = "instructors",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The periods that have not ended.", body = TimeOffView),
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_time_off(
    State(state): State<AppState>,
    auth: LimitedUser,
) -> ApiResult<JsonResponse<TimeOffView>> {
    let time_off = instructor(&auth)?;
    let today = local_date_of(state.clock.now().timestamp());
    Ok(JsonResponse(TimeOffView {
        periods: time_off.current(today),
    }))
}

/// Replace the signed-in instructor's time off
///
/// Whole local days, `start_date` to `end_date` inclusive. Availability shows no times on those
/// days and new bookings or reschedules into them are refused (422). Lessons already booked on
/// a day the request adds are listed in `affected_bookings`, not cancelled.
#[utoipa::path(
    put,
    path = "/api/v1/instructors/me/time-off",
    operation_id = "put_my_time_off",
    tag = "instructors",
    request_body = TimeOffRequest,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Saved; the lessons now on days away.", body = TimeOffSaved),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn put_time_off(
    State(state): State<AppState>,
    auth: LimitedUser,
    Json(body): Json<TimeOffRequest>,
) -> ApiResult<JsonResponse<TimeOffSaved>> {
    let before = instructor(&auth)?.clone();
    let now = state.clock.now();
    let today = local_date_of(now.timestamp());
    let time_off = TimeOff::parse(&body.periods, today).map_err(|errors| {
        let mut v = Validator::default();
        for (field, error) in errors {
            v.error(&field, &error.message);
        }
        v.finish()
            .err()
            .unwrap_or(ApiError::validation("periods", "are invalid"))
    })?;
    let changes = ProfileChanges {
        instructor: InstructorChanges {
            time_off: Some(time_off.clone()),
            ..InstructorChanges::default()
        },
        ..ProfileChanges::default()
    };
    let table = &state.config.table_name;
    users::apply(
        &state.aws.dynamodb,
        table,
        &auth.user,
        &changes,
        &now.rfc3339(),
    )
    .await?;
    let affected = affected_bookings(&state, &auth.user, &time_off.added_since(&before)).await?;
    Ok(JsonResponse(TimeOffSaved {
        time_off: TimeOffView {
            periods: time_off.current(today),
        },
        affected_bookings: affected,
    }))
}

/// The instructor's live lessons on the `added` days: one `Query` over their span, or none.
async fn affected_bookings(
    state: &AppState,
    user: &UserRecord,
    added: &[shared::domain::TimeOffPeriod],
) -> ApiResult<Vec<AffectedBooking>> {
    let (Some(first), Some(last)) = (
        added.iter().map(|p| p.start()).min(),
        added.iter().map(|p| p.end()).max(),
    ) else {
        return Ok(Vec::new());
    };
    let bounds = |date| local_day_bounds(date).map_err(|e| anyhow::anyhow!("day bounds: {e}"));
    let (from, _) = bounds(first)?;
    let (_, to) = bounds(last)?;
    let found = bookings::in_window(
        &state.aws.dynamodb,
        &state.config.table_name,
        BookingsOf::Instructor(&user.user_id),
        &quarter_key(from),
        &quarter_key(to),
        AFFECTED_SCAN_LIMIT,
    )
    .await?;
    let on_day_away = |booking: &BookingRecord| {
        booking
            .lesson_start
            .parse::<jiff::Timestamp>()
            .is_ok_and(|start| added.iter().any(|p| p.covers(local_date_of(start))))
    };
    Ok(found
        .into_iter()
        .filter(|b| matches!(b.status, BookingStatus::Pending | BookingStatus::Confirmed))
        .filter(on_day_away)
        .map(|b| AffectedBooking {
            id: b.id,
            student_name: b.student_name,
            lesson_start: b.lesson_start,
            duration_minutes: b.duration_minutes,
            status: b.status,
        })
        .collect())
}
