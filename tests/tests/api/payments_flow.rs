//! Paying for a booking: one PaymentIntent per booking at localstripe, the signed webhook that
//! marks it paid, who may pay, and Stripe being unreachable.

use integration_tests::app::{spawn_app_with, Options};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::payments::{app_with_payments, intent_at_localstripe, pay_at_localstripe};
use serde_json::{json, Value};
use shared::domain::PaymentStatus;
use shared::store::bookings;

#[tokio::test]
async fn book_pay_confirm_at_localstripe_and_the_signed_webhook_marks_it_paid() {
    let app = app_with_payments(true).await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let booking = app
        .book(&student, &instructor.user_id, &working_day(3), "10:00", 90)
        .await;
    let id = booking["id"].as_str().expect("id");
    assert_eq!(booking["payment_status"], "unpaid");

    let calls = app.dynamodb_calls();
    let first = app.pay(&student, id).await;
    assert_eq!(first.status(), 201);
    // The round trips docs/architecture.md lists: guard, limit, booking, the transaction.
    assert_eq!(app.dynamodb_calls() - calls, 4, "first payment");
    let first: Value = first.json().await.expect("JSON");
    let intent_id = first["payment_intent_id"].as_str().expect("intent id");
    assert_eq!(first["amount"], 450.0);
    assert_eq!(first["currency"], "zar");
    assert_eq!(first["status"], "requires_payment_method");
    assert!(first["client_secret"]
        .as_str()
        .is_some_and(|s| s.starts_with(intent_id)));
    let at_stripe = intent_at_localstripe(intent_id).await;
    assert_eq!(at_stripe["amount"], 45_000);
    assert_eq!(at_stripe["metadata"]["booking_id"], id);

    let calls = app.dynamodb_calls();
    let again = app.pay(&student, id).await;
    assert_eq!(again.status(), 200);
    assert_eq!(app.dynamodb_calls() - calls, 3, "repeated payment");
    let again: Value = again.json().await.expect("JSON");
    assert_eq!(again["payment_intent_id"], intent_id, "the same intent");

    let confirmed = pay_at_localstripe(intent_id).await;
    assert_eq!(confirmed["status"], "succeeded");
    let paid = app.wait_for_payment_status(&student, id, "paid").await;
    assert_eq!(
        paid["status"], "pending",
        "payment does not move the lesson"
    );
    let repay = app.pay(&student, id).await;
    assert_eq!(repay.status(), 409, "a paid booking is not paid twice");
}

#[tokio::test]
async fn only_the_bookings_student_may_pay_and_only_while_it_is_open() {
    let app = app_with_payments(false).await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let other = app.signed_in_student().await;
    let booking = app
        .book(
            &student,
            &instructor_user.user_id,
            &working_day(3),
            "10:00",
            60,
        )
        .await;
    let id = booking["id"].as_str().expect("id");

    assert_eq!(app.pay(&other, id).await.status(), 404, "another student's");
    assert_eq!(
        app.pay(&instructor, id).await.status(),
        403,
        "not a student"
    );
    assert_eq!(app.pay(&student, "no-such-booking").await.status(), 404);

    let cancel = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Plans changed"}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    let response = app.pay(&student, id).await;
    assert_eq!(response.status(), 409, "a cancelled booking");
    let problem: Value = response.json().await.expect("problem");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("cancelled")));
}

#[tokio::test]
async fn stripe_unreachable_is_a_503_and_writes_no_payment_state() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let app = spawn_app_with(Options {
        payments: true,
        extra_vars: vec![("STRIPE_API_BASE".into(), format!("http://127.0.0.1:{port}"))],
        ..Options::default()
    })
    .await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let booking = app
        .book(&student, &instructor.user_id, &working_day(3), "10:00", 60)
        .await;
    let id = booking["id"].as_str().expect("id");

    let response = app.pay(&student, id).await;
    assert_eq!(response.status(), 503);
    let problem: Value = response.json().await.expect("problem");
    assert!(
        !problem.to_string().contains("sk_test"),
        "no secret in the answer"
    );
    let stored = bookings::get(&app.state.aws.dynamodb, &app.state.config.table_name, id)
        .await
        .expect("read")
        .expect("the booking");
    assert_eq!(stored.payment.status, PaymentStatus::Unpaid);
    assert_eq!(stored.payment.intent_id, None, "nothing written");
}

#[tokio::test]
async fn a_paid_booking_moves_and_stays_paid_but_keeps_its_length() {
    let app = app_with_payments(true).await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let (id, _intent) = app.paid_booking(&student, &instructor.user_id, 4).await;
    let path = format!("/api/v1/bookings/{id}/reschedule");
    let before = app.booking_as(&student, &id).await;

    let longer = app
        .post_as(
            &student,
            &path,
            json!({"lesson_date": working_day(4), "lesson_time": "12:00", "duration_minutes": 90}),
        )
        .await;
    assert_eq!(longer.status(), 409);
    let unchanged = app.booking_as(&student, &id).await;
    assert_eq!(
        unchanged["lesson_start"], before["lesson_start"],
        "{unchanged}"
    );
    assert_eq!(unchanged["duration_minutes"], 60);

    let moved = app
        .post_as(
            &student,
            &path,
            json!({"lesson_date": working_day(4), "lesson_time": "12:00"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.expect("JSON");
    assert_eq!(moved["rescheduled_from"], before["lesson_start"], "{moved}");
    assert_ne!(moved["lesson_start"], before["lesson_start"]);
    assert_eq!(moved["payment_status"], "paid");
    assert_eq!(moved["price"], 300.0);
    let stored = app.booking_as(&student, &id).await;
    assert_eq!(stored["payment_status"], "paid", "{stored}");
}
