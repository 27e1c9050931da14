//! Payments in tests: an app with Stripe (the shared localstripe), what the card form does at
//! localstripe, what localstripe holds, and Stripe events signed with the app's webhook secret.

use std::time::Duration;

use serde_json::Value;

use crate::accounts::LoggedIn;
use crate::app::{spawn_app_with, Options, TestApp};
use crate::services;

/// An app with Stripe settings; `webhook`: its webhook registered at localstripe.
pub async fn app_with_payments(webhook: bool) -> TestApp {
    spawn_app_with(Options {
        payments: true,
        stripe_webhook: webhook,
        ..Options::default()
    })
    .await
}

/// localstripe's API (any `sk_` key is accepted there).
pub fn localstripe(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", services::localstripe().url()))
        .basic_auth("sk_test_card_form", Some(""))
}

async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("reach localstripe");
    let status = response.status();
    let body: Value = response.json().await.expect("localstripe JSON");
    assert!(status.is_success(), "localstripe answered {status}: {body}");
    body
}

/// What the card form does: a card PaymentMethod, set on the intent, then confirm.
pub async fn pay_at_localstripe(intent_id: &str) -> Value {
    let method = json_of(
        localstripe(reqwest::Method::POST, "/v1/payment_methods").form(&[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2035"),
            ("card[cvc]", "123"),
        ]),
    )
    .await;
    let pm = method["id"].as_str().expect("a payment method id");
    json_of(
        localstripe(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent_id}"),
        )
        .form(&[("payment_method", pm)]),
    )
    .await;
    json_of(localstripe(
        reqwest::Method::POST,
        &format!("/v1/payment_intents/{intent_id}/confirm"),
    ))
    .await
}

pub async fn intent_at_localstripe(intent_id: &str) -> Value {
    json_of(localstripe(
        reqwest::Method::GET,
        &format!("/v1/payment_intents/{intent_id}"),
    ))
    .await
}

/// The refunds localstripe made of the intent.
pub async fn refunds_at_localstripe(intent_id: &str) -> Vec<Value> {
    let list = json_of(
        localstripe(reqwest::Method::GET, "/v1/refunds")
            .query(&[("payment_intent", intent_id), ("limit", "100")]),
    )
    .await;
    list["data"].as_array().cloned().unwrap_or_default()
}

/// The event of `kind` localstripe recorded for the intent (as it would deliver it).
pub async fn event_at_localstripe(kind: &str, intent_id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = json_of(
            localstripe(reqwest::Method::GET, "/v1/events")
                .query(&[("type", kind), ("limit", "100")]),
        )
        .await;
        let found = list["data"].as_array().and_then(|events| {
            events
                .iter()
                .find(|e| e["data"]["object"]["id"] == intent_id)
                .cloned()
        });
        if let Some(event) = found {
            return event;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {kind} event for {intent_id} at localstripe"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl TestApp {
    /// `POST /bookings/{id}/payment` as `session`.
    pub async fn pay(&self, session: &LoggedIn, booking_id: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/bookings/{booking_id}/payment")))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .expect("send")
    }

    pub async fn booking_as(&self, session: &LoggedIn, booking_id: &str) -> Value {
        let response = self
            .get_bearer(
                &format!("/api/v1/bookings/{booking_id}"),
                &session.access_token,
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON")
    }

    /// Polls the booking until its `payment_status` is `want` (webhooks arrive a second or so
    /// after the payment at localstripe), failing after 20 s.
    pub async fn wait_for_payment_status(
        &self,
        session: &LoggedIn,
        booking_id: &str,
        want: &str,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let booking = self.booking_as(session, booking_id).await;
            if booking["payment_status"] == want {
                return booking;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "payment_status stayed {} (want {want})",
                booking["payment_status"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The app's current webhook secret, as Stripe signs with it.
    pub async fn webhook_secret(&self) -> Vec<u8> {
        let payments = self
            .state
            .payments
            .as_deref()
            .expect("an app with payments");
        let ring = payments
            .webhook_secrets
            .get()
            .await
            .expect("the webhook secret");
        ring.current.bytes.clone()
    }

    /// Posts `body` to the webhook with `signature` as its `Stripe-Signature`.
    pub async fn post_webhook(&self, body: &[u8], signature: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/payments/stripe/webhook"))
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(body.to_vec())
            .send()
            .await
            .expect("send")
    }

    /// Posts `event` signed now with the app's secret, as Stripe would.
    pub async fn deliver(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).expect("JSON");
        let t = self.state.clock.now().secs();
        let v1 = shared::payments::signature::sign(&self.webhook_secret().await, t, &body);
        self.post_webhook(&body, &format!("t={t},v1={v1}")).await
    }
}

impl TestApp {
    /// A booking of `student`'s with `instructor_id` at 10:00 on the working day at least `days`
    /// ahead (bookings of one app 5 or more days apart never share a day), its intent
    /// created through the API: (booking id, intent id).
    pub async fn booking_with_intent(
        &self,
        student: &LoggedIn,
        instructor_id: &str,
        days: i64,
    ) -> (String, String) {
        let booking = self
            .book(
                student,
                instructor_id,
                &crate::marketplace::working_day(days),
                "10:00",
                60,
            )
            .await;
        let id = booking["id"].as_str().expect("id").to_owned();
        let response = self.pay(student, &id).await;
        assert_eq!(response.status(), 201);
        let payment: Value = response.json().await.expect("JSON");
        let intent = payment["payment_intent_id"]
            .as_str()
            .expect("intent")
            .to_owned();
        (id, intent)
    }

    /// A booking paid at localstripe and marked paid by the (registered) webhook.
    pub async fn paid_booking(
        &self,
        student: &LoggedIn,
        instructor_id: &str,
        days: i64,
    ) -> (String, String) {
        let (id, intent) = self.booking_with_intent(student, instructor_id, days).await;
        pay_at_localstripe(&intent).await;
        self.wait_for_payment_status(student, &id, "paid").await;
        (id, intent)
    }

    /// `POST /bookings/{id}/cancel` as `session`.
    pub async fn cancel(&self, session: &LoggedIn, booking_id: &str) -> reqwest::Response {
        self.post_as(
            session,
            &format!("/api/v1/bookings/{booking_id}/cancel"),
            serde_json::json!({"reason": "Plans changed"}),
        )
        .await
    }
}

/// A student's booking, 3 days ahead, with its intent, and who is in it.
pub struct Booked {
    pub instructor: crate::accounts::TestUser,
    pub student: LoggedIn,
    pub id: String,
    pub intent: String,
}

/// A listed instructor (R300 an hour), a signed-in student, and the student's booking with
/// its intent.
pub async fn booked_with_intent(app: &TestApp) -> Booked {
    let instructor = app
        .listed_instructor(&crate::marketplace::CAPE_TOWN, 300.0)
        .await;
    let student = app.signed_in_student().await;
    let (id, intent) = app
        .booking_with_intent(&student, &instructor.user_id, 3)
        .await;
    Booked {
        instructor,
        student,
        id,
        intent,
    }
}
