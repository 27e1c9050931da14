//! The Stripe webhook: only correctly signed, recent, untampered deliveries change anything;
//! each event applies once; a payment that arrives after its booking was cancelled is refunded
//! at once. Events are localstripe's own (or hand-made ones), signed as Stripe signs them.

use integration_tests::payments::{
    app_with_payments, booked_with_intent, event_at_localstripe, pay_at_localstripe,
    refunds_at_localstripe, Booked,
};
use serde_json::{json, Value};
use shared::payments::signature::sign;

#[tokio::test]
async fn forged_stale_or_tampered_deliveries_are_400s_and_change_nothing() {
    let app = app_with_payments(false).await;
    let Booked {
        student,
        id,
        intent,
        ..
    } = booked_with_intent(&app).await;
    pay_at_localstripe(&intent).await;
    let event = event_at_localstripe("payment_intent.succeeded", &intent).await;
    let body = serde_json::to_vec(&event).expect("JSON");
    let secret = app.webhook_secret().await;
    let now = app.state.clock.now().secs();

    let good = sign(&secret, now, &body);
    let mut tampered = event.clone();
    tampered["data"]["object"]["amount"] = json!(1);
    let tampered = serde_json::to_vec(&tampered).expect("JSON");
    let stale = now - 301;
    let deliveries: [(&str, &[u8], String); 5] = [
        ("no signature", &body, String::new()),
        (
            "a wrong secret",
            &body,
            format!(
                "t={now},v1={}",
                sign(b"whsec_not_the_apps_secret", now, &body)
            ),
        ),
        (
            "an old timestamp",
            &body,
            format!("t={stale},v1={}", sign(&secret, stale, &body)),
        ),
        ("a tampered body", &tampered, format!("t={now},v1={good}")),
        ("garbage", &body, "v1=,t=".into()),
    ];
    for (why, body, signature) in deliveries {
        let response = app.post_webhook(body, &signature).await;
        assert_eq!(response.status(), 400, "{why}");
        let booking = app.booking_as(&student, &id).await;
        assert_eq!(
            booking["payment_status"], "unpaid",
            "{why}: nothing changed"
        );
    }

    // Several v1 (as during a secret roll), one of them right: accepted.
    let response = app
        .post_webhook(&body, &format!("t={now},v1={},v1={good}", "0".repeat(64)))
        .await;
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.expect("JSON");
    assert_eq!(receipt["applied"], true);
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "paid"
    );
}

#[tokio::test]
async fn each_event_applies_once_and_unknown_ones_are_acknowledged() {
    let app = app_with_payments(false).await;
    let Booked {
        student,
        id,
        intent,
        ..
    } = booked_with_intent(&app).await;
    let event = |id: &str, kind: &str| {
        json!({"id": id, "object": "event", "type": kind, "livemode": false,
               "data": {"object": {"id": intent, "object": "payment_intent",
                                    "status": "processing", "some_new_field": [1, 2]}}})
    };

    let processing = event("evt_processing_1", "payment_intent.processing");
    let calls = app.dynamodb_calls();
    let response = app.deliver(&processing).await;
    assert_eq!(response.status(), 200);
    // Limit, intent lookup, booking, the transaction (docs/architecture.md).
    assert_eq!(app.dynamodb_calls() - calls, 4, "an applied event");
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "processing"
    );
    let failed = event("evt_failed_1", "payment_intent.payment_failed");
    assert_eq!(app.deliver(&failed).await.status(), 200);
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "failed"
    );

    // The processing event again (Stripe redelivers): it was applied, so no second effect,
    // although failed -> processing would otherwise be allowed.
    let replay = app.deliver(&processing).await;
    assert_eq!(replay.status(), 200);
    let receipt: Value = replay.json().await.expect("JSON");
    assert_eq!(receipt["applied"], false);
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "failed"
    );

    for unknown in [
        event("evt_unknown_type", "customer.created"),
        json!({"id": "evt_unknown_intent", "type": "payment_intent.succeeded",
               "data": {"object": {"id": "pi_nobodys"}}}),
    ] {
        let response = app.deliver(&unknown).await;
        assert_eq!(response.status(), 200, "{unknown}");
        let receipt: Value = response.json().await.expect("JSON");
        assert_eq!(receipt["applied"], false);
    }
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "failed"
    );
}

