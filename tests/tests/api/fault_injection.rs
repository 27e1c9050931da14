//! Faults in the AWS dependencies while the app keeps running: the emulator killed in the middle
//! of a flow, and one operation (the booking transaction) failing while the rest of DynamoDB
//! answers. Clients get a 503 problem document, never a 500, within the dependency timeout;
//! nothing is half-written; and the same running app serves again once the dependency is back.
//! Writes whose answer is lost after they were applied are not applied twice: not when the SDK
//! retries them, and not when the client retries a booking with its `Idempotency-Key`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{
    Fault, FaultProxy, DYNAMODB_TRANSACT_WRITE, DYNAMODB_UPDATE_ITEM,
};
use integration_tests::mail::decode_quoted_printable;
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
    let app = app_behind(&proxy).await;
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

async fn app_behind(proxy: &FaultProxy) -> TestApp {
    let mut options = Options::behind(proxy);
    options.extra_vars.push(fast_timeout());
    spawn_app_with(options).await
}

async fn listed_bookings(app: &TestApp, bearer: &str) -> Vec<Value> {
    let listed = app.get_bearer("/api/v1/bookings", bearer).await;
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.expect("JSON");
    listed["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_booking_whose_answer_is_lost_is_retried_by_the_sdk_and_booked_once() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = app_behind(&proxy).await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);

    // The transaction is written, its answer lost; the SDK sends it again with the same
    // ClientRequestToken, which DynamoDB (and the emulator) answers without writing twice.
    proxy.fail_next(DYNAMODB_TRANSACT_WRITE, Fault::LoseAnswer, 1);
    let booked = app
        .book(&student, &instructor.user_id, &date, "10:00", 60)
        .await;
    assert_eq!(proxy.failed_requests(), 1, "the fault never hit");
    let listed = listed_bookings(&app, &student.access_token).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], booked["id"]);
}

#[tokio::test]
async fn a_booking_answered_503_after_it_was_written_comes_back_for_its_idempotency_key() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = app_behind(&proxy).await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let body = booking_body(&instructor.user_id, &date);
    let post = |key: &str, body: &Value| {
        app.client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&student.access_token)
            .header("Idempotency-Key", key)
            .json(body)
    };

    // Every attempt is written (the first) or recognised by its token (the SDK's retries),
    // and no answer comes back before the operation times out.
    proxy.fail(DYNAMODB_TRANSACT_WRITE, Fault::ApplyThenHang);
    assert_unavailable(
        "POST /bookings (answer withheld)",
        post("attempt-7f3a", &body),
        bound(&app),
    )
    .await;
    proxy.heal();
    let stored = listed_bookings(&app, &student.access_token).await;
    assert_eq!(stored.len(), 1, "the first attempt was written: {stored:?}");
    let notices = || {
        integration_tests::mail::find_mail(&app.mail_dir, &instructor.email)
            .into_iter()
            .filter(|message| decode_quoted_printable(message).contains("New lesson request"))
            .count()
    };
    assert_eq!(notices(), 0, "the failed attempt sent no notice");

    // The client, not knowing, sends it again with the same key: the booking it already has.
    let again = post("attempt-7f3a", &body).send().await.expect("send");
    assert_eq!(again.status(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("JSON");
    assert_eq!(again["id"], stored[0]["id"], "{again}");
    assert_eq!(again["status"], "pending");
    // The instructor hears of it now, once, however often the client repeats itself.
    integration_tests::mail::wait_for_mail_containing(
        &app.mail_dir,
        &instructor.email,
        "New lesson request",
    )
    .await;
    let third = post("attempt-7f3a", &body).send().await.expect("send");
    assert_eq!(third.status(), 201);
    assert_eq!(notices(), 1, "one notice for one booking");

    // The same key with another request is refused, and says why.
    let mut other = body.clone();
    other["lesson_time"] = json!("12:00");
    let reused = post("attempt-7f3a", &other).send().await.expect("send");
    assert_eq!(reused.status(), 422);
    let reused: Value = reused.json().await.expect("JSON");
    assert_eq!(reused["errors"][0]["field"], "Idempotency-Key", "{reused}");

    // A new key is a new booking attempt: the slot is taken, by this very student.
    let fresh = post("attempt-91bc", &body).send().await.expect("send");
    assert_eq!(fresh.status(), 409);

    // Without a key nothing changes either: still one booking.
    let unkeyed = app
        .post_booking(&student, &instructor.user_id, &date, "10:00", 60)
        .await;
    assert_eq!(unkeyed.status(), 409);
    assert_eq!(listed_bookings(&app, &student.access_token).await.len(), 1);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_a_400_before_anything_is_written() {
    let app = integration_tests::app::spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let body = booking_body(&instructor.user_id, &working_day(3));
    for key in ["", "two words", &"k".repeat(256)] {
        let response = app
            .client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&student.access_token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 400, "{key:?}");
    }
    assert!(listed_bookings(&app, &student.access_token)
        .await
        .is_empty());
}

#[tokio::test]
async fn a_rate_limit_check_whose_answer_is_lost_counts_the_request_once() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = app_behind(&proxy).await;
    let student = app.signed_in_student().await;
    let counters = |items: Vec<HashMap<String, AttributeValue>>| -> Vec<(String, String)> {
        items
            .into_iter()
            .filter(|item| {
                item.get("PK")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|pk| pk.starts_with("RATE#"))
            })
            .map(|item| {
                let text = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_s().or_else(|_| v.as_n()).ok())
                        .cloned()
                        .unwrap_or_default()
                };
                (
                    format!("{}/{}", text("PK"), text("SK")),
                    text("request_count"),
                )
            })
            .collect()
    };
    let before = counters(crate::admin_support::scan_table(&app).await);

    // GET /bookings moves one counter (bookings reads, per user) and writes nothing else.
    proxy.fail_next(DYNAMODB_UPDATE_ITEM, Fault::LoseAnswer, 1);
    let listed = app
        .get_bearer("/api/v1/bookings", &student.access_token)
        .await;
    assert_eq!(listed.status(), 200);
    assert_eq!(proxy.failed_requests(), 1, "the fault never hit");
    let after = counters(crate::admin_support::scan_table(&app).await);
    let moved: Vec<_> = after.iter().filter(|c| !before.contains(c)).collect();
    assert_eq!(moved.len(), 1, "{before:?} -> {after:?}");
    assert_eq!(moved[0].1, "1", "counted twice: {moved:?}");
}
