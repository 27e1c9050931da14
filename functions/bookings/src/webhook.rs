//! `POST /payments/stripe/webhook`: Stripe's events, verified over the raw body and applied
//! once each (the event's claim is in the same transaction as the booking's change).
//!
//! Public (Stripe has no token of ours), limited per IP. A bad or missing signature is a 400
//! and the `WebhookSignatureFailures` metric; events of unknown types or intents are
//! acknowledged and ignored. Events are read leniently: Stripe adds fields at will.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::domain::{BookingStatus, PaymentStatus};
use shared::http::openapi as doc;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::payments::refunds::{self, Requester};
use shared::payments::signature;
use shared::rate_limit::{Caller, RuleName};
use shared::store::bookings::{self, BookingRecord};
use shared::store::payments;
use shared::store::transact::{transact, TransactError, Write};
use shared::{ApiError, ApiResult, AppState};

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: EventObject,
}

/// A PaymentIntent or a Charge: the fields the applied types need.
#[derive(Debug, Deserialize)]
struct EventObject {
    #[serde(default)]
    id: Option<String>,
    /// On a Charge: its intent.
    #[serde(default)]
    payment_intent: Option<String>,
    #[serde(default)]
    amount_refunded: Option<i64>,
}

/// The webhook's answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WebhookReceipt)]
pub struct Receipt {
    received: bool,
    /// Whether the event changed a booking (false: a replay, an unknown type or intent, or
    /// a change the booking's state no longer allows).
    applied: bool,
}

/// Receive a Stripe event
///
/// Stripe's webhook endpoint. `Stripe-Signature` (`t=…,v1=…`) must be an HMAC-SHA256 of
/// `"<t>.<raw body>"` under the webhook secret (current or previous version), with `t` within
/// five minutes: otherwise 400 and nothing changes. `payment_intent.succeeded` marks the
/// booking `paid` (a booking cancelled meanwhile is refunded in full at once),
/// `payment_intent.payment_failed` `failed`, `payment_intent.processing` `processing`,
/// `charge.refunded` `refunded`. Each event applies once; a replay, an unknown type or an
/// unknown intent is answered 200.
#[utoipa::path(
    post,
    path = "/api/v1/payments/stripe/webhook",
    operation_id = "stripe_webhook",
    tag = "payments",
    params(("Stripe-Signature" = String, Header, description = "`t=<unix seconds>,v1=<hex HMAC-SHA256>`, several `v1` allowed.")),
    request_body(content = Object, description = "A Stripe event, exactly as Stripe sent it.", content_type = "application/json"),
    responses(
        (status = 200, description = "Received.", body = Receipt),
        (status = 400, response = doc::BadRequest),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn webhook(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<JsonResponse<Receipt>> {
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // A missing, malformed or stale header is refused before any I/O (no counter, no secret);
    // the rest is limited per IP before the secret is loaded.
    let verified = match signature::parse(header, state.clock.now().secs()) {
        Ok(signed) => {
            state
                .limiter
                .check(&scope, RuleName::PublicIp, Caller::key(&ip.key()))
                .await?;
            let ring = state.payments()?.webhook_secrets.get().await?;
            signed.check(&body, ring.all().map(|key| key.bytes.as_slice()))
        }
        Err(err) => Err(err),
    };
    if let Err(err) = verified {
        tracing::warn!(reason = %err, "webhook signature refused");
        shared::metrics::count("WebhookSignatureFailures");
        return Err(ApiError::BadRequest(format!(
            "Invalid Stripe-Signature: {err}."
        )));
    }
    let event: Event = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("The body is not a Stripe event.".into()))?;
    let by = Requester {
        actor: None,
        ip: ip.key(),
    };
    let applied = apply(&state, &event, &by).await?;
    Ok(JsonResponse(Receipt {
        received: true,
        applied,
    }))
}

/// The change `event` makes to `booking`, if its type is one we apply.
fn change(
    table: &str,
    event: &Event,
    booking: &BookingRecord,
    intent_id: &str,
) -> anyhow::Result<Option<Write>> {
    use PaymentStatus::*;
    Ok(Some(Write::from(match event.kind.as_str() {
        "payment_intent.succeeded" => payments::succeeded_update(table, booking, intent_id)?,
        "payment_intent.payment_failed" => {
            payments::status_update(table, &booking.id, intent_id, Failed, &[Unpaid, Processing])?
        }
        "payment_intent.processing" => {
            payments::status_update(table, &booking.id, intent_id, Processing, &[Unpaid, Failed])?
        }
        "charge.refunded" => {
            let amount = event
                .data
                .object
                .amount_refunded
                .unwrap_or(booking.price.cents());
            payments::charge_refunded_update(table, &booking.id, intent_id, amount)?
        }
        _ => return Ok(None),
    })))
}

/// Applies the event once; then finishes a refund the booking owes (a payment that arrived
/// after its cancellation, or an earlier attempt that failed at Stripe).
async fn apply(state: &AppState, event: &Event, by: &Requester) -> ApiResult<bool> {
    let object = &event.data.object;
    let intent_id = if event.kind.starts_with("charge.") {
        object.payment_intent.as_deref()
    } else if event.kind.starts_with("payment_intent.") {
        object.id.as_deref()
    } else {
        None
    };
    let Some(intent_id) = intent_id else {
        return Ok(false);
    };
    let table = &state.config.table_name;
    let dynamodb = &state.aws.dynamodb;
    let Some(booking_id) = payments::booking_of_intent(dynamodb, table, intent_id).await? else {
        return Ok(false);
    };
    let Some(booking) = bookings::get(dynamodb, table, &booking_id).await? else {
        return Ok(false);
    };
    let Some(update) = change(table, event, &booking, intent_id)? else {
        return Ok(false);
    };
    let claim = payments::event_claim(table, &event.id, state.clock.now().secs())?;
    let mut items = vec![Write::from(claim), update];
    let moved = money(event, &booking);
    if moved != 0 {
        items.extend(payments::money_moved(table, &booking, moved)?);
    }
    let applied = match transact(dynamodb, items).await {
        Ok(()) => true,
        // A replay (the claim), or a change the booking no longer allows.
        Err(TransactError::ConditionFailed(_)) => false,
        Err(err) => return Err(err.into()),
    };
    let booking = if applied && event.kind == "payment_intent.succeeded" {
        paid(booking)
    } else {
        booking
    };
    if booking.status == BookingStatus::Cancelled && booking.payment.refund_pending {
        refunds::settle_cancelled(&state.payments_context(), booking, by).await?;
    }
    Ok(applied)
}

/// What the event moves in the revenue and the instructor's earnings (cents).
fn money(event: &Event, booking: &BookingRecord) -> i64 {
    match event.kind.as_str() {
        "payment_intent.succeeded" => booking.price.cents(),
        "charge.refunded" => -event
            .data
            .object
            .amount_refunded
            .unwrap_or(booking.price.cents()),
        _ => 0,
    }
}

/// The booking as `succeeded_update` left it.
fn paid(mut booking: BookingRecord) -> BookingRecord {
    booking.payment.status = PaymentStatus::Paid;
    if booking.status == BookingStatus::Cancelled {
        booking.payment.refund_cents = Some(booking.price.cents());
        booking.payment.refund_pending = true;
    }
    booking
}
