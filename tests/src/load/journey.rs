//! One student's journey: register, verify, log in, search, book, maybe cancel.

use std::time::{Duration, Instant};

use crate::accounts::{student_body, PASSWORD};
use crate::app::{Options, TestApp};
use crate::marketplace::CAPE_TOWN;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

use super::mail_index::MailIndex;
use super::record::{fail, note, Shared, Step};

pub const IN_FLIGHT: usize = 50;
pub const INSTRUCTORS: usize = 20;
/// Working days each phase books on; with 20 instructors and 08:00–17:00 that is room for
/// about 900 one-hour lessons, so the students race for slots without running out of them.
pub const DAYS_PER_PHASE: usize = 5;
pub const LESSON_MINUTES: i64 = 60;
pub const CANCEL_ONE_IN: u32 = 5;
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the configuration allows: moto runs one request at a time, so under this load a
/// call waits behind up to 50 others. With the usual timeout the SDK would time out attempts
/// that moto then still applies, and its retries would count a rate limit twice (UpdateItem has
/// no idempotency token) or run into a transaction's own writes (moto ignores the idempotency
/// token DynamoDB honours).
pub const DEPENDENCY_TIMEOUT_MS: &str = "25000";

pub fn load_options(rate_limits: Option<String>) -> Options {
    Options {
        rate_limits,
        extra_vars: vec![("DEPENDENCY_TIMEOUT_MS".into(), DEPENDENCY_TIMEOUT_MS.into())],
        ..Options::default()
    }
}

pub struct Scenario {
    pub app: TestApp,
    pub client: reqwest::Client,
    pub mail: MailIndex,
    pub dates: Vec<String>,
    /// Live bookings left by the phases before (the calendars are checked whole).
    pub live_before: u64,
}

/// Quarter hours from 08:00 to 16:00, where a one-hour lesson fits the standard hours.
pub fn lesson_times() -> Vec<String> {
    (8 * 60..=16 * 60)
        .step_by(15)
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
        .collect()
}

/// What one student did that the checks need afterwards.
#[derive(Default)]
pub struct Outcome {
    pub booked: bool,
    pub cancelled: bool,
}

pub async fn timed(
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

pub async fn student_journey(scenario: &Scenario, record: &Shared, n: usize) -> Outcome {
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
