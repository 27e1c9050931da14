//! Phone changes are confirmed by an SMS code and never tell whether a number is taken; SMS
//! booking news can be turned off.

use std::time::Duration;

use integration_tests::accounts::unique_phone;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::mail::wait_for_mail_containing;
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::notices::{self, wait_for_sms_containing};
use serde_json::{json, Value};

async fn patch_me(app: &TestApp, bearer: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .patch(app.url("/api/v1/users/me"))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn confirm(app: &TestApp, bearer: &str, code: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/users/me/phone/confirm"))
        .bearer_auth(bearer)
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The code in the latest code SMS to `phone`.
async fn code_sent_to(app: &TestApp, phone: &str) -> String {
    let sms = wait_for_sms_containing(app, phone, "your code to confirm").await;
    let digits: String = sms
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .unwrap_or_default()
        .to_owned();
    assert_eq!(digits.len(), 6, "{sms}");
    digits
}

fn e164(phone: &str) -> String {
    shared::domain::PhoneNumber::parse(phone)
        .expect("a valid number")
        .as_str()
        .to_owned()
}

#[tokio::test]
async fn a_taken_and_a_free_number_answer_alike_and_the_smsed_code_applies_the_free_one() {
    let app = spawn_app().await;
    let session = app.signed_in_student().await;
    let other = app.verified_student().await;
    let bearer = session.access_token.as_str();
    let free = unique_phone();

    let taken_answer = patch_me(&app, bearer, json!({ "phone": other.phone })).await;
    let taken_code = code_sent_to(&app, &other.phone).await;
    let free_answer = patch_me(&app, bearer, json!({ "phone": free })).await;
    assert_eq!(taken_answer, (202, json!({ "phone_pending": true })));
    assert_eq!(free_answer, taken_answer, "the answers tell nothing apart");
    let code = code_sent_to(&app, &free).await;
    let sms = notices::sms_to(&app, &free).await;
    assert!(sms.iter().all(|m| !m.contains("token")), "{sms:?}");

    // The later request replaced the earlier one: that code no longer works (unless the two
    // codes happen to be equal, one chance in a million).
    if taken_code != code {
        assert_eq!(confirm(&app, bearer, &taken_code).await.0, 400);
    }
    assert_eq!(confirm(&app, bearer, "not six").await.0, 422);
    let (status, account) = confirm(&app, bearer, &code).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["phone"], e164(&free));
    assert_eq!(
        confirm(&app, bearer, &code).await.0,
        400,
        "a code works once"
    );
    let me: Value = app
        .get_bearer("/api/v1/users/me", bearer)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(me["phone"], e164(&free));
}

#[tokio::test]
async fn a_number_claimed_before_the_code_is_used_is_a_409_only_then() {
    let app = spawn_app().await;
    let session = app.signed_in_student().await;
    let other = app.verified_student().await;
    let bearer = session.access_token.as_str();
    assert_eq!(
        patch_me(&app, bearer, json!({ "phone": other.phone }))
            .await
            .0,
        202
    );
    let code = code_sent_to(&app, &other.phone).await;
    let (status, problem) = confirm(&app, bearer, &code).await;
    assert_eq!(status, 409, "{problem}");
    let me: Value = app
        .get_bearer("/api/v1/users/me", bearer)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(me["phone"], e164(&session.user.phone), "unchanged");
}

#[tokio::test]
async fn five_wrong_codes_use_up_the_change() {
    let app = spawn_app().await;
    let session = app.signed_in_student().await;
    let bearer = session.access_token.as_str();
    let phone = unique_phone();
    assert_eq!(
        patch_me(&app, bearer, json!({ "phone": phone })).await.0,
        202
    );
    let code = code_sent_to(&app, &phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(confirm(&app, bearer, wrong).await.0, 400);
    }
    assert_eq!(confirm(&app, bearer, &code).await.0, 400, "no tries left");
}

#[tokio::test]
async fn an_instructor_who_turned_sms_off_gets_the_booking_email_but_no_sms() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let teacher = app.login(&instructor).await;
    let (status, account) = patch_me(
        &app,
        &teacher.access_token,
        json!({ "sms_notifications": false }),
    )
    .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["sms_notifications"], false);

    let student = app.signed_in_student().await;
    app.book(&student, &instructor.user_id, &working_day(3), "09:00", 60)
        .await;
    wait_for_mail_containing(&app.mail_dir, &instructor.email, "New lesson request").await;
    notices::wait_until_drained(&app, Duration::from_secs(10)).await;
    assert!(notices::sms_to(&app, &instructor.phone).await.is_empty());
}
