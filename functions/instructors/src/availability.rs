//! `GET /instructors/{id}/availability?date=&duration_minutes=`: the local start times at which
//! a lesson of that length fits the instructor's hours and existing bookings. Two reads: the
//! profile (with the time off) and that day's taken slots; a day away needs only the first.

use std::collections::HashSet;

use axum::extract::State;
use axum::Json as JsonResponse;
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use shared::domain::lesson::{
    local_day_bounds, local_to_utc, parse_local_date, quarter_key, LESSON_TIME_ZONE,
    MAX_DAYS_AHEAD, SLOT_MINUTES,
};
use shared::domain::{LessonDuration, WorkingHours};
use shared::http::openapi as doc;
use shared::http::query::{PathId, Query};
use shared::http::request_context::{ClientIp, RequestScope};
use shared::store::bookings;
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

use crate::view::is_listed;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// The local day, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    date: Option<String>,
    /// The lesson length: 30 to 240 minutes in steps of 15 (default 60).
    #[param(value_type = Option<i64>, minimum = 30, maximum = 240, multiple_of = 15)]
    duration_minutes: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    #[schema(format = Date)]
    date: String,
    /// Always `Africa/Johannesburg`: `slots` are local times.
    #[schema(example = "Africa/Johannesburg")]
    timezone: &'static str,
    duration_minutes: i64,
    /// Local start times, `HH:MM`, at which a lesson of that length fits.
    #[schema(example = json!(["08:00", "08:15", "09:30"]))]
    slots: Vec<String>,
}

/// Free local start times (`HH:MM`) on `date` for a lesson of `duration`, given the quarter
/// hours already taken (as UTC quarter keys). Only starts in the future and within the booking
/// horizon count.
pub fn free_starts(
    hours: &WorkingHours,
    date: jiff::civil::Date,
    duration: LessonDuration,
    taken: &HashSet<String>,
    now: Timestamp,
) -> Vec<String> {
    let horizon = now + SignedDuration::from_hours(24 * MAX_DAYS_AHEAD);
    let length = duration.minutes();
    let mut starts = Vec::new();
    for (from, to) in hours.windows(date.weekday()) {
        let mut minute = *from;
        while minute + length <= *to {
            let (h, m) = ((minute / 60) as i8, (minute % 60) as i8);
            let fits = Time::new(h, m, 0, 0)
                .ok()
                .and_then(|t| local_to_utc(date, t).ok())
                .filter(|start| *start > now && *start <= horizon)
                .is_some_and(|start| {
                    (0..length / SLOT_MINUTES).all(|q| {
                        let quarter = start + SignedDuration::from_mins(q * SLOT_MINUTES);
                        !taken.contains(&quarter_key(quarter))
                    })
                });
            if fits {
                starts.push(format!("{h:02}:{m:02}"));
            }
            minute += SLOT_MINUTES;
        }
    }
    starts
}

/// An instructor's free start times on a day
///
/// The local start times at which a lesson of `duration_minutes` fits the instructor's working
/// hours and existing bookings (future starts within 90 days only). 100 a minute per IP.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}/availability",
    operation_id = "instructor_availability",
    tag = "instructors",
    params(("id" = String, Path, description = "The instructor's user id."), AvailabilityQuery),
    responses(
        (status = 200, description = "The free start times.", body = Availability),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn availability(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    PathId(id): PathId,
    Query(query): Query<AvailabilityQuery>,
) -> ApiResult<JsonResponse<Availability>> {
    crate::public_read(&state, &scope, &ip, read_availability(&state, &id, query)).await
}

async fn read_availability(
    state: &AppState,
    id: &str,
    query: AvailabilityQuery,
) -> ApiResult<JsonResponse<Availability>> {
    let date = parse_local_date(query.date.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::validation("date", e.message))?;
    let minutes = match query.duration_minutes.as_deref() {
        None | Some("") => 60,
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::validation("duration_minutes", "must be a number"))?,
    };
    let duration = LessonDuration::parse(minutes)
        .map_err(|e| ApiError::validation("duration_minutes", e.message))?;

    let (day_start, day_end) =
        local_day_bounds(date).map_err(|e| ApiError::validation("date", e.message))?;
    let last_quarter = day_end - SignedDuration::from_mins(SLOT_MINUTES);
    let (first_key, last_key) = (quarter_key(day_start), quarter_key(last_quarter));
    // The instructor and the day's bookings at once: the bookings' read needs only the id, and
    // is dropped unused when the instructor is not listed or away that day.
    let table = &state.config.table_name;
    let (instructor, taken) = tokio::try_join!(
        users::get(&state.aws.dynamodb, table, id),
        bookings::taken_quarters(&state.aws.dynamodb, table, id, &first_key, &last_key,),
    )?;
    let instructor = instructor.filter(is_listed).ok_or(ApiError::NotFound)?;
    let hours = instructor
        .instructor
        .as_ref()
        .map(|d| d.hours())
        .unwrap_or_else(WorkingHours::standard);
    let away = instructor
        .instructor
        .as_ref()
        .is_some_and(|d| d.time_off.covers(date));
    if away {
        return Ok(JsonResponse(Availability {
            date: date.to_string(),
            timezone: LESSON_TIME_ZONE,
            duration_minutes: duration.minutes(),
            slots: Vec::new(),
        }));
    }

    Ok(JsonResponse(Availability {
        date: date.to_string(),
        timezone: LESSON_TIME_ZONE,
        duration_minutes: duration.minutes(),
        slots: free_starts(
            &hours,
            date,
            duration,
            &taken,
            state.clock.now().timestamp(),
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booked_hour_removes_every_start_that_would_overlap_it() {
        let date = parse_local_date("2026-03-03").expect("date"); // a Tuesday
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().expect("now");
        let duration = LessonDuration::parse(60).expect("60");
        let all = free_starts(
            &WorkingHours::standard(),
            date,
            duration,
            &HashSet::new(),
            now,
        );
        assert_eq!(all.first().map(String::as_str), Some("08:00"));
        assert_eq!(all.last().map(String::as_str), Some("16:00"));
        assert_eq!(all.len(), 33);

        // 10:00-11:00 local is 08:00-09:00 UTC.
        let taken: HashSet<String> = ["08:00", "08:15", "08:30", "08:45"]
            .iter()
            .map(|t| format!("2026-03-03T{t}:00Z"))
            .collect();
        let free = free_starts(&WorkingHours::standard(), date, duration, &taken, now);
        for blocked in ["09:15", "09:30", "09:45", "10:00", "10:30", "10:45"] {
            assert!(!free.contains(&blocked.to_owned()), "{blocked} overlaps");
        }
        assert!(free.contains(&"09:00".to_owned()) && free.contains(&"11:00".to_owned()));
    }

    #[test]
    fn past_starts_are_not_offered() {
        let date = parse_local_date("2026-03-03").expect("date");
        let now: Timestamp = "2026-03-03T10:00:00Z".parse().expect("noon local");
        let free = free_starts(
            &WorkingHours::standard(),
            date,
            LessonDuration::parse(60).expect("60"),
            &HashSet::new(),
            now,
        );
        assert_eq!(free.first().map(String::as_str), Some("12:15"));
    }
}
