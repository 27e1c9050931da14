//! Faults in the AWS dependencies while the app keeps running: the emulator killed in the middle
//! of a flow, and one operation (the booking transaction) failing while the rest of DynamoDB
//! answers. Clients get a 503 problem document, never a 500, within the dependency timeout;
//! nothing is half-written; and the same running app serves again once the dependency is back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy, DYNAMODB_TRANSACT_WRITE};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::services;
use serde_json::{json, Value};

/// Short, so that a hung dependency ends the request quickly; the bound checked is this plus
/// [`MARGIN`].
const DEPENDENCY_TIMEOUT_MS: &str = "2000";
/// The handler's own work and the test's scheduling on a busy machine.
const MARGIN: Duration = Duration::from_secs(2);

fn fast_timeout() -> (String, String) {
    ("DEPENDENCY_TIMEOUT_MS".into(), DEPENDENCY_TIMEOUT_MS.into())
}

/// The longest a request may take when a dependency is down.
fn bound(app: &TestApp) -> Duration {
    app.state.config.dependency_timeout + MARGIN
}

/// Sends `request` and checks it is answered with a 503 problem document in time.
async fn assert_unavailable(what: &str, request: reqwest::RequestBuilder, bound: Duration) {
    let started = Instant::now();
    let response = request.send().await.expect("send the request");
    let elapsed = started.elapsed();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 503, "{what}: {body}");
    assert_eq!(content_type, "application/problem+json", "{what}");
    assert_eq!(body["status"], 503, "{what}: {body}");
    assert!(body["request_id"].is_string(), "{what}: {body}");
    assert!(
        elapsed <= bound,
        "{what}: answered after {elapsed:?}, over {bound:?}"
    );
}

fn booking_body(instructor_id: &str, date: &str) -> Value {
    json!({
        "instructor_id": instructor_id,
        "lesson_date": date,
        "lesson_time": "10:00",
        "duration_minutes": 60,
        "pickup_address": "12 Station Road, Observatory"
    })
}

#[tokio::test]
async fn with_the_emulator_down_every_route_is_a_prompt_503_and_the_same_app_recovers() {
    let mut app = spawn_app_with(Options {
        own_moto: true,
        extra_vars: vec![fast_timeout()],
        ..Options::default()
    })
    .await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);

    let moto = app.own_moto.as_mut().expect("the app's own moto");
    let port = moto.port;
    moto.stop();

    // A client without the login's cookies: bearer and body tokens only, so no CSRF check
    // answers before the dependency is reached.
    let client = reqwest::Client::new();
    let bearer = student.access_token.as_str();
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "POST /bookings",
            client
                .post(app.url("/api/v1/bookings"))
                .bearer_auth(bearer)
                .json(&booking_body(&instructor.user_id, &date)),
        ),
        (
            "GET /bookings",
            client.get(app.url("/api/v1/bookings")).bearer_auth(bearer),
        ),
        (
            "POST /auth/refresh",
            client
                .post(app.url("/api/v1/auth/refresh"))
                .json(&json!({ "refresh_token": student.refresh_token })),
        ),
        (
            "GET /users/me",
            client.get(app.url("/api/v1/users/me")).bearer_auth(bearer),
        ),
        (
            "POST /auth/login",
            client.post(app.url("/api/v1/auth/login")).json(
                &json!({ "username": student.user.email, "password": student.user.password }),
            ),
        ),
        (
            "GET /instructors?city=",
            client.get(app.url("/api/v1/instructors?city=Cape%20Town")),
        ),
        (
            "GET /health/ready",
            client.get(app.url("/api/v1/health/ready")),
        ),
    ];
    for (what, request) in cases {
        assert_unavailable(what, request, bound(&app)).await;
    }

    // The emulator comes back where the app expects it, empty, and is provisioned again; the
    // app is not restarted.
    app.own_moto = Some(local::stack::start_moto_on(port).expect("start moto on the same port"));
    local::environment::provision(&app.vars)
        .await
        .expect("provision the resources again");

    let ready = client
        .get(app.url("/api/v1/health/ready"))
        .send()
        .await
        .expect("send");
    assert_eq!(
        ready.status(),
        200,
        "{}",
        ready.text().await.unwrap_or_default()
    );
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let me = app
        .get_bearer("/api/v1/users/me", &student.access_token)
        .await;
    assert_eq!(me.status(), 200);
    let listed = app.get("/api/v1/instructors?city=Cape%20Town").await;
    assert_eq!(listed.status(), 200);
    app.book(&student, &instructor.user_id, &date, "10:00", 60)
        .await;
    let refreshed = client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": student.refresh_token }))
        .send()
        .await
        .expect("send");
    assert_eq!(refreshed.status(), 200);
}

/// Every item except the rate-limit counters (which the refused request rightly moved), in a
/// stable order.
async fn durable_items(app: &TestApp) -> Vec<HashMap<String, AttributeValue>> {
    let key = |item: &HashMap<String, AttributeValue>, name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let mut items: Vec<_> = crate::admin_support::scan_table(app)
        .await
        .into_iter()
        .filter(|item| !key(item, "PK").starts_with("RATE#"))
        .collect();
    items.sort_by_key(|item| (key(item, "PK"), key(item, "SK")));
    items
}

async fn a_lost_booking_transaction_leaves_nothing_behind(fault: Fault) {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = spawn_app_with(Options {
        extra_vars: vec![
            ("AWS_ENDPOINT_URL".into(), proxy.url.clone()),
            fast_timeout(),
        ],
        ..Options::default()
    })
    .await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let before = durable_items(&app).await;

    proxy.fail(DYNAMODB_TRANSACT_WRITE, fault);
    let request = app
        .client
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(&student.access_token)
        .json(&booking_body(&instructor.user_id, &date));
    assert_unavailable(&format!("POST /bookings ({fault:?})"), request, bound(&app)).await;
    assert!(proxy.failed_requests() >= 1, "the fault never hit");

    // Reads go on working during the fault.
    let listed = app
        .get_bearer("/api/v1/bookings", &student.access_token)
        .await;
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.expect("JSON");
    assert_eq!(listed["items"], json!([]), "{listed}");

    let after = durable_items(&app).await;
    let written: Vec<String> = after
        .iter()
        .filter_map(|item| item.get("PK").and_then(|v| v.as_s().ok()))
        .filter(|pk| pk.starts_with("BOOKING#") || pk.starts_with("SLOT#"))
        .cloned()
        .collect();
    assert!(written.is_empty(), "left behind: {written:?}");
    assert_eq!(after, before, "the table changed");

    // The slot is still free: the same booking goes through once DynamoDB answers again.
    proxy.heal();
    let booked = app
        .book(&student, &instructor.user_id, &date, "10:00", 60)
        .await;
    assert_eq!(booked["status"], "pending");
    let slots = app
        .state
        .aws
        .dynamodb
        .query()
        .table_name(&app.state.config.table_name)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S(format!("SLOT#INSTRUCTOR#{}", instructor.user_id)),
        )
        .send()
        .await
        .expect("query the instructor's slots");
    assert_eq!(slots.count(), 4, "one item per quarter hour of the lesson");
}

#[tokio::test]
async fn a_booking_whose_transaction_connection_drops_is_a_503_that_writes_nothing() {
    a_lost_booking_transaction_leaves_nothing_behind(Fault::Drop).await;
}

#[tokio::test]
async fn a_booking_whose_transaction_is_never_answered_is_a_503_that_writes_nothing() {
    a_lost_booking_transaction_leaves_nothing_behind(Fault::Hang).await;
}
