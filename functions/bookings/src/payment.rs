//! `POST /bookings/{id}/payment`: the booking's one PaymentIntent, created at Stripe on the
//! first call and kept on the booking by a conditional write; later calls return it.
//!
//! Stripe is called before anything is written, so Stripe failing leaves no payment state
//! (503). The booking, not Stripe's idempotency key, guarantees one intent: Stripe forgets keys
//! after 24 h and localstripe ignores them, so a request that loses the race to attach its
//! intent cancels it and answers with the winner's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Serialize;
use utoipa::ToSchema;

use shared::auth::{LimitedUser, Role};
use shared::domain::{BookingStatus, PaymentStatus, Rands};
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::payments::stripe::PaymentIntent;
use shared::store::bookings::{self, BookingRecord, Party};
use shared::store::payments;
use shared::store::transact::{transact, TransactError};
use shared::{ApiError, ApiResult, AppState};

use crate::access::own_booking;

/// A booking's PaymentIntent, for the card form (Stripe.js `confirmCardPayment`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Payment)]
pub struct PaymentView {
    payment_intent_id: String,
    /// Stripe.js confirms the payment with it; it is not a credential of this API.
    client_secret: String,
    /// Rand: the booking's price.
    amount: f64,
    /// Always `zar`.
    currency: String,
    /// The intent's Stripe status (`requires_payment_method`, `processing`, `succeeded`, ...).
    status: String,
}

impl PaymentView {
    fn of(intent: PaymentIntent) -> Self {
        Self {
            payment_intent_id: intent.id,
            client_secret: intent.client_secret.unwrap_or_default(),
            amount: Rands::from_cents(intent.amount).as_f64(),
            currency: intent.currency,
            status: intent.status,
        }
    }
}

/// Why a booking cannot be paid (409), if it cannot.
fn refusal(booking: &BookingRecord) -> Option<String> {
    if !matches!(
        booking.status,
        BookingStatus::Pending | BookingStatus::Confirmed
    ) {
        return Some(format!(
            "A {} booking cannot be paid.",
            booking.status.as_str()
        ));
    }
    match booking.payment.status {
        PaymentStatus::Paid | PaymentStatus::Refunded => Some(format!(
            "The booking is already {}.",
            booking.payment.status.as_str()
        )),
        PaymentStatus::Unpaid | PaymentStatus::Processing | PaymentStatus::Failed => None,
    }
}

/// Pay for a booking
///
/// The booking's student gets its PaymentIntent (ZAR, the booking's price): 201 when it is
/// created, 200 with the same intent on every later call. The card form confirms it with
/// Stripe; Stripe's webhook then marks the booking `paid`. Another user's booking is 404; a
/// cancelled, completed, paid or refunded one is 409. Stripe unavailable is 503, with nothing
/// written.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/payment",
    operation_id = "pay_booking",
    tag = "payments",
    params(("id" = String, Path, description = "The booking id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "The intent, created.", body = PaymentView),
        (status = 200, description = "The booking's existing intent.", body = PaymentView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn pay(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
) -> ApiResult<(StatusCode, JsonResponse<PaymentView>)> {
    auth.require_role(&[Role::Student])?;
    let booking = own_booking(&state, &auth, &id, Party::Student).await?;
    if let Some(why) = refusal(&booking) {
        return Err(ApiError::Conflict(why));
    }
    let stripe = &state.payments()?.stripe;
    if let Some(intent_id) = &booking.payment.intent_id {
        let intent = stripe.intent(intent_id).await?;
        mark_processing(&state, &booking, &intent).await?;
        return Ok((StatusCode::OK, JsonResponse(PaymentView::of(intent))));
    }
    let intent = stripe
        .create_intent(&booking.id, booking.price.cents())
        .await?;
    let status = if intent.status == "processing" {
        PaymentStatus::Processing
    } else {
        PaymentStatus::Unpaid
    };
    let table = &state.config.table_name;
    let items = payments::attach_intent_items(table, &booking.id, &intent.id, status)?;
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => Ok((StatusCode::CREATED, JsonResponse(PaymentView::of(intent)))),
        Err(TransactError::ConditionFailed(_)) => lost_the_race(&state, &booking.id, intent).await,
        Err(err) => {
            discard(&state, &intent.id).await;
            Err(err.into())
        }
    }
}

/// Another request attached an intent first, or the booking was cancelled meanwhile.
async fn lost_the_race(
    state: &AppState,
    booking_id: &str,
    ours: PaymentIntent,
) -> ApiResult<(StatusCode, JsonResponse<PaymentView>)> {
    let now = bookings::get(&state.aws.dynamodb, &state.config.table_name, booking_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if now.payment.intent_id.as_deref() == Some(ours.id.as_str()) {
        // Stripe answered the winner's idempotency key with the same intent.
        return Ok((StatusCode::OK, JsonResponse(PaymentView::of(ours))));
    }
    discard(state, &ours.id).await;
    match (refusal(&now), now.payment.intent_id) {
        (Some(why), _) => Err(ApiError::Conflict(why)),
        (None, Some(winner)) => {
            let intent = state.payments()?.stripe.intent(&winner).await?;
            Ok((StatusCode::OK, JsonResponse(PaymentView::of(intent))))
        }
        (None, None) => Err(ApiError::Conflict(
            "The booking changed meanwhile; try again.".into(),
        )),
    }
}

/// Cancels an intent no booking holds (best effort: nobody has its client secret).
async fn discard(state: &AppState, intent_id: &str) {
    if let Ok(payments) = state.payments() {
        if let Err(err) = payments.stripe.cancel_intent(intent_id).await {
            tracing::warn!(intent = intent_id, error = %err, "unattached intent not cancelled");
        }
    }
}

/// Stripe says the payment is settling: the booking says so too (once).
async fn mark_processing(
    state: &AppState,
    booking: &BookingRecord,
    intent: &PaymentIntent,
) -> ApiResult<()> {
    if intent.status != "processing" || booking.payment.status == PaymentStatus::Processing {
        return Ok(());
    }
    let update = payments::status_update(
        &state.config.table_name,
        &booking.id,
        &intent.id,
        PaymentStatus::Processing,
        &[PaymentStatus::Unpaid, PaymentStatus::Failed],
    )?;
    match transact(&state.aws.dynamodb, vec![update]).await {
        Ok(()) | Err(TransactError::ConditionFailed(_)) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
