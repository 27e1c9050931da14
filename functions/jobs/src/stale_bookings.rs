//! Bookings left pending: not confirmed within 48 hours of being made, or by their start. Found
//! by their deadline items (`store::bookings::schedule`); each is cancelled by the system
//! through [`cancel_stale_pending`], with both parties told and an audit entry.

use shared::audit::{AuditEntry, Outcome};
use shared::clock::Now;
use shared::notices::{queue, BookingEvent, Notice};
use shared::payments::refunds::{self, Requester};
use shared::payments::Canceller;
use shared::store::bookings::{self, schedule, BookingRecord, BookingStatus, Transition};
use shared::store::outbox;
use shared::store::transact::{transact, TransactError, Write};
use shared::AppState;

use crate::run::PAGE_LIMIT;

/// Who `cancelled_by` names for a cancellation no person made.
pub const SYSTEM: &str = "system";
const REASON: &str = "The instructor did not confirm the lesson in time.";

pub async fn cancel_due(state: &AppState, now: Now) -> anyhow::Result<u32> {
    let (db, table) = (&state.aws.dynamodb, state.config.table_name.as_str());
    let mut cancelled = 0;
    for id in schedule::past_deadline(db, table, now.timestamp(), PAGE_LIMIT).await? {
        match bookings::get(db, table, &id).await? {
            // A system cancellation whose refund Stripe did not make yet: its deadline item was
            // kept as the reminder to try again.
            Some(booking)
                if booking.status == BookingStatus::Cancelled && booking.payment.refund_pending =>
            {
                settle(state, booking).await?;
            }
            Some(booking) if booking.status == BookingStatus::Pending => {
                if schedule::confirm_deadline(&booking)? > now.timestamp() {
                    // Its deadline moved (a reschedule): file it under the new one.
                    transact(db, vec![schedule::deadline_put(table, &booking)?])
                        .await
                        .map_err(anyhow::Error::from)?;
                } else if cancel_stale_pending(state, &booking, now).await? {
                    cancelled += 1;
                }
            }
            // Confirmed, cancelled or gone: nothing is due any more.
            _ => transact(db, vec![schedule::deadline_delete(table, &id)?])
                .await
                .map_err(anyhow::Error::from)?,
        }
    }
    Ok(cancelled)
}

/// The system's cancellation of a booking left pending: the booking cancelled and its slots
/// freed (conditional on it still being pending and on the payment status it was judged by),
/// the refund it owes recorded (in full when it was paid: `payments::refunds`), its deadline
/// item removed (kept while a refund is owed), an audit entry, and both parties' notices, in
/// one transaction; then the notices are enqueued and the refund made, or an unpaid intent
/// cancelled at Stripe. `false` when someone moved the booking first.
pub async fn cancel_stale_pending(
    state: &AppState,
    booking: &BookingRecord,
    now: Now,
) -> anyhow::Result<bool> {
    let table = &state.config.table_name;
    let cancel = Transition::Cancel {
        reason: REASON.to_owned(),
        by: SYSTEM.to_owned(),
    };
    let notices = [&booking.student_id, &booking.instructor_id]
        .map(|party| Notice::booking(BookingEvent::Cancelled, booking, party));
    let audit = AuditEntry {
        actor: None,
        action: "booking.cancelled_unconfirmed",
        target: Some(booking.id.clone()),
        ip: SYSTEM.to_owned(),
        outcome: Outcome::Success,
        detail: Some(REASON.to_owned()),
        at: now,
    };
    let at = now.rfc3339();
    let (also, refund) = refunds::on_cancel(booking, Canceller::System, now);
    let mut items = bookings::transition_items_with(table, booking, &cancel, &at, &also)?;
    if refund.is_none_or(|cents| cents <= 0) {
        items.push(schedule::deadline_delete(table, &booking.id)?);
    }
    items.push(Write::from(audit.put(table)?));
    items.extend(outbox::puts(table, &notices, now)?);
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {
            queue::enqueue(state, &notices).await;
            let cancelled = refunds::cancelled_with(booking.clone().after(&cancel, &at), refund);
            settle(state, cancelled).await?;
            Ok(true)
        }
        Err(TransactError::ConditionFailed(_)) => Ok(false),
        Err(TransactError::Other(err)) => Err(err),
    }
}

/// The payment side of a system cancellation (`refunds::settle_cancelled`): a refund owed is
/// made, and then the deadline item that kept it due is removed. A refund Stripe refuses or
/// cannot take now stays owed (logged and counted); the next run tries again.
async fn settle(state: &AppState, booking: BookingRecord) -> anyhow::Result<()> {
    let owed = booking.payment.refund_pending;
    let id = booking.id.clone();
    let system = Requester {
        actor: None,
        ip: SYSTEM.to_owned(),
    };
    match refunds::settle_cancelled(&state.payments_context(), booking, &system).await {
        Ok(_) if owed => {
            let table = &state.config.table_name;
            transact(
                &state.aws.dynamodb,
                vec![schedule::deadline_delete(table, &id)?],
            )
            .await
            .map_err(anyhow::Error::from)
        }
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(booking = %id, error = %err, "system cancellation's refund not made yet");
            shared::metrics::count("RefundsOwed");
            Ok(())
        }
    }
}
