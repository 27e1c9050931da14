//! One run: every job in turn, each on its own (a failing job is logged and the others run),
//! the counts reported as EMF metrics and returned.

use serde::Serialize;

use shared::AppState;

/// The most items each job handles per run: a backlog drains over several runs instead of
/// making one run long (and the DynamoDB bill spiky).
pub const PAGE_LIMIT: i32 = 100;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JobReport {
    pub reminders_sent: u32,
    pub pending_bookings_cancelled: u32,
    pub unverified_accounts_deleted: u32,
    pub notices_reenqueued: u32,
    /// Jobs that failed this run (logged); they run again next time.
    pub jobs_failed: u32,
}

fn settle(name: &'static str, result: anyhow::Result<u32>, failed: &mut u32) -> u32 {
    match result {
        Ok(count) => count,
        Err(err) => {
            tracing::error!(job = name, error = %format!("{err:#}"), "job failed; it runs again next time");
            *failed += 1;
            0
        }
    }
}

pub async fn run(state: &AppState) -> JobReport {
    let now = state.clock.now();
    let mut failed = 0;
    let report = JobReport {
        reminders_sent: settle(
            "reminders",
            crate::reminders::send(state, now).await,
            &mut failed,
        ),
        pending_bookings_cancelled: settle(
            "stale_bookings",
            crate::stale_bookings::cancel_due(state, now).await,
            &mut failed,
        ),
        unverified_accounts_deleted: settle(
            "unverified_accounts",
            crate::unverified::delete_due(state, now).await,
            &mut failed,
        ),
        notices_reenqueued: settle(
            "outbox",
            crate::outbox::reenqueue(state, now).await,
            &mut failed,
        ),
        jobs_failed: 0,
    };
    let report = JobReport {
        jobs_failed: failed,
        ..report
    };
    for (metric, value) in [
        ("RemindersSent", report.reminders_sent),
        (
            "PendingBookingsCancelled",
            report.pending_bookings_cancelled,
        ),
        (
            "UnverifiedAccountsDeleted",
            report.unverified_accounts_deleted,
        ),
        ("NoticesReenqueued", report.notices_reenqueued),
        ("JobsFailed", report.jobs_failed),
    ] {
        shared::metrics::record(metric, u64::from(value));
    }
    tracing::info!(?report, "jobs ran");
    report
}
