//! Cancelling a paid lesson refunds it through Stripe by the policy (SPEC §6.1), seen at
//! localstripe; an unpaid booking's intent is cancelled; a failure between the Stripe refund
//! and its record is finished by repeating the cancellation, never refunding twice.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::marketplace::CAPE_TOWN;
use integration_tests::payments::{
    app_with_payments, booked_with_intent, intent_at_localstripe, refunds_at_localstripe, Booked,
};
use integration_tests::services;
use serde_json::Value;
use shared::store::bookings;

use crate::admin_support::seed_admin;

/// Moves the lesson to `hours` from now, as if it had been booked that close to its start.
async fn starts_in_hours(app: &TestApp, id: &str, hours: i64) {
    let start = app.state.clock.now().timestamp() + jiff::SignedDuration::from_hours(hours);
    app.state
        .aws
        .dynamodb
        .update_item()
        .table_name(&app.state.config.table_name)
        .set_key(Some(bookings::booking_key(id)))
        .update_expression("SET lesson_start = :start")
        .expression_attribute_values(":start", AttributeValue::S(start.to_string()))
        .send()
        .await
        .expect("move the lesson");
}

#[tokio::test]
async fn the_refund_policy_is_applied_at_stripe() {
    let app = app_with_payments(true).await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;

    // The student, three days ahead: in full.
    let (early, early_intent) = app
        .paid_booking(&student, &instructor_user.user_id, 3)
        .await;
    let response = app.cancel(&student, &early).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["payment_status"], "refunded");
    assert_eq!(answer["refund_amount"], 300.0);
    let refunds = refunds_at_localstripe(&early_intent).await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], 30_000);

    // The student, two hours ahead: nothing, and the answer says so.
    let (late, late_intent) = app
        .paid_booking(&student, &instructor_user.user_id, 8)
        .await;
    starts_in_hours(&app, &late, 2).await;
    let response = app.cancel(&student, &late).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["payment_status"], "paid");
    assert_eq!(answer["refund_amount"], 0.0);
    assert!(refunds_at_localstripe(&late_intent).await.is_empty());

    // The instructor, two hours ahead: in full.
    let (by_instructor, intent) = app
        .paid_booking(&student, &instructor_user.user_id, 13)
        .await;
    starts_in_hours(&app, &by_instructor, 2).await;
    let response = app.cancel(&instructor, &by_instructor).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["payment_status"], "refunded");
    assert_eq!(answer["refund_amount"], 300.0);
    assert_eq!(refunds_at_localstripe(&intent).await.len(), 1);

    // The listing shows it too.
    let listed = app.booking_as(&student, &early).await;
    assert_eq!(listed["payment_status"], "refunded");

    // Three lessons paid (R900), two refunded in full (R600): R300 kept, in the admin stats
    // and the instructor's dashboard; each refund is in the audit log.
    let admin = seed_admin(&app).await;
    let stats: Value = app
        .get_bearer("/api/v1/admin/stats", &admin.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(stats["revenue_paid"], 300.0, "{stats}");
    let dashboard: Value = app
        .get_bearer("/api/v1/users/me/dashboard", &instructor.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(dashboard["earnings_paid"], 300.0, "{dashboard}");
    let audit: Value = app
        .get_bearer(
            "/api/v1/admin/audit-log?action=booking.refunded",
            &admin.access_token,
        )
        .await
        .json()
        .await
        .expect("JSON");
    let mut targets: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["target"].as_str())
        .collect();
    targets.sort_unstable();
    let mut want = vec![early.as_str(), by_instructor.as_str()];
    want.sort_unstable();
    assert_eq!(targets, want, "{audit}");
}

#[tokio::test]
async fn cancelling_an_unpaid_booking_cancels_its_intent() {
    let app = app_with_payments(false).await;
    let Booked {
        student,
        id,
        intent,
        ..
    } = booked_with_intent(&app).await;
    let response = app.cancel(&student, &id).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["payment_status"], "unpaid");
    assert!(answer.get("refund_amount").is_none());
    assert_eq!(intent_at_localstripe(&intent).await["status"], "canceled");
}

#[tokio::test]
async fn a_refund_lost_between_stripe_and_the_table_is_finished_by_repeating_the_cancellation() {
    let proxy = FaultProxy::start(services::localstripe().url()).await;
    let app = spawn_app_with(Options {
        payments: true,
        stripe_webhook: true,
        extra_vars: vec![("STRIPE_API_BASE".into(), proxy.url.clone())],
        ..Options::default()
    })
    .await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let stored = |id: String| {
        let state = app.state.clone();
        async move {
            bookings::get(&state.aws.dynamodb, &state.config.table_name, &id)
                .await
                .expect("read")
                .expect("the booking")
        }
    };

    // Stripe makes the refund, its answer is lost: the cancellation stands, the refund is owed.
    let (id, intent) = app.paid_booking(&student, &instructor.user_id, 3).await;
    proxy.fail_next("POST /v1/refunds", Fault::LoseAnswer, 1);
    let response = app.cancel(&student, &id).await;
    assert_eq!(response.status(), 503);
    let owed = stored(id.clone()).await;
    assert_eq!(owed.status, bookings::BookingStatus::Cancelled);
    assert!(owed.payment.refund_pending);
    assert_eq!(owed.payment.refund_cents, Some(30_000));
    assert_eq!(
        refunds_at_localstripe(&intent).await.len(),
        1,
        "made at Stripe"
    );

    // Repeating the cancellation finds Stripe's refund and records it, without a second one.
    let response = app.cancel(&student, &id).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["payment_status"], "refunded");
    assert_eq!(answer["refund_amount"], 300.0);
    assert_eq!(
        refunds_at_localstripe(&intent).await.len(),
        1,
        "never twice"
    );
    let again = app.cancel(&student, &id).await;
    assert_eq!(again.status(), 409, "nothing left to finish");

    // Stripe unreachable: nothing refunded yet, owed; once it answers, the retry refunds.
    let (id, intent) = app.paid_booking(&student, &instructor.user_id, 8).await;
    proxy.fail("", Fault::Drop);
    assert_eq!(app.cancel(&student, &id).await.status(), 503);
    assert!(stored(id.clone()).await.payment.refund_pending);
    assert!(refunds_at_localstripe(&intent).await.is_empty());
    proxy.heal();
    let response = app.cancel(&student, &id).await;
    assert_eq!(response.status(), 200);
    assert_eq!(refunds_at_localstripe(&intent).await.len(), 1);
}
