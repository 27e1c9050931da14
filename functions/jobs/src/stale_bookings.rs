//! Bookings left pending: not confirmed within 48 hours of being made, or by their start. Found
//! by their deadline items (`store::bookings::schedule`); each is cancelled by the system
//! through [`cancel_stale_pending`], with both parties told and an audit entry.

use shared::audit::{AuditEntry, Outcome};
use shared::clock::Now;
use shared::notices::{queue, BookingEvent, Notice};
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
/// freed (conditional on it still being pending), its deadline item removed, an audit entry,
/// and both parties' notices, in one transaction; then the notices are enqueued. `false` when
/// someone moved the booking first. Everything a system cancellation must also do (a refund,
/// once bookings are paid) belongs here.
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
    let mut items = bookings::transition_items(table, booking, &cancel, &now.rfc3339())?;
    items.push(schedule::deadline_delete(table, &booking.id)?);
    items.push(Write::from(audit.put(table)?));
    items.extend(outbox::puts(table, &notices, now)?);
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {
            queue::enqueue(state, &notices).await;
            Ok(true)
        }
        Err(TransactError::ConditionFailed(_)) => Ok(false),
        Err(TransactError::Other(err)) => Err(err),
    }
}
