//! `make bench` part: each route's critical path, the number of its AWS calls made one after
//! another. The app runs behind the fault proxy with every AWS call (DynamoDB, KMS, Secrets
//! Manager, SQS) held `DELAY` before it is forwarded; a route's median latency over `RUNS`
//! requests divided by that delay is its critical path (the rest is the app and the emulator,
//! a fraction of one delay). The data is made before the delay is switched on. Prints one JSON
//! object per route: route, delay_ms, median_ms, critical_path, target, calls (DynamoDB calls
//! counted through the SDK on the last request).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::marketplace::working_day;
use integration_tests::route_fixture::{admin_read_routes, Audience, Fixture};
use integration_tests::services;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

/// Long beside the app's and the emulator's own time per request (a few milliseconds), so the
/// quotient reads close to a whole number of calls.
const DELAY: Duration = Duration::from_millis(150);
const RUNS: usize = 5;

/// Critical-path targets of the performance issue.
const PUBLIC_READ: u32 = 1;
const SIGNED_IN_READ: u32 = 2;
const WRITE: u32 = 3;
/// A write that enqueues a notice after its transaction.
const WRITE_WITH_NOTICE: u32 = 4;

/// What a route learns from an answer for its next request (a rotated refresh token).
type Learn<'a> = Box<dyn Fn(&Value) + 'a>;

/// One measured route: how to make its `run`-th request, and what to learn from the answer.
struct Route<'a> {
    label: &'static str,
    target: u32,
    request: Box<dyn Fn(usize) -> RequestBuilder + 'a>,
    after: Option<Learn<'a>>,
}

fn route<'a>(
    label: &'static str,
    target: u32,
    request: impl Fn(usize) -> RequestBuilder + 'a,
) -> Route<'a> {
    Route {
        label,
        target,
        request: Box::new(request),
        after: None,
    }
}

/// `count` pending lessons of the fixture's student with its instructor, on `date`.
async fn pending_bookings(
    app: &TestApp,
    fixture: &Fixture,
    date: &str,
    count: usize,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for hour in (8..).take(count) {
        let booking = app
            .book(
                &fixture.student,
                &fixture.instructor_user.user_id,
                date,
                &format!("{hour:02}:00"),
                60,
            )
            .await;
        ids.push(booking["id"].as_str().expect("booking id").to_owned());
    }
    ids
}

async fn measure(app: &TestApp, route: &Route<'_>) -> Value {
    let mut took = Vec::with_capacity(RUNS);
    let mut calls = 0;
    for run in 0..RUNS {
        let request = (route.request)(run);
        let before = app.dynamodb_calls();
        let started = Instant::now();
        let response = request.send().await.expect("send the request");
        let status = response.status();
        let body = response.bytes().await.expect("the body");
        took.push(started.elapsed());
        calls = app.dynamodb_calls() - before;
        assert!(
            status.is_success(),
            "{}: {status} {}",
            route.label,
            String::from_utf8_lossy(&body)
        );
        if let Some(after) = &route.after {
            after(&serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
    }
    took.sort();
    let median = took[RUNS / 2].as_secs_f64() * 1000.0;
    let delay = DELAY.as_secs_f64() * 1000.0;
    json!({
        "route": route.label,
        "delay_ms": delay,
        "median_ms": (median * 100.0).round() / 100.0,
        "critical_path": (median / delay * 100.0).round() / 100.0,
        "target": route.target,
        "calls": calls,
    })
}

#[tokio::main]
async fn main() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = spawn_app_with(Options::behind(&proxy)).await;
    let fixture = Fixture::make(&app).await;
    let admin = app.seeded_admin().await;
    let instructor_id = fixture.instructor_user.user_id.clone();
    let to_confirm = pending_bookings(&app, &fixture, &working_day(8), RUNS).await;
    let booking_path = format!("/api/v1/bookings/{}", to_confirm[0]);
    let booking_day = working_day(9);
    let refresh_token = Mutex::new(app.login(&fixture.student.user).await.refresh_token);

    // Without the test client's cookie jar: each request carries only what it names.
    let client = reqwest::Client::new();
    let call = |method: Method, path: &str, token: Option<&str>| {
        let request = client.request(method, app.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    let (student, instructor) = (
        fixture.student.access_token.as_str(),
        fixture.instructor.access_token.as_str(),
    );
    let mut routes: Vec<Route> = fixture
        .read_routes()
        .into_iter()
        .filter(|read| read.label != "GET /health")
        .map(|read| {
            let target = match read.audience {
                Audience::Public => PUBLIC_READ,
                Audience::SignedIn => SIGNED_IN_READ,
            };
            route(read.label, target, move |_| {
                call(Method::GET, &read.path, read.token.as_deref())
            })
        })
        .collect();
    routes.push(route(
        "GET /bookings/{id} (student)",
        SIGNED_IN_READ,
        |_| call(Method::GET, &booking_path, Some(student)),
    ));
    for admin_route in admin_read_routes(&admin) {
        routes.push(route(admin_route.label, SIGNED_IN_READ, move |_| {
            call(Method::GET, &admin_route.path, admin_route.token.as_deref())
        }));
    }
    routes.push(route("POST /bookings", WRITE_WITH_NOTICE, |run| {
        call(Method::POST, "/api/v1/bookings", Some(student)).json(&json!({
            "instructor_id": instructor_id,
            "lesson_date": booking_day,
            "lesson_time": format!("{:02}:00", 8 + run),
            "duration_minutes": 60,
            "pickup_address": "12 Station Road, Observatory"
        }))
    }));
    routes.push(route("PATCH /users/me", WRITE, |run| {
        let suburb = ["Mowbray", "Rondebosch"][run % 2];
        call(Method::PATCH, "/api/v1/users/me", Some(student)).json(&json!({"suburb": suburb}))
    }));
    routes.push(route(
        "POST /bookings/{id}/confirm",
        WRITE_WITH_NOTICE,
        |run| {
            let path = format!("/api/v1/bookings/{}/confirm", to_confirm[run]);
            call(Method::POST, &path, Some(instructor))
        },
    ));
    routes.push(route("POST /auth/login", WRITE, |_| {
        call(Method::POST, "/api/v1/auth/login", None).json(&json!({
            "username": fixture.student.user.email,
            "password": fixture.student.user.password,
        }))
    }));
    routes.push(route(
        "POST /auth/forgot-password",
        WRITE_WITH_NOTICE,
        |_| {
            call(Method::POST, "/api/v1/auth/forgot-password", None)
                .json(&json!({"email": fixture.student.user.email}))
        },
    ));
    let refresh = &refresh_token;
    routes.push(Route {
        after: Some(Box::new(move |body: &Value| {
            if let Some(token) = body["refresh_token"].as_str() {
                *refresh.lock().unwrap_or_else(|e| e.into_inner()) = token.to_owned();
            }
        })),
        ..route("POST /auth/refresh", WRITE, move |_| {
            let token = refresh.lock().unwrap_or_else(|e| e.into_inner()).clone();
            call(Method::POST, "/api/v1/auth/refresh", None).json(&json!({"refresh_token": token}))
        })
    });

    proxy.fail("", Fault::Delay(DELAY));
    for route in &routes {
        println!("{}", measure(&app, route).await);
    }
}
