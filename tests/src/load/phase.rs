//! One phase: many students at once, then the checks.

use std::sync::Arc;
use std::time::Instant;

use crate::accounts::TestUser;
use futures::StreamExt;
use serde_json::{json, Value};

use super::checks::{check_calendars, counter_sums};
use super::journey::{student_journey, Outcome, Scenario, IN_FLIGHT};
use super::record::{fail, requests, status_count, step_summary, Shared, Step};

pub async fn run_phase(
    scenario: &Scenario,
    instructors: &[TestUser],
    users: usize,
) -> (Value, Vec<String>) {
    let record: Shared = Arc::default();
    let counters_before = counter_sums(&scenario.app).await.unwrap_or_default();
    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures::stream::iter(0..users)
        .map(|n| {
            let record = record.clone();
            async move { student_journey(scenario, &record, n).await }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let wall = started.elapsed();

    let live_total = check_calendars(&scenario.app, instructors, &record).await;
    let live = live_total.saturating_sub(scenario.live_before);
    let booked = outcomes.iter().filter(|o| o.booked).count() as u64;
    let cancelled = outcomes.iter().filter(|o| o.cancelled).count() as u64;
    if live_total != scenario.live_before + booked - cancelled {
        fail(
            &record,
            format!(
                "{live_total} live bookings, but {} were there before, {booked} were made and \
                 {cancelled} cancelled",
                scenario.live_before
            ),
        );
    }

    // Generous limits here, so every request was counted exactly once and none refused.
    let counters_after = counter_sums(&scenario.app).await.unwrap_or_default();
    let counted = |rule: &str| {
        counters_after.get(rule).copied().unwrap_or_default()
            - counters_before.get(rule).copied().unwrap_or_default()
    };
    let record_now = record.lock().unwrap_or_else(|e| e.into_inner());
    let expectations = [
        ("register_ip", requests(&record_now, Step::Register)),
        ("verify_ip", requests(&record_now, Step::Verify)),
        ("login_ip", requests(&record_now, Step::Login)),
        ("login_account", requests(&record_now, Step::Login)),
        ("public_ip", requests(&record_now, Step::Search)),
        ("booking_create", requests(&record_now, Step::Book)),
        ("user", requests(&record_now, Step::Cancel)),
    ];
    let mut failures = record_now.failures.clone();
    let mut counters = serde_json::Map::new();
    for (rule, made) in expectations {
        let seen = counted(rule);
        counters.insert(rule.into(), json!({ "requests": made, "counted": seen }));
        if seen != made {
            failures.push(format!("{rule}: {made} requests, counter moved by {seen}"));
        }
    }
    let summary = json!({
        "users": users,
        "in_flight": IN_FLIGHT,
        "wall_s": (wall.as_secs_f64() * 100.0).round() / 100.0,
        "users_per_s": ((users as f64 / wall.as_secs_f64()) * 10.0).round() / 10.0,
        "requests_per_s": ((record_now.statuses.values().flat_map(|s| s.values()).sum::<u64>() as f64
            / wall.as_secs_f64()) * 10.0).round() / 10.0,
        "steps": step_summary(&record_now),
        "bookings": {
            "created": status_count(&record_now, Step::Book, 201),
            "conflicts": status_count(&record_now, Step::Book, 409),
            "cancelled": cancelled,
            "live": live,
        },
        "rate_limit_counters": counters,
        "failures": failures.len(),
    });
    (summary, failures)
}
