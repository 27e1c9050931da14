//! Reminders, 24 hours ahead: every confirmed lesson starting 23 to 24 hours from a run gets
//! one reminder per party, exactly once per booking and start (the claim in
//! `store::bookings::schedule` is put with the notices, conditional on not existing).
//!
//! The window is the hour before the 24-hour mark, not the whole next day: runs come every 15
//! minutes, so each lesson is in four runs' windows (three may fail), and one run's page
//! (`PAGE_LIMIT` lessons) covers an hour of lessons rather than a day's (a day of the modelled
//! marketplace has several hundred). A lesson confirmed less than 23 hours ahead gets no
//! reminder: its confirmation is the latest word.

use shared::clock::Now;
use shared::domain::lesson::quarter_key;
use shared::notices::{queue, Notice};
use shared::store::bookings::{self, schedule, BookingStatus, BookingsOf};
use shared::store::outbox;
use shared::store::transact::{transact, TransactError};
use shared::AppState;

use crate::run::PAGE_LIMIT;

pub async fn send(state: &AppState, now: Now) -> anyhow::Result<u32> {
    let (db, table) = (&state.aws.dynamodb, state.config.table_name.as_str());
    let horizon = now.timestamp() + jiff::SignedDuration::from_hours(24);
    let from = horizon - jiff::SignedDuration::from_hours(1);
    let lessons = bookings::in_window(
        db,
        table,
        BookingsOf::Everyone,
        &quarter_key(from),
        &quarter_key(horizon),
        PAGE_LIMIT,
    )
    .await?;
    let mut sent = 0;
    for booking in lessons
        .iter()
        .filter(|b| b.status == BookingStatus::Confirmed && !b.has_started(now))
    {
        let notices = [&booking.student_id, &booking.instructor_id]
            .map(|party| Notice::reminder(&booking.id, &booking.lesson_start, party));
        let mut items = vec![schedule::reminder_claim(table, booking)?];
        items.extend(outbox::puts(table, &notices, now)?);
        match transact(db, items).await {
            Ok(()) => {
                queue::enqueue(state, &notices).await;
                sent += 1;
            }
            // Reminded already (an earlier run).
            Err(TransactError::ConditionFailed(_)) => {}
            Err(TransactError::Other(err)) => return Err(err),
        }
    }
    Ok(sent)
}
