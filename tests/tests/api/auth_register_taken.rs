//! Registration does not reveal accounts: a taken email address or phone number gets the same
//! answer as a free one, and the owner of the account is told by email, at most once a day (a
//! still-pending owner gets a new verification link instead).

use std::time::{Duration, Instant};

use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::mail;
use serde_json::Value;

fn shape(answer: &Value) -> (Vec<String>, Value, Value, Value) {
    let mut keys: Vec<String> = answer
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    (
        keys,
        answer["role"].clone(),
        answer["status"].clone(),
        answer["message"].clone(),
    )
}

async fn register(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app.register("student", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn mails_to(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails = mail::find_mail(&app.mail_dir, to);
        if mails.len() >= count {
            return mails;
        }
        assert!(
            Instant::now() < deadline,
            "{count} mails to {to} did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_taken_email_or_phone_gets_the_same_answer_and_the_owner_one_notice_a_day() {
    let app = spawn_app().await;
    let owner = app.verified_student().await;
    let (status, fresh) = register(&app, &student_body()).await;
    assert_eq!(status, 201);

    let mut same_email = student_body();
    same_email["email"] = owner.email.clone().into();
    let mut same_phone = student_body();
    same_phone["phone"] = owner.phone.clone().into();
    for (why, body) in [
        ("email", &same_email),
        ("phone", &same_phone),
        ("email again", &same_email),
    ] {
        let (status, answer) = register(&app, body).await;
        assert_eq!(status, 201, "{why}");
        assert_eq!(shape(&answer), shape(&fresh), "{why}: {answer}");
        assert_ne!(answer["user_id"], owner.user_id.as_str(), "{why}");
        let text = answer.to_string();
        assert!(
            !text.contains("exist") && !text.contains(&owner.email),
            "{why}: {text}"
        );
    }

    // The verification mail, then one notice for three attempts on the same day.
    let mails = mails_to(&app, &owner.email, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails_later = mail::find_mail(&app.mail_dir, &owner.email);
    assert_eq!(mails_later.len(), 2, "at most one notice a day");
    let notices = mails
        .iter()
        .map(|m| mail::decode_quoted_printable(m))
        .filter(|m| m.contains("Someone tried to create a Drive Alive account"))
        .count();
    assert_eq!(notices, 1, "{mails:?}");
    // The phone attempt's second address got nothing either: no account was made for it.
    let other = same_phone["email"].as_str().expect("email");
    assert!(mail::find_mail(&app.mail_dir, other).is_empty());
}

#[tokio::test]
async fn a_pending_owner_gets_a_new_verification_link_instead() {
    let app = spawn_app().await;
    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();
    assert_eq!(register(&app, &body).await.0, 201);
    let first = mails_to(&app, &email, 1).await;
    let first_token = mail::token_after(&first[0], "/verify?token=");

    let mut again = student_body();
    again["email"] = email.clone().into();
    assert_eq!(register(&app, &again).await.0, 201);
    let mails = mails_to(&app, &email, 2).await;
    let tokens: Vec<String> = mails
        .iter()
        .map(|m| mail::token_after(m, "/verify?token="))
        .collect();
    let new_token = tokens
        .iter()
        .find(|t| **t != first_token)
        .expect("a new verification link");
    let verified = app
        .post_json(
            "/api/v1/auth/verify",
            &serde_json::json!({ "token": new_token }),
        )
        .await;
    assert_eq!(verified.status(), 200);
}
