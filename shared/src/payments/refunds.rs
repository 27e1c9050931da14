//! Refunding a cancelled booking, from any function (the cancel route, the webhook, the jobs).
//!
//! The order of the Stripe call and the DynamoDB writes, and why a refund is never lost nor
//! made twice:
//! 1. The cancellation's own transaction records what it owes (`refund_cents`,
//!    `refund_pending`), conditional on the payment status it was worked out from. From then on
//!    the debt is durable, whatever fails next.
//! 2. Stripe, asked first for the refunds already made of the intent (an earlier attempt may
//!    have reached Stripe and died before step 3; Stripe forgets idempotency keys after 24 h and
//!    localstripe ignores them), then, only if there is none, refunding with the
//!    `Idempotency-Key` `booking-<id>-refund` (which also covers two attempts at once).
//! 3. One transaction conditional on the refund still being pending: `refunded`, Stripe's id
//!    and amount, and the audit entry. Only one recorder can win it.
//!
//! A failure after step 1 leaves `refund_pending` on the cancelled booking, and the caller gets
//! a 503 saying so. It is finished by repeating the cancellation (the cancel route resumes a
//! cancelled booking's pending refund instead of answering 409) or by the next webhook event of
//! the intent (Stripe retries deliveries answered with an error).

use crate::audit::{AuditEntry, Outcome};
use crate::clock::Now;
use crate::domain::PaymentStatus;
use crate::payments::policy::{self, Canceller};
use crate::payments::stripe::StripeError;
use crate::payments::PaymentsContext;
use crate::store::bookings::{self, Also, BookingRecord};
use crate::store::payments;
use crate::store::transact::{transact, TransactError, Write};
use crate::{ApiError, ApiResult};

/// Who asked for the refund, for its audit entry.
#[derive(Debug, Clone)]
pub struct Requester {
    /// The user who cancelled; `None` for Stripe's webhook or the system.
    pub actor: Option<String>,
    pub ip: String,
}

/// The payment side of cancelling `booking` by `by` at `now`: what the cancellation's update
/// also writes, and the refund (cents) it owes when the booking is paid.
pub fn on_cancel(booking: &BookingRecord, by: Canceller, now: Now) -> (Also, Option<i64>) {
    let refund = (booking.payment.status == PaymentStatus::Paid).then(|| {
        let start = booking
            .lesson_start
            .parse::<jiff::Timestamp>()
            // An unreadable start: the refund is the student's, the safer answer.
            .unwrap_or_else(|_| now.timestamp() + policy::FULL_REFUND_NOTICE);
        policy::refund_cents(booking.price.cents(), by, start, now.timestamp())
    });
    (payments::cancel_guard(booking, refund), refund)
}

/// The booking's payment as the cancellation's transaction left it.
pub fn cancelled_with(mut booking: BookingRecord, refund: Option<i64>) -> BookingRecord {
    if let Some(cents) = refund {
        booking.payment.refund_cents = Some(cents);
        booking.payment.refund_pending = cents > 0;
    }
    booking
}

/// After a cancellation is written: makes the refund it owes (steps 2 and 3 above), or cancels
/// the intent of a booking that was never paid so the card form cannot pay it any more.
pub async fn settle_cancelled(
    ctx: &PaymentsContext<'_>,
    booking: BookingRecord,
    by: &Requester,
) -> ApiResult<BookingRecord> {
    let Some(intent_id) = booking.payment.intent_id.clone() else {
        return Ok(booking);
    };
    if booking.payment.refund_pending {
        return refund(ctx, booking, &intent_id, by).await;
    }
    if booking.payment.status.is_open() {
        cancel_intent(ctx, &intent_id).await;
    }
    Ok(booking)
}

/// Best effort: an intent Stripe will not cancel (it succeeded meanwhile) is settled by its
/// `payment_intent.succeeded`, which refunds a cancelled booking in full.
async fn cancel_intent(ctx: &PaymentsContext<'_>, intent_id: &str) {
    let Some(payments) = ctx.payments else {
        return;
    };
    match payments.stripe.cancel_intent(intent_id).await {
        Ok(_) => {}
        Err(StripeError::Refused { message, .. }) => {
            tracing::info!(intent = intent_id, %message, "intent not cancelled at Stripe");
        }
        Err(err) => {
            tracing::warn!(intent = intent_id, error = %err, "intent cancellation failed");
            crate::metrics::count("StripeFailures");
        }
    }
}

async fn refund(
    ctx: &PaymentsContext<'_>,
    mut booking: BookingRecord,
    intent_id: &str,
    by: &Requester,
) -> ApiResult<BookingRecord> {
    let owed = booking
        .payment
        .refund_cents
        .unwrap_or(booking.price.cents());
    let pending = || ApiError::Unavailable {
        detail: "The booking is cancelled; its refund could not be made yet. Repeat the \
                 cancellation to complete it."
            .into(),
        extra: None,
    };
    let stripe = &ctx.payments()?.stripe;
    let made = match stripe.refunds_of(intent_id).await {
        Ok(existing) if !existing.is_empty() => existing,
        Ok(_) => match stripe.refund(&booking.id, intent_id, owed).await {
            Ok(refund) => vec![refund],
            Err(err) => {
                tracing::warn!(booking = %booking.id, error = %err, "refund failed at Stripe");
                crate::metrics::count("StripeFailures");
                return Err(pending());
            }
        },
        Err(err) => {
            tracing::warn!(booking = %booking.id, error = %err, "refund lookup failed at Stripe");
            crate::metrics::count("StripeFailures");
            return Err(pending());
        }
    };
    let amount: i64 = made.iter().map(|r| r.amount).sum();
    let refund_id = made.first().map(|r| r.id.clone()).unwrap_or_default();
    let table = ctx.table;
    let now = ctx.now;
    let mut items = vec![
        Write::from(payments::refund_recorded_update(
            table,
            &booking.id,
            &refund_id,
            amount,
        )?),
        Write::from(
            AuditEntry {
                actor: by.actor.clone(),
                action: "booking.refunded",
                target: Some(booking.id.clone()),
                ip: by.ip.clone(),
                outcome: Outcome::Success,
                detail: Some(format!("{refund_id}: {amount} cents")),
                at: now,
            }
            .put(table)?,
        ),
    ];
    items.extend(payments::money_moved(table, &booking, -amount)?);
    match transact(ctx.dynamodb, items).await {
        Ok(()) => {
            booking.payment.status = PaymentStatus::Refunded;
            booking.payment.refund_cents = Some(amount);
            booking.payment.refund_pending = false;
            booking.payment.refund_id = Some(refund_id);
            Ok(booking)
        }
        // Another attempt recorded it first: the booking as that one left it.
        Err(TransactError::ConditionFailed(_)) => bookings::get(ctx.dynamodb, table, &booking.id)
            .await?
            .ok_or(ApiError::NotFound),
        Err(err) => {
            tracing::warn!(booking = %booking.id, error = %err, "refund made but not recorded");
            Err(pending())
        }
    }
}
