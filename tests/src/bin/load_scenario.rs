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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use integration_tests::accounts::{student_body, TestUser, PASSWORD};
use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::mail::{decode_quoted_printable, token_after};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use shared::schema::GSI1;
use shared::store::bookings::{instructor_index_pk, slot_pk, Party};

const IN_FLIGHT: usize = 50;
const INSTRUCTORS: usize = 20;
/// Working days each phase books on; with 20 instructors and 08:00–17:00 that is room for
/// about 900 one-hour lessons, so the students race for slots without running out of them.
const DAYS_PER_PHASE: usize = 5;
const LESSON_MINUTES: i64 = 60;
const CANCEL_ONE_IN: u32 = 5;
const MAIL_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the configuration allows: moto runs one request at a time, so under this load a
/// call waits behind up to 50 others. With the usual timeout the SDK would time out attempts
/// that moto then still applies, and its retries would count a rate limit twice (UpdateItem has
/// no idempotency token) or run into a transaction's own writes (moto ignores the idempotency
/// token DynamoDB honours).
const DEPENDENCY_TIMEOUT_MS: &str = "25000";

fn load_options(rate_limits: Option<String>) -> Options {
    Options {
        rate_limits,
        extra_vars: vec![("DEPENDENCY_TIMEOUT_MS".into(), DEPENDENCY_TIMEOUT_MS.into())],
        ..Options::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    Register,
    Mail,
    Verify,
    Login,
    Search,
    Book,
    Cancel,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Mail => "read_mail",
            Self::Verify => "verify",
            Self::Login => "login",
            Self::Search => "search",
            Self::Book => "book",
            Self::Cancel => "cancel",
        }
    }

    /// What a correct server may answer (429 is always allowed).
    fn expected(self) -> &'static [u16] {
        match self {
            Self::Register => &[201],
            Self::Mail => &[200],
            Self::Verify | Self::Login | Self::Search | Self::Cancel => &[200],
            Self::Book => &[201, 409],
        }
    }
}

/// Status counts and latencies of each step, and the problems seen.
#[derive(Default)]
struct Record {
    statuses: BTreeMap<Step, BTreeMap<u16, u64>>,
    latencies: BTreeMap<Step, Vec<Duration>>,
    failures: Vec<String>,
}

type Shared = Arc<Mutex<Record>>;

fn note(record: &Shared, step: Step, status: u16, took: Duration) {
    let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
    *record
        .statuses
        .entry(step)
        .or_default()
        .entry(status)
        .or_default() += 1;
    record.latencies.entry(step).or_default().push(took);
    if status != 429 && !step.expected().contains(&status) {
        record
            .failures
            .push(format!("{}: unexpected status {status}", step.name()));
    }
}

