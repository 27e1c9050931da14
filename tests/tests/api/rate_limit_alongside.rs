//! Rate limits counted beside the reads (one round trip of latency instead of two): a limited
//! request still answers 429 with its headers and nothing the reads found, a write still
//! changes nothing, fail-open still lets a read through, and a revoked session still answers
//! 401 when its user's limit is spent too.

use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::marketplace::CAPE_TOWN;
use serde_json::json;

const GETITEM: &str = "DynamoDB_20120810.GetItem";

/// The rules under test, with the ones the setup spends (registration, login) generous.
fn limits(under_test: &str) -> Option<String> {
    Some(format!(
        "register_ip=1000/1h,verify_ip=1000/1h,login_ip=1000/1m,login_account=1000/1h,\
         refresh_ip=1000/1m,session=1000/1h,{under_test}"
    ))
}

/// Asserts a 429 problem with the limit's headers, and returns its body.
async fn assert_limited(response: reqwest::Response, policy: &str, limit: u32) -> String {
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(
        headers["ratelimit-policy"],
        format!("\"{policy}\";q={limit};w=3600").as_str()
    );
    assert!(headers["ratelimit"]
        .to_str()
        .expect("ascii")
        .starts_with(&format!("\"{policy}\";r=0;t=")));
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("retry-after"));
    response.text().await.expect("body")
}

async fn instructor_app(options: Options) -> (TestApp, String) {
    let app = spawn_app_with(options).await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    (app, instructor.user_id)
}

#[tokio::test]
async fn a_limited_public_read_answers_429_with_its_headers_and_nothing_it_read() {
    let (app, id) = instructor_app(Options {
        rate_limits: limits("public_ip=1/1h"),
        ..Options::default()
    })
    .await;
    let path = format!("/api/v1/instructors/{id}");
    let first = app.get(&path).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-ratelimit-remaining"], "0");
    let profile = first.text().await.expect("body");
    assert!(profile.contains("Pieter"), "{profile}");

    let body = assert_limited(app.get(&path).await, "public_ip", 1).await;
    for leaked in ["Pieter", "hourly_rate", "vehicle", "Corolla"] {
        assert!(!body.contains(leaked), "{leaked} in {body}");
    }
}

#[tokio::test]
async fn a_limited_public_read_whose_read_fails_still_answers_429() {
    let proxy = FaultProxy::start(integration_tests::services::shared().moto.url()).await;
    let (app, id) = instructor_app(Options {
        rate_limits: limits("public_ip=1/1h"),
        ..Options::behind(&proxy)
    })
    .await;
    let path = format!("/api/v1/instructors/{id}");
    assert_eq!(app.get(&path).await.status(), 200);
    proxy.fail(GETITEM, Fault::Drop);
    assert_limited(app.get(&path).await, "public_ip", 1).await;
    assert!(proxy.failed_requests() > 0, "the read ran beside the limit");
}

#[tokio::test]
async fn a_public_read_still_answers_when_the_counter_store_is_down() {
    let proxy = FaultProxy::start(integration_tests::services::shared().moto.url()).await;
    let (app, id) = instructor_app(Options::behind(&proxy)).await;
    proxy.fail(
        integration_tests::fault_proxy::DYNAMODB_UPDATE_ITEM,
        Fault::Drop,
    );
    let response = app.get(&format!("/api/v1/instructors/{id}")).await;
    assert_eq!(response.status(), 200, "public_ip fails open");
    assert!(!response.headers().contains_key("ratelimit"));
    assert!(response.text().await.expect("body").contains("Pieter"));
}

#[tokio::test]
async fn a_limited_authenticated_read_answers_429_with_its_headers_and_nothing_it_read() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let student = app.signed_in_student().await;
    let first = app
        .get_bearer("/api/v1/users/me", &student.access_token)
        .await;
    assert_eq!(first.status(), 200);
    assert!(first
        .text()
        .await
        .expect("body")
        .contains(&student.user.email));

    let second = app
        .get_bearer("/api/v1/users/me", &student.access_token)
        .await;
    let body = assert_limited(second, "user", 1).await;
    for leaked in [student.user.email.as_str(), "Thandiwe", "Observatory"] {
        assert!(!body.contains(leaked), "{leaked} in {body}");
    }
}

