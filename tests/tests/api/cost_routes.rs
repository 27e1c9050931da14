//! The requests the cost-table test (`cost_table`) drives: every route in docs/cost-routes.json,
//! in the order a student's first lesson takes them, and the background work (a notice
//! delivered by the notifications function, a jobs run) on those functions' own ledgers.

use integration_tests::accounts::{student_body, TestUser};
use integration_tests::mail;
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::payments::{event_at_localstripe, pay_at_localstripe};
use reqwest::Method;
use serde_json::{json, Value};
use shared::notices::{BookingEvent, Notice};

use crate::admin_support::seed_admin;
use crate::cost_table::Meter;

/// Registers, verifies (measured), and returns the user.
async fn registered(meter: &mut Meter<'_>, body: Value) -> TestUser {
    let app = meter.app;
    let created = meter
        .run(
            "POST /auth/register/student",
            201,
            app.register("student", &body),
        )
        .await;
    let email = body["email"].as_str().expect("email").to_owned();
    let message = mail::wait_for_mail(&app.mail_dir, &email).await;
    let token = mail::token_after(&message, "/verify?token=");
    let verify = Meter::send(
        meter
            .request(Method::POST, "/api/v1/auth/verify", None)
            .json(&json!({ "token": token })),
    );
    meter.run("POST /auth/verify", 200, verify).await;
    TestUser {
        email,
        phone: body["phone"].as_str().unwrap_or_default().to_owned(),
        password: body["password"].as_str().unwrap_or_default().to_owned(),
        user_id: created["user_id"].as_str().expect("user_id").to_owned(),
    }
}

