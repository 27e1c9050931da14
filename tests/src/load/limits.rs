//! Bursts against the real rate limits.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::accounts::{student_body, PASSWORD};
use crate::app::spawn_app_with;
use crate::marketplace::{working_day, CAPE_TOWN};
use serde_json::{json, Value};

use super::checks::counter_sums;
use super::journey::{load_options, LESSON_MINUTES};
use super::mail_index::MailIndex;

/// Sleeps until at least `needed` seconds remain in the current minute, so that a burst is
/// counted in one fixed window.
pub async fn inside_one_minute(needed: u64) {
    let second = jiff::Timestamp::now().as_second().rem_euclid(60) as u64;
    if second + needed > 59 {
        tokio::time::sleep(Duration::from_secs(61 - second)).await;
    }
}

/// `count` requests at once; each answer's status and body, in order.
pub async fn burst(
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
pub fn working_days(from: i64, count: usize) -> Vec<String> {
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

pub fn exactly(
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
pub async fn check_limits(client: &reqwest::Client) -> (Value, Vec<String>) {
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