#[tokio::test]
async fn a_payment_that_succeeds_after_its_booking_was_cancelled_is_refunded_in_full_at_once() {
    let app = app_with_payments(false).await;
    let Booked {
        student,
        id,
        intent,
        ..
    } = booked_with_intent(&app).await;
    // The card form pays; before the webhook arrives, the student cancels.
    pay_at_localstripe(&intent).await;
    let cancel = app.cancel(&student, &id).await;
    assert_eq!(cancel.status(), 200);
    let cancelled: Value = cancel.json().await.expect("JSON");
    assert_eq!(cancelled["payment_status"], "unpaid");

    let event = event_at_localstripe("payment_intent.succeeded", &intent).await;
    for delivery in 0..2 {
        let response = app.deliver(&event).await;
        assert_eq!(response.status(), 200, "delivery {delivery}");
    }
    let booking = app.booking_as(&student, &id).await;
    assert_eq!(booking["status"], "cancelled");
    assert_eq!(booking["payment_status"], "refunded");
    assert_eq!(booking["refund_amount"], 300.0);
    let refunds = refunds_at_localstripe(&intent).await;
    assert_eq!(refunds.len(), 1, "refunded once: {refunds:?}");
    assert_eq!(refunds[0]["amount"], 30_000);
}

#[tokio::test]
async fn after_the_webhook_secret_is_rotated_both_versions_verify_and_older_ones_do_not() {
    let app = app_with_payments(false).await;
    let Booked {
        student,
        id,
        intent,
        ..
    } = booked_with_intent(&app).await;
    let payments = app.state.payments.as_deref().expect("payments");
    let secret_id = app
        .state
        .config
        .stripe
        .as_ref()
        .expect("stripe")
        .webhook_secret_id
        .clone();
    let first = app.webhook_secret().await;
    for n in 1..=2 {
        app.state
            .aws
            .secrets
            .put_secret_value()
            .secret_id(&secret_id)
            .secret_string(format!("whsec_rotated_{n}_0123456789abcdef0123456789"))
            .send()
            .await
            .expect("rotate the webhook secret");
    }
    // Functions reload within 5 minutes; this one at once.
    payments
        .webhook_secrets
        .reload(std::time::Duration::ZERO)
        .await
        .expect("reload");
    let now = app.state.clock.now().secs();
    let delivery = |event_id: &str, kind: &str| {
        serde_json::to_vec(&json!({"id": event_id, "type": kind,
            "data": {"object": {"id": intent, "object": "payment_intent"}}}))
        .expect("JSON")
    };

    // Two rotations ago: refused.
    let body = delivery("evt_old_secret", "payment_intent.processing");
    let response = app
        .post_webhook(&body, &format!("t={now},v1={}", sign(&first, now, &body)))
        .await;
    assert_eq!(response.status(), 400, "a secret two versions old");
    // The previous and the current version: both accepted.
    for (n, kind) in [
        (1, "payment_intent.processing"),
        (2, "payment_intent.payment_failed"),
    ] {
        let secret = format!("whsec_rotated_{n}_0123456789abcdef0123456789");
        let body = delivery(&format!("evt_rotated_{n}"), kind);
        let response = app
            .post_webhook(
                &body,
                &format!("t={now},v1={}", sign(secret.as_bytes(), now, &body)),
            )
            .await;
        assert_eq!(response.status(), 200, "version {n}");
    }
    assert_eq!(
        app.booking_as(&student, &id).await["payment_status"],
        "failed"
    );
}
