//! `POST /bookings/{id}/reschedule`: the student or the instructor moves a pending or confirmed
//! lesson. The new time meets the rules of a new booking (`rules`), and the move is one
//! transaction (`bookings::reschedule_items`): the old quarters it leaves are freed, the new
//! ones taken, or nothing moves and the answer is 409.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::auth::{LimitedUser, Role};
use shared::clock::Now;
use shared::domain::{BookingStatus, LessonDuration};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::validation::Validator;
use shared::notices::{queue, BookingEvent, Notice};
use shared::store::bookings::{self, BookingRecord, Party, Reschedule};
use shared::store::outbox;
use shared::store::transact::{transact, TransactError};
use shared::{ApiError, ApiResult, AppState};

use crate::access::own_booking;
use crate::rules;
use crate::view::BookingView;

/// Students may move a lesson until this long before it starts.
const STUDENT_NOTICE_HOURS: i64 = 24;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// The new local date, `YYYY-MM-DD`: in the future, at most 90 days ahead.
    #[schema(format = Date)]
    lesson_date: String,
    /// The new local start, `HH:MM`, on a quarter hour, inside the instructor's working hours.
    #[schema(example = "14:30")]
    lesson_time: String,
    /// 30 to 240 in steps of 15; the lesson keeps its length when left out.
    #[schema(minimum = 30, maximum = 240, multiple_of = 15)]
    duration_minutes: Option<i64>,
}

/// Reschedule a booking
///
/// The booking's student or instructor moves a pending or confirmed lesson to a new time,
/// under the rules of a new booking (working hours, days away, 90-day horizon, quarter hours,
/// no overlap for either of them). The old time is free again at once; `rescheduled_from`
/// records it. A student's move puts the booking back to `pending` (the instructor confirms
/// the new time); an instructor's keeps its status. Students cannot move a lesson within 24
/// hours of its start (409). The other party is told (email and SMS). A new length is priced at the
/// instructor's current rate. 1000 an hour per user.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/reschedule",
    operation_id = "reschedule_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    request_body = RescheduleRequest,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Moved.", body = BookingView),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn reschedule(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
    Json(body): Json<RescheduleRequest>,
) -> ApiResult<JsonResponse<BookingView>> {
    auth.require_role(&[Role::Student, Role::Instructor])?;
    let party = match auth.role() {
        Role::Instructor => Party::Instructor,
        _ => Party::Student,
    };
    let booking = own_booking(&state, &auth, &id, party).await?;
    let now = state.clock.now();
    if !matches!(
        booking.status,
        BookingStatus::Pending | BookingStatus::Confirmed
    ) {
        return Err(ApiError::Conflict(format!(
            "A {} booking cannot be rescheduled.",
            booking.status.as_str()
        )));
    }
    let current = booking.slot()?;
    let notice = jiff::SignedDuration::from_hours(STUDENT_NOTICE_HOURS);
    if party == Party::Student && current.start() <= now.timestamp() + notice {
        return Err(ApiError::Conflict(
            "A lesson can be rescheduled by its student up to 24 hours before it starts.".into(),
        ));
    }
    if current.start() <= now.timestamp() {
        return Err(ApiError::Conflict(
            "A lesson that has started can no longer be rescheduled.".into(),
        ));
    }

    let mut v = Validator::default();
    let duration = match body.duration_minutes {
        Some(minutes) => v.field("duration_minutes", LessonDuration::parse(minutes)),
        None => Some(current.duration()),
    };
    let slot = rules::parse_slot(
        &mut v,
        &body.lesson_date,
        &body.lesson_time,
        duration,
        now.timestamp(),
    );
    let to = v.finish_with(slot)?;
    if to == current {
        return Err(ApiError::validation(
            "lesson_time",
            "is the lesson's current time",
        ));
    }
    // The price of a booking with a payment intent is the intent's amount (and, once paid,
    // what was paid): its time may move, its length may not.
    if to.duration() != current.duration() && booking.payment.intent_id.is_some() {
        return Err(ApiError::Conflict(
            "A booking with a payment keeps its length; cancel it and book again to change it."
                .into(),
        ));
    }
    // The instructor of an instructor's own move is the signed-in user: no read.
    let instructor = match party {
        Party::Instructor => {
            rules::check_instructor(&auth.user, &to)?;
            auth.user.clone()
        }
        Party::Student => rules::bookable_instructor(&state, &booking.instructor_id, &to).await?,
    };
    let price = (to.duration() != current.duration())
        .then_some(instructor.instructor.as_ref())
        .flatten()
        .map(|details| to.duration().price(details.hourly_rate));
    let change = Reschedule {
        to,
        // The instructor confirms a time the student chose.
        status: match party {
            Party::Student => BookingStatus::Pending,
            Party::Instructor => booking.status,
        },
        price,
        instructor_time_off: instructor
            .instructor
            .as_ref()
            .map(|d| d.time_off.clone())
            .unwrap_or_default(),
    };
    let moved = store_move(&state, booking, &change, now, party).await?;
    Ok(JsonResponse(BookingView::from(moved)))
}

/// The move's transaction, with the other party's notice in the outbox, then the notice
/// enqueued; a refused condition is a 409 saying what was in the way.
async fn store_move(
    state: &AppState,
    booking: BookingRecord,
    change: &Reschedule,
    now: Now,
    party: Party,
) -> ApiResult<BookingRecord> {
    let table = &state.config.table_name;
    let at = now.rfc3339();
    let (mut items, positions) = bookings::reschedule_items(table, &booking, change, &at)?;
    let moved = booking.rescheduled(change, &at);
    let notice = notice_to_other_party(&moved, party);
    items.push(outbox::put(table, &notice, now)?);
    if moved.status == BookingStatus::Pending {
        // Pending again: the instructor has 48 hours (or until the new start) to confirm the
        // new time before the jobs function cancels it.
        items.push(bookings::schedule::repending_deadline_put(
            table,
            &moved,
            now.timestamp(),
        )?);
    }
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {
            queue::enqueue(state, &[notice]).await;
            Ok(moved)
        }
        Err(TransactError::ConditionFailed(failed)) => {
            let detail = if failed.contains(&positions.booking) {
                "The booking changed meanwhile; read it again."
            } else if party == Party::Instructor
                && !failed.contains(&positions.instructor_profile)
                && failed.iter().any(|i| positions.student.contains(i))
            {
                "The student already has a lesson at that time."
            } else {
                rules::taken_detail(
                    &failed,
                    &positions.instructor,
                    &positions.student,
                    positions.instructor_profile,
                )
            };
            Err(ApiError::Conflict(detail.into()))
        }
        Err(TransactError::Other(err)) => Err(ApiError::Internal(err)),
    }
}

/// The notice to whoever did not make the move; its id is fixed by the booking's new round,
/// so each move is told once.
fn notice_to_other_party(moved: &BookingRecord, by: Party) -> Notice {
    let to = match by {
        Party::Student => &moved.instructor_id,
        Party::Instructor => &moved.student_id,
    };
    Notice::booking(BookingEvent::Rescheduled, moved, to)
}
