//! `POST /auth/resend-verification`: the same 202 for every address; an account still waiting
//! for its verification gets a new link that works.

use std::time::{Duration, Instant};

use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app, spawn_app_with, Options};
use integration_tests::mail;
use serde_json::{json, Value};

const PATH: &str = "/api/v1/auth/resend-verification";

/// The token of a verification mail to `to` other than the one carrying `old_token`.
async fn new_token(app: &integration_tests::app::TestApp, to: &str, old_token: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let tokens = mail::find_mail(&app.mail_dir, to)
            .iter()
            .map(|m| mail::token_after(m, "/verify?token="))
            .find(|t| t != old_token);
        if let Some(token) = tokens {
            return token;
        }
        assert!(Instant::now() < deadline, "no second link to {to}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_pending_account_gets_a_new_link_and_every_address_the_same_answer() {
    let app = spawn_app().await;
    let body = student_body();
    let pending = body["email"].as_str().expect("email").to_owned();
    assert_eq!(app.register("student", &body).await.status(), 201);
    let first = mail::wait_for_mail(&app.mail_dir, &pending).await;
    let verified = app.verified_student().await;

    let mut answers = Vec::new();
    for email in [
        pending.as_str(),
        verified.email.as_str(),
        "nobody@example.co.za",
    ] {
        let response = app.post_json(PATH, &json!({ "email": email })).await;
        assert_eq!(response.status(), 202, "{email}");
        answers.push(response.json::<Value>().await.expect("JSON"));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");

    let old_token = mail::token_after(&first, "/verify?token=");
    let new_token = new_token(&app, &pending, &old_token).await;
    let response = app
        .post_json("/api/v1/auth/verify", &json!({ "token": new_token }))
        .await;
    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        mail::find_mail(&app.mail_dir, &verified.email).len(),
        1,
        "a verified account gets no new link"
    );
    let invalid = app
        .post_json(PATH, &json!({ "email": "not an address" }))
        .await;
    assert_eq!(
        invalid.status(),
        422,
        "{}",
        invalid.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn resending_is_limited_per_ip() {
    let app = spawn_app_with(Options {
        rate_limits: Some("resend_ip=2/1h".into()),
        ..Options::default()
    })
    .await;
    for attempt in 1..=2 {
        let response = app
            .post_json(PATH, &json!({ "email": "nobody@example.co.za" }))
            .await;
        assert_eq!(response.status(), 202, "attempt {attempt}");
    }
    let third = app
        .post_json(PATH, &json!({ "email": "nobody@example.co.za" }))
        .await;
    assert_eq!(third.status(), 429);
}
