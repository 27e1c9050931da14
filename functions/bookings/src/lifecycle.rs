//! Confirm, complete and cancel: moves of the booking state machine, each one conditional on
//! the status the caller saw, with the users' counters in the same transaction. An illegal
//! move is a 409; another party's booking is a 404.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use shared::http::query::PathId;
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{AuthUser, LimitedUser, Role};
use shared::clock::Now;
use shared::domain::CancelReason;
use shared::error::OrConflict;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::request_context::ClientIp;
use shared::notices::{queue, BookingEvent, Notice};
use shared::payments::refunds::{self, Requester};
use shared::payments::Canceller;
use shared::store::bookings::{self, Also, BookingRecord, BookingStatus, Party, Transition};
use shared::store::outbox;
use shared::store::transact::{transact, Write};
use shared::{ApiError, ApiResult, AppState};

use crate::access::{is_party, own_booking, visible_booking};
use crate::view::BookingView;

/// Why a move is refused: said the same whether the check or the transaction's condition
/// refused it.
fn illegal(from: BookingStatus, to: BookingStatus) -> String {
    format!("A {} booking cannot become {}.", from.as_str(), to.as_str())
}

/// Applies the move (with `audit`, when an admin acts, what `also` adds to the booking's
/// update, and the outbox items of `notices`, in the same transaction), enqueues the notices
/// and returns the booking as it now is.
async fn apply(
    state: &AppState,
    booking: BookingRecord,
    transition: Transition,
    audit: Option<AuditEntry>,
    also: &Also,
    notices: &[Notice],
    now: Now,
) -> ApiResult<BookingRecord> {
    let to = transition.target();
    if !booking.status.can_become(to) {
        return Err(ApiError::Conflict(illegal(booking.status, to)));
    }
    let table = &state.config.table_name;
    let at = now.rfc3339();
    let mut items = bookings::transition_items_with(table, &booking, &transition, &at, also)?;
    if let Some(audit) = audit {
        items.push(Write::from(audit.put(table)?));
    }
    items.extend(outbox::puts(table, notices, now)?);
    // Someone moved it first; report against the status it had.
    transact(&state.aws.dynamodb, items)
        .await
        .or_conflict(&illegal(booking.status, to))?;
    queue::enqueue(state, notices).await;
    Ok(booking.after(&transition, &at))
}

/// The booking, if the caller is an instructor and it is theirs (students get 403: the route
/// is not theirs at all; other instructors get 404: the booking is not theirs to know of).
async fn instructors_booking(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
) -> ApiResult<BookingRecord> {
    auth.require_role(&[Role::Instructor])?;
    own_booking(state, auth, id, Party::Instructor).await
}

/// Confirm a booking
///
/// The booking's instructor confirms a pending booking before it starts (409 after); the
/// student is told by email (and SMS, unless they opted out).
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/confirm",
    operation_id = "confirm_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Confirmed.", body = BookingView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<BookingView>> {
    let booking = instructors_booking(&state, &auth, &id).await?;
    let now = state.clock.now();
    if booking.has_started(now) {
        return Err(ApiError::Conflict(
            "A lesson that has started can no longer be confirmed.".into(),
        ));
    }
    let notice = Notice::booking(BookingEvent::Confirmed, &booking, &booking.student_id);
    let updated = apply(
        &state,
        booking,
        Transition::Confirm,
        None,
        &Also::default(),
        &[notice],
        now,
    )
    .await?;
    Ok(JsonResponse(BookingView::from(updated)))
}

/// Complete a booking
///
/// The booking's instructor marks a confirmed lesson done, once it has started; the student
/// may then review it.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/complete",
    operation_id = "complete_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Completed.", body = BookingView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<BookingView>> {
    let booking = instructors_booking(&state, &auth, &id).await?;
    let now = state.clock.now();
    if !booking.has_started(now) {
        return Err(ApiError::Conflict(
            "A lesson can be completed once it has started.".into(),
        ));
    }
    let updated = apply(
        &state,
        booking,
        Transition::Complete,
        None,
        &Also::default(),
        &[],
        now,
    )
    .await?;
    Ok(JsonResponse(BookingView::from(updated)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why; the student is told.
    reason: String,
}

/// Cancel a booking
///
/// Its student or instructor (or an admin) cancels a pending or confirmed booking; the time is
/// free again at once and the student (and the instructor, unless they cancelled it) is told
/// by email and SMS. Once the lesson has started only the
/// instructor or an admin may cancel it (a no-show); the student gets 409.
///
/// Refund policy for a paid booking: refunded in full through Stripe when the instructor or
/// an admin cancels, or when the student cancels at least 24 hours before the lesson; a later
/// cancellation by the student refunds nothing. The answer's `payment_status` and
/// `refund_amount` say what was refunded. An unpaid booking's PaymentIntent is cancelled. If
/// Stripe fails, the cancellation stands, the refund stays owed and the answer is 503:
/// repeating the cancellation completes the refund.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/cancel",
    operation_id = "cancel_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    request_body = CancelRequest,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Cancelled.", body = BookingView),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: LimitedUser,
    PathId(id): PathId,
    Json(body): Json<CancelRequest>,
) -> ApiResult<JsonResponse<BookingView>> {
    let reason =
        CancelReason::parse(&body.reason).map_err(|e| ApiError::validation("reason", e.message))?;
    let booking = visible_booking(&state, &auth, &id).await?;
    let requester = Requester {
        actor: Some(auth.user_id().to_owned()),
        ip: ip.key(),
    };
    if booking.status == BookingStatus::Cancelled && booking.payment.refund_pending {
        // A cancellation whose refund failed at Stripe: repeating it finishes the refund.
        let settled =
            refunds::settle_cancelled(&state.payments_context(), booking, &requester).await?;
        return Ok(JsonResponse(BookingView::from(settled)));
    }
    let now = state.clock.now();
    let by_admin = auth.is_admin() && !is_party(&auth, &booking);
    if booking.has_started(now) && !by_admin && auth.user_id() == booking.student_id {
        return Err(ApiError::Conflict(
            "A lesson that has started can be cancelled only by its instructor or an admin.".into(),
        ));
    }
    let audit = by_admin.then(|| AuditEntry {
        actor: Some(auth.user_id().to_owned()),
        action: "booking.cancelled_by_admin",
        target: Some(booking.id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: Some(reason.as_str().to_owned()),
        at: now,
    });
    let cancel = Transition::Cancel {
        reason: reason.as_str().to_owned(),
        by: auth.user_id().to_owned(),
    };
    // The student is told, and the instructor too unless they cancelled it themselves.
    let mut notices = vec![Notice::booking(
        BookingEvent::Cancelled,
        &booking,
        &booking.student_id,
    )];
    if auth.user_id() != booking.instructor_id {
        notices.push(Notice::booking(
            BookingEvent::Cancelled,
            &booking,
            &booking.instructor_id,
        ));
    }
    let canceller = match () {
        _ if by_admin => Canceller::Admin,
        _ if auth.user_id() == booking.instructor_id => Canceller::Instructor,
        _ => Canceller::Student,
    };
    let (also, refund) = refunds::on_cancel(&booking, canceller, now);
    let updated = apply(&state, booking, cancel, audit, &also, &notices, now).await?;
    let updated = refunds::cancelled_with(updated, refund);
    let updated = refunds::settle_cancelled(&state.payments_context(), updated, &requester).await?;
    Ok(JsonResponse(BookingView::from(updated)))
}