#[tokio::test]
async fn a_limited_write_changes_nothing() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let student = app.signed_in_student().await;
    let patch = |suburb: &'static str| {
        app.client
            .patch(app.url("/api/v1/users/me"))
            .bearer_auth(&student.access_token)
            .json(&json!({ "suburb": suburb }))
            .send()
    };
    assert_eq!(patch("Mowbray").await.expect("send").status(), 200);
    assert_limited(patch("Rondebosch").await.expect("send"), "user", 1).await;
    let stored = shared::store::users::get(
        &app.state.aws.dynamodb,
        &app.state.config.table_name,
        &student.user.user_id,
    )
    .await
    .expect("read")
    .expect("the user");
    assert_eq!(stored.suburb, "Mowbray");
}

/// Both the guard and the limit refuse: the guard's 401 wins (signing in again is what the
/// client must do; waiting out the limit would not help), though the request was counted.
#[tokio::test]
async fn a_revoked_session_with_a_spent_limit_answers_401_not_429() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let user = app.verified_student().await;
    let old = app.login(&user).await;
    let me = |token: String| {
        let app = &app;
        async move { app.get_bearer("/api/v1/users/me", &token).await }
    };
    assert_eq!(me(old.access_token.clone()).await.status(), 200);
    let logout = app
        .post_json(
            "/api/v1/auth/logout",
            &json!({ "refresh_token": old.refresh_token }),
        )
        .await;
    assert_eq!(logout.status(), 204);

    let revoked = me(old.access_token.clone()).await;
    assert_eq!(revoked.status(), 401);
    assert!(!revoked.headers().contains_key("retry-after"));
    assert!(!revoked.headers().contains_key("ratelimit"));

    // The limit was spent all along: a fresh session of the same user meets it.
    let fresh = app.login(&user).await;
    assert_limited(me(fresh.access_token).await, "user", 1).await;
}

/// The feed item is read beside the guard and the limit: a limited request sees none of it.
#[tokio::test]
async fn a_limited_calendar_feed_request_answers_429_without_the_feed_url() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let student = app.signed_in_student().await;
    let path = "/api/v1/users/me/calendar-feed";
    let first = app.get_bearer(path, &student.access_token).await;
    assert_eq!(first.status(), 200);
    assert!(first.text().await.expect("body").contains(".ics"));

    let body = assert_limited(app.get_bearer(path, &student.access_token).await, "user", 1).await;
    assert!(!body.contains(".ics"), "{body}");
    assert!(!body.contains("/api/v1/calendar/"), "{body}");
}

/// The token's role decides the exemption while the guard reads the account: an admin is not
/// counted by the per-user rule.
#[tokio::test]
async fn an_admin_is_not_counted_by_the_per_user_rule() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let admin = app.seeded_admin().await;
    for _ in 0..3 {
        let response = app
            .get_bearer("/api/v1/users/me", &admin.access_token)
            .await;
        assert_eq!(response.status(), 200);
        assert!(!response.headers().contains_key("ratelimit"));
    }
}

/// An admin demoted while their token still says admin: the account just read is the truth,
/// so the request is counted after the guard's read.
#[tokio::test]
async fn an_admin_demoted_since_the_token_was_issued_is_counted() {
    let app = spawn_app_with(Options {
        rate_limits: limits("user=1/1h"),
        ..Options::default()
    })
    .await;
    let admin = app.seeded_admin().await;
    app.state
        .aws
        .dynamodb
        .update_item()
        .table_name(&app.state.config.table_name)
        .set_key(Some(shared::store::users::profile_key(&admin.user.user_id)))
        .update_expression("SET #role = :student")
        .expression_attribute_names("#role", "role")
        .expression_attribute_values(
            ":student",
            aws_sdk_dynamodb::types::AttributeValue::S("STUDENT".into()),
        )
        .send()
        .await
        .expect("demote the admin");
    let me = || app.get_bearer("/api/v1/users/me", &admin.access_token);
    let first = me().await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-ratelimit-remaining"], "0");
    assert_limited(me().await, "user", 1).await;
}