fn fail(record: &Shared, message: String) {
    record
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .failures
        .push(message);
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    let at = sorted[rank.min(sorted.len() - 1)];
    (at.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// One entry per step, in the order of the journey.
fn step_summary(record: &Record) -> Value {
    let mut steps = Vec::new();
    for (step, statuses) in &record.statuses {
        let mut latencies = record.latencies.get(step).cloned().unwrap_or_default();
        latencies.sort();
        let statuses: serde_json::Map<String, Value> = statuses
            .iter()
            .map(|(status, n)| (status.to_string(), json!(n)))
            .collect();
        steps.push(json!({
            "step": step.name(),
            "statuses": statuses,
            "p50_ms": percentile(&latencies, 50.0),
            "p90_ms": percentile(&latencies, 90.0),
            "p99_ms": percentile(&latencies, 99.0),
            "max_ms": percentile(&latencies, 100.0),
        }));
    }
    Value::Array(steps)
}

/// The verification token of every mailbox, from the SMTP server's files, read once each by
/// one poller (a scan per waiting user would cost the square of the users).
#[derive(Clone)]
struct MailIndex {
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl MailIndex {
    fn start(dir: PathBuf) -> Self {
        let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let index = tokens.clone();
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            loop {
                let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map(|entries| entries.flatten().map(|e| e.path()).collect())
                    .unwrap_or_default();
                for path in entries {
                    if path.extension().is_none_or(|e| e != "eml") || !seen.insert(path.clone()) {
                        continue;
                    }
                    let Ok(message) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    let to = message
                        .lines()
                        .find_map(|l| l.strip_prefix("X-Envelope-To: "))
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if decode_quoted_printable(&message).contains("/verify?token=") {
                        let token = token_after(&message, "/verify?token=");
                        index
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(to, token);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Self { tokens }
    }

    async fn token_for(&self, email: &str) -> Option<String> {
        let deadline = Instant::now() + MAIL_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(token) = self
                .tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(email)
            {
                return Some(token.clone());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

struct Scenario {
    app: TestApp,
    client: reqwest::Client,
    mail: MailIndex,
    dates: Vec<String>,
    /// Live bookings left by the phases before (the calendars are checked whole).
    live_before: u64,
}

/// Quarter hours from 08:00 to 16:00, where a one-hour lesson fits the standard hours.
fn lesson_times() -> Vec<String> {
    (8 * 60..=16 * 60)
        .step_by(15)
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
        .collect()
}

/// What one student did that the checks need afterwards.
#[derive(Default)]
struct Outcome {
    booked: bool,
    cancelled: bool,
}

async fn timed(
    record: &Shared,
    step: Step,
    request: reqwest::RequestBuilder,
) -> Option<(u16, Value)> {
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json().await.unwrap_or(Value::Null);
            note(record, step, status, started.elapsed());
            Some((status, body))
        }
        Err(err) => {
            fail(record, format!("{}: request failed: {err}", step.name()));
            None
        }
    }
}

async fn student_journey(scenario: &Scenario, record: &Shared, n: usize) -> Outcome {
    let mut outcome = Outcome::default();
    let app = &scenario.app;
    let client = &scenario.client;
    let body = student_body();
    let email = body["email"].as_str().unwrap_or_default().to_owned();

    let register = client
        .post(app.url("/api/v1/auth/register/student"))
        .json(&body);
    let Some((201, _)) = timed(record, Step::Register, register).await else {
        return outcome;
    };

    let started = Instant::now();
    let Some(token) = scenario.mail.token_for(&email).await else {
        fail(record, format!("no verification mail for {email}"));
        return outcome;
    };
    note(record, Step::Mail, 200, started.elapsed());

    let verify = client
        .post(app.url("/api/v1/auth/verify"))
        .json(&json!({ "token": token }));
    let Some((200, _)) = timed(record, Step::Verify, verify).await else {
        return outcome;
    };

    let login = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": email, "password": PASSWORD }));
    let Some((200, session)) = timed(record, Step::Login, login).await else {
        return outcome;
    };
    let Some(bearer) = session["access_token"].as_str().map(str::to_owned) else {
        fail(record, "login: no access_token".into());
        return outcome;
    };

    // moto answers a query by walking the whole table, so most students use the city listing
    // (one query) and one in ten the nearby search (a query per geohash cell it touches).
    let search_path = if n % 10 == 0 {
        format!(
            "/api/v1/instructors/nearby?lat={}&lng={}&radius_km=50",
            CAPE_TOWN.lat, CAPE_TOWN.lng
        )
    } else {
        "/api/v1/instructors?city=Cape%20Town&limit=50".to_owned()
    };
    let Some((200, found)) = timed(record, Step::Search, client.get(app.url(&search_path))).await
    else {
        return outcome;
    };
    let ids: Vec<String> = found["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() < INSTRUCTORS {
        fail(
            record,
            format!("search {search_path} found {} instructors", ids.len()),
        );
        if ids.is_empty() {
            return outcome;
        }
    }

    let (instructor, date, time) = {
        let mut rng = rand::thread_rng();
        (
            ids.choose(&mut rng).cloned().unwrap_or_default(),
            scenario.dates.choose(&mut rng).cloned().unwrap_or_default(),
            lesson_times().choose(&mut rng).cloned().unwrap_or_default(),
        )
    };
    let book = client
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(&bearer)
        .json(&json!({
            "instructor_id": instructor,
            "lesson_date": date,
            "lesson_time": time,
            "duration_minutes": LESSON_MINUTES,
            "pickup_address": "12 Station Road, Observatory"
        }));
    let Some((201, booking)) = timed(record, Step::Book, book).await else {
        return outcome;
    };
    outcome.booked = true;

    if rand::thread_rng().gen_range(0..CANCEL_ONE_IN) == 0 {
        let id = booking["id"].as_str().unwrap_or_default();
        let cancel = client
            .post(app.url(&format!("/api/v1/bookings/{id}/cancel")))
            .bearer_auth(&bearer)
            .json(&json!({ "reason": "Plans changed" }));
        if let Some((200, _)) = timed(record, Step::Cancel, cancel).await {
            outcome.cancelled = true;
        }
    }
    outcome
}

/// Every item of a partition (or of an index partition), all pages.
async fn query_all(
    app: &TestApp,
    index: Option<&str>,
    key_name: &str,
    key: String,
) -> anyhow::Result<Vec<HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = app
            .state
            .aws
            .dynamodb
            .query()
            .table_name(&app.state.config.table_name)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression("#k = :k")
            .expression_attribute_names("#k", key_name)
            .expression_attribute_values(":k", AttributeValue::S(key.clone()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(items);
        }
    }
}

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// No two live bookings of an instructor overlap, and the instructor's slot items are exactly
/// the quarters of the live bookings. Returns the number of live bookings.
async fn check_calendars(app: &TestApp, instructors: &[TestUser], record: &Shared) -> u64 {
    let mut live_total = 0;
    for instructor in instructors {
        let id = &instructor.user_id;
        let bookings = match query_all(
            app,
            Some(GSI1.name),
            GSI1.partition_key,
            instructor_index_pk(id),
        )
        .await
        {
            Ok(items) => items,
            Err(err) => {
                fail(record, format!("query bookings of {id}: {err:#}"));
                continue;
            }
        };
        let mut live: Vec<(jiff::Timestamp, jiff::Timestamp, String)> = Vec::new();
        for item in &bookings {
            if text(item, "status") == "cancelled" {
                continue;
            }
            let start: Option<jiff::Timestamp> = text(item, "lesson_start").parse().ok();
            let minutes: Option<i64> = item
                .get("duration_minutes")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok());
            let (Some(start), Some(minutes)) = (start, minutes) else {
                fail(record, format!("unreadable booking {item:?}"));
                continue;
            };
            let end = start + jiff::SignedDuration::from_mins(minutes);
            live.push((start, end, text(item, "booking_id")));
        }
        live.sort();
        for pair in live.windows(2) {
            if pair[0].1 > pair[1].0 {
                fail(
                    record,
                    format!(
                        "double booking of {id}: {} and {} overlap",
                        pair[0].2, pair[1].2
                    ),
                );
            }
        }
        let expected: BTreeMap<String, String> = live
            .iter()
            .flat_map(|(start, end, booking)| {
                let mut quarters = Vec::new();
                let mut at = *start;
                while at < *end {
                    quarters.push((shared::domain::lesson::quarter_key(at), booking.clone()));
                    at += jiff::SignedDuration::from_mins(15);
                }
                quarters
            })
            .collect();
        let slots = match query_all(app, None, "PK", slot_pk(Party::Instructor, id)).await {
            Ok(items) => items,
            Err(err) => {
                fail(record, format!("query slots of {id}: {err:#}"));
                continue;
            }
        };
        let held: BTreeMap<String, String> = slots
            .iter()
            .map(|item| (text(item, "SK"), text(item, "booking_id")))
            .collect();
        if held != expected {
            fail(
                record,
                format!(
                    "slots of {id} do not match its live bookings: {} slot items, {} quarters booked",
                    held.len(),
                    expected.len()
                ),
            );
        }
        live_total += live.len() as u64;
    }
    live_total
}

/// The sum of each rate-limit rule's counters over all keys and windows (a test may scan).
async fn counter_sums(app: &TestApp) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut sums = BTreeMap::new();
    let mut start = None;
    loop {
        let page = app
            .state
            .aws
            .dynamodb
            .scan()
            .table_name(&app.state.config.table_name)
            .filter_expression("begins_with(PK, :rate)")
            .expression_attribute_values(":rate", AttributeValue::S("RATE#".into()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in page.items() {
            let pk = text(item, "PK");
            let rule = pk.split('#').nth(1).unwrap_or_default().to_owned();
            let count: u64 = item
                .get("request_count")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or_default();
            *sums.entry(rule).or_default() += count;
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(sums);
        }
    }
}

fn status_count(record: &Record, step: Step, status: u16) -> u64 {
    record
        .statuses
        .get(&step)
        .and_then(|s| s.get(&status))
        .copied()
        .unwrap_or_default()
}

fn requests(record: &Record, step: Step) -> u64 {
    record
        .statuses
        .get(&step)
        .map(|s| s.values().sum())
        .unwrap_or_default()
}

async fn run_phase(
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

/// Sleeps until at least `needed` seconds remain in the current minute, so that a burst is
/// counted in one fixed window.
async fn inside_one_minute(needed: u64) {
    let second = jiff::Timestamp::now().as_second().rem_euclid(60) as u64;
    if second + needed > 59 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
}

/// `count` requests at once; each answer's status and body, in order.
async fn burst(
    count: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> (BTreeMap<u16, u64>, Vec<(u16, Value)>) {
    let answers: Vec<(u16, Value)> = futures::future::join_all((0..count).map(|i| {
        let request = make(i);
        async move {
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (status, response.json().await.unwrap_or(Value::Null))
                }
                Err(_) => (0, Value::Null),
            }
        }
    }))
    .await;
    let mut statuses = BTreeMap::new();
    for (status, _) in &answers {
        *statuses.entry(*status).or_default() += 1;
    }
    (statuses, answers)
}

/// `count` distinct working days, the first at least `from` days ahead.
fn working_days(from: i64, count: usize) -> Vec<String> {
    let mut days = Vec::new();
    let mut ahead = from;
    while days.len() < count {
        let day = working_day(ahead);
        if !days.contains(&day) {
            days.push(day);
        }
        ahead += 1;
    }
    days
}

fn exactly(
    what: &str,
    statuses: &BTreeMap<u16, u64>,
    ok: u16,
    allowed: u64,
    count: usize,
    failures: &mut Vec<String>,
) {
    let expected = BTreeMap::from([(ok, allowed), (429, count as u64 - allowed)]);
    let expected: BTreeMap<u16, u64> = expected.into_iter().filter(|(_, n)| *n > 0).collect();
    if statuses != &expected {
        failures.push(format!("{what}: {statuses:?}, expected {expected:?}"));
    }
}

/// Bursts against the real limits (register 3/h, login 5/min per IP, bookings 20/h per
/// student): exactly the limit gets through, the rest is 429, and the counter says the limit.
async fn check_limits(client: &reqwest::Client) -> (Value, Vec<String>) {
    let app = spawn_app_with(load_options(Some(
        "register_ip=3/1h,login_ip=5/1m,booking_create=20/1h,verify_ip=10000/1h,\
         login_account=10000/1h,public_ip=10000/1m,user=10000/1h"
            .into(),
    )))
    .await;
    let mut failures = Vec::new();
    // One registration for the instructor, two left for the burst.
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let registrations = 20;
    let bodies: Vec<Value> = (0..registrations).map(|_| student_body()).collect();
    let (register, answers) = burst(registrations, |i| {
        client
            .post(app.url("/api/v1/auth/register/student"))
            .json(&bodies[i])
    })
    .await;
    exactly(
        "register burst",
        &register,
        201,
        2,
        registrations,
        &mut failures,
    );

    // One student who got through verifies and logs in (in a burst of 30 logins).
    let Some(email) = answers
        .iter()
        .zip(&bodies)
        .find(|((status, _), _)| *status == 201)
        .and_then(|(_, body)| body["email"].as_str())
        .map(str::to_owned)
    else {
        failures.push("no registration got through".into());
        return (json!({ "register": register }), failures);
    };
    let mail = MailIndex::start(app.mail_dir.clone());
    let Some(token) = mail.token_for(&email).await else {
        failures.push(format!("no verification mail for {email}"));
        return (json!({ "register": register }), failures);
    };
    let verified = app
        .post_json("/api/v1/auth/verify", &json!({ "token": token }))
        .await;
    if verified.status() != 200 {
        failures.push(format!("verify: {}", verified.status()));
    }
    let logins = 30;
    inside_one_minute(20).await;
    let (login, sessions) = burst(logins, |_| {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": email, "password": PASSWORD }))
    })
    .await;
    exactly("login burst", &login, 200, 5, logins, &mut failures);
    let bearer = sessions
        .iter()
        .find_map(|(_, s)| s["access_token"].as_str())
        .unwrap_or_default()
        .to_owned();

    // Thirty lessons that do not overlap, at once, by one student.
    let times = [
        "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00",
    ];
    let dates = working_days(3, 4);
    let slots: Vec<(String, &str)> = dates
        .iter()
        .flat_map(|d| times.iter().map(move |t| (d.clone(), *t)))
        .collect();
    let bookings = 30;
    let (book, _) = burst(bookings, |i| {
        let (date, time) = &slots[i % slots.len()];
        client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&bearer)
            .json(&json!({
                "instructor_id": instructor.user_id,
                "lesson_date": date,
                "lesson_time": time,
                "duration_minutes": LESSON_MINUTES,
                "pickup_address": "12 Station Road, Observatory"
            }))
    })
    .await;
    exactly("booking burst", &book, 201, 20, bookings, &mut failures);

    let counters = counter_sums(&app).await.unwrap_or_default();
    for (rule, limit) in [("register_ip", 3), ("login_ip", 5), ("booking_create", 20)] {
        let counted = counters.get(rule).copied().unwrap_or_default();
        if counted != limit {
            failures.push(format!("{rule}: counter at {counted}, limit {limit}"));
        }
    }
    let summary = json!({
        "register_ip_3_per_hour": { "requests": registrations, "statuses": register },
        "login_ip_5_per_minute": { "requests": logins, "statuses": login },
        "booking_create_20_per_hour": { "requests": bookings, "statuses": book },
        "counters": counters,
    });
    (summary, failures)
}

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
