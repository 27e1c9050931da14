//! The `jobs` function: run by an EventBridge schedule every 15 minutes (locally every
//! `JOBS_INTERVAL_S`), it sends lesson reminders, cancels bookings left pending, deletes
//! accounts never verified, and enqueues again the notices the outbox still holds. Each job
//! reads at most one bounded page per run and is safe to run again: what it did is recorded
//! in the same transaction as its change.

mod outbox;
mod reminders;
mod run;
mod stale_bookings;
mod unverified;

pub use run::{run, JobReport, PAGE_LIMIT};
pub use stale_bookings::cancel_stale_pending;