/// Every route of the file, once; answers the student's id and the booking made.
pub(crate) async fn drive_every_route(meter: &mut Meter<'_>) -> (String, String) {
    let app = meter.app;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor_session = app.login(&instructor).await;
    let admin = seed_admin(app).await;
    let id = instructor.user_id.clone();

    let user = registered(meter, student_body()).await;
    let login = meter
        .run(
            "POST /auth/login",
            200,
            Meter::send(
                meter
                    .request(Method::POST, "/api/v1/auth/login", None)
                    .json(&json!({"username": user.email, "password": user.password})),
            ),
        )
        .await;
    let refresh = login["refresh_token"].as_str().expect("refresh token");
    let refreshed = meter
        .run(
            "POST /auth/refresh",
            200,
            Meter::send(
                meter
                    .request(Method::POST, "/api/v1/auth/refresh", None)
                    .json(&json!({ "refresh_token": refresh })),
            ),
        )
        .await;
    let token = refreshed["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let refresh = refreshed["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let me = Some(token.as_str());
    let instr = Some(instructor_session.access_token.as_str());
    let date = working_day(3);

    let patch = meter
        .request(Method::PATCH, "/api/v1/users/me", me)
        .json(&json!({"suburb": "Mowbray"}));
    meter.run("PATCH /users/me", 200, Meter::send(patch)).await;
    // (label, path, token): the reads, each answering 200.
    let reads = [
        ("GET /users/me", "/api/v1/users/me".to_owned(), me),
        (
            "GET /users/me/dashboard",
            "/api/v1/users/me/dashboard".into(),
            me,
        ),
        (
            "GET /instructors?city=",
            "/api/v1/instructors?city=Cape%20Town".into(),
            None,
        ),
        (
            "GET /instructors/nearby",
            "/api/v1/instructors/nearby?lat=-33.92&lng=18.42&radius_km=50".into(),
            None,
        ),
        (
            "GET /instructors/{id}",
            format!("/api/v1/instructors/{id}"),
            None,
        ),
        (
            "GET /instructors/{id}/reviews",
            format!("/api/v1/instructors/{id}/reviews"),
            None,
        ),
        (
            "GET /instructors/{id}/availability",
            format!("/api/v1/instructors/{id}/availability?date={date}"),
            None,
        ),
    ];
    for (label, path, token) in reads {
        let request = meter.request(Method::GET, &path, token);
        meter.run(label, 200, Meter::send(request)).await;
    }

    let booking = meter
        .run(
            "POST /bookings",
            201,
            Meter::send(
                meter
                    .request(Method::POST, "/api/v1/bookings", me)
                    .json(&json!({
                        "instructor_id": id, "lesson_date": date, "lesson_time": "10:00",
                        "duration_minutes": 60, "pickup_address": "12 Station Road, Observatory"
                    })),
            ),
        )
        .await;
    let booking_id = booking["id"].as_str().expect("booking id").to_owned();
    let bookings = "/api/v1/bookings";
    let one = format!("/api/v1/bookings/{booking_id}");
    meter
        .run(
            "GET /bookings",
            200,
            Meter::send(meter.request(Method::GET, bookings, me)),
        )
        .await;
    meter
        .run(
            "GET /bookings/{id}",
            200,
            Meter::send(meter.request(Method::GET, &one, me)),
        )
        .await;
    let payment = meter
        .run(
            "POST /bookings/{id}/payment",
            201,
            Meter::send(meter.request(Method::POST, &format!("{one}/payment"), me)),
        )
        .await;
    let intent = payment["payment_intent_id"]
        .as_str()
        .expect("intent")
        .to_owned();
    pay_at_localstripe(&intent).await;
    let event = event_at_localstripe("payment_intent.succeeded", &intent).await;
    meter
        .run("POST /payments/stripe/webhook", 200, app.deliver(&event))
        .await;
    let confirm = meter.request(Method::POST, &format!("{one}/confirm"), instr);
    meter
        .run("POST /bookings/{id}/confirm", 200, Meter::send(confirm))
        .await;
    let cancel = meter
        .request(Method::POST, &format!("{one}/cancel"), me)
        .json(&json!({"reason": "Plans changed"}));
    meter
        .run("POST /bookings/{id}/cancel", 200, Meter::send(cancel))
        .await;

    // The calendar feed: made once (not measured), then fetched as a calendar app polls it.
    let feed = Meter::send(meter.request(Method::GET, "/api/v1/users/me/calendar-feed", me)).await;
    let feed: Value = feed.json().await.expect("the feed URL");
    let feed_path = feed["url"]
        .as_str()
        .and_then(|url| url.strip_prefix(&app.address))
        .expect("a feed URL on the API")
        .to_owned();
    meter
        .run(
            "GET /calendar/{token}.ics",
            200,
            Meter::send(meter.request(Method::GET, &feed_path, None)),
        )
        .await;

    let admin_token = Some(admin.access_token.as_str());
    for (label, path) in [
        ("GET /admin/stats", "/api/v1/admin/stats"),
        ("GET /admin/users", "/api/v1/admin/users"),
    ] {
        let request = meter.request(Method::GET, path, admin_token);
        meter.run(label, 200, Meter::send(request)).await;
    }
    meter
        .run(
            "GET /health/ready",
            200,
            Meter::send(meter.request(Method::GET, "/api/v1/health/ready", None)),
        )
        .await;
    let forgot = meter
        .request(Method::POST, "/api/v1/auth/forgot-password", None)
        .json(&json!({"email": user.email}));
    meter
        .run("POST /auth/forgot-password", 202, Meter::send(forgot))
        .await;
    let logout = meter
        .request(Method::POST, "/api/v1/auth/logout", None)
        .json(&json!({ "refresh_token": refresh }));
    meter
        .run("POST /auth/logout", 204, Meter::send(logout))
        .await;
    (user.user_id, booking_id)
}

/// The notifications function's work per notice (booking news goes by email and SMS unless
/// the recipient opted out; account mail by email only) and one scheduled jobs run.
pub(crate) async fn drive_background(meter: &mut Meter<'_>, student_id: &str, booking_id: &str) {
    let app = meter.app;
    let notifier = &app.notifier;
    let ledger = notifier.state.aws.dynamodb_calls.clone();
    ledger.record_units(true);
    let table = &app.state.config.table_name;
    let booking = shared::store::bookings::get(&app.state.aws.dynamodb, table, booking_id)
        .await
        .expect("read the booking")
        .expect("the booking");
    // Notices as the routes and jobs store them (outbox item first), delivered by hand.
    let reminder = Notice::booking(BookingEvent::Reminder, &booking, student_id);
    let account = Notice::verify_email(student_id, "a-verification-token");
    for (label, notice) in [
        ("notice: booking news (email + SMS)", reminder),
        ("notice: account email", account),
    ] {
        let put = shared::store::outbox::put(table, &notice, app.state.clock.now())
            .expect("an outbox item");
        shared::store::transact::transact(&app.state.aws.dynamodb, vec![put])
            .await
            .expect("store the outbox item");
        let delivered = notifications::deliver::deliver(notifier, &notice);
        meter
            .measure(label, &ledger, delivered)
            .await
            .expect("the notice is delivered");
    }
    let jobs_ledger = app.state.aws.dynamodb_calls.clone();
    meter
        .measure("jobs: scheduled run", &jobs_ledger, jobs::run(&app.state))
        .await;
}
