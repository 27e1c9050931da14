//! `make bench` part: a bounded load scenario on the local server. 100, then 1000 simulated
//! students, at most 50 in flight, each: register → read the verification mail → verify → log
//! in → search instructors (nearby or by city) → book a slot with one of the instructors found
//! → cancel one booking in five. Slots are drawn from a small calendar so that students race
//! for them. A second app with the real rate limits takes bursts of registrations, logins and
//! bookings to check that the limits are exact under concurrency.
//!
//! Only correctness is asserted: no status other than the expected ones (and 429), no two live
//! bookings of an instructor overlapping, slot items matching the live bookings, and rate-limit
//! counters equal to the requests they counted. Every figure is printed as one JSON object on
//! stdout; the process exits non-zero when a check failed.

use std::time::Instant;

use integration_tests::accounts::TestUser;
use integration_tests::app::spawn_app_with;
use integration_tests::load::journey::{
    load_options, Scenario, DAYS_PER_PHASE, INSTRUCTORS, IN_FLIGHT, LESSON_MINUTES,
};
use integration_tests::load::limits::{check_limits, working_days};
use integration_tests::load::mail_index::MailIndex;
use integration_tests::load::phase::run_phase;
use integration_tests::marketplace::CAPE_TOWN;
use serde_json::json;

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let app = spawn_app_with(load_options(None)).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .expect("build the HTTP client");

    let setup = Instant::now();
    let instructors: Vec<TestUser> = futures::future::join_all(
        (0..INSTRUCTORS).map(|_| app.listed_instructor(&CAPE_TOWN, 350.0)),
    )
    .await;
    let setup_s = setup.elapsed().as_secs_f64();

    // Each phase books its own run of working days, so the phases do not see each other.
    let days = working_days(2, 2 * DAYS_PER_PHASE);
    let mail = MailIndex::start(app.mail_dir.clone());
    let mut scenario = Scenario {
        app,
        client: client.clone(),
        mail,
        dates: Vec::new(),
        live_before: 0,
    };

    let mut phases = Vec::new();
    let mut failures = Vec::new();
    for (i, users) in [100usize, 1000].into_iter().enumerate() {
        scenario.dates = days[i * DAYS_PER_PHASE..(i + 1) * DAYS_PER_PHASE].to_vec();
        let (summary, phase_failures) = run_phase(&scenario, &instructors, users).await;
        scenario.live_before += summary["bookings"]["live"].as_u64().unwrap_or_default();
        eprintln!("load_scenario: {users} users: {summary}");
        phases.push(summary);
        failures.extend(
            phase_failures
                .into_iter()
                .map(|f| format!("{users} users: {f}")),
        );
    }
    let (limits, limit_failures) = check_limits(&client).await;
    failures.extend(limit_failures);

    // Many students may hit the same failure; the first few say enough.
    let shown: Vec<&String> = failures.iter().take(20).collect();
    let summary = json!({
        "instructors": INSTRUCTORS,
        "lesson_minutes": LESSON_MINUTES,
        "setup_s": (setup_s * 100.0).round() / 100.0,
        "phases": phases,
        "rate_limits": limits,
        "total_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        "failures": shown,
        "failure_count": failures.len(),
    });
    println!("{summary}");
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
