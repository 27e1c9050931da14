//! A login that races a password reset: the session write is conditional on the credentials
//! it checked, so no session outlives the reset, even when the reset's instance has a clock a
//! few seconds behind the login's.

use std::time::Duration;

use integration_tests::app::spawn_app;
use serde_json::json;
use shared::auth::password_hash;
use shared::clock::Clock;
use shared::store::transact::transact;
use shared::store::users;

/// DynamoDB calls a login makes before it verifies the password: the IP limit, the claim, the
/// account limit and the profile.
const CALLS_BEFORE_THE_CHECK: u64 = 4;

#[tokio::test]
async fn a_password_reset_during_a_login_leaves_no_live_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let new_hash = password_hash::hash("Granite!Harbour77".into())
        .await
        .expect("hash");
    let table = app.state.config.table_name.clone();
    // The reset's instance reads its clock five seconds behind the login's.
    let behind = Clock::fixed(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(5)).now();

    let base = app.dynamodb_calls();
    let login = {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        let body = json!({"username": user.email, "password": user.password});
        tokio::spawn(async move { client.post(url).json(&body).send().await })
    };
    // Land the reset while the login is verifying the password it has read.
    tokio::time::timeout(Duration::from_secs(10), async {
        while app.dynamodb_calls() < base + CALLS_BEFORE_THE_CHECK {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the login reads the profile");
    let reset = users::password_change_update(&table, &user.user_id, new_hash, behind)
        .expect("the reset's write");
    transact(&app.state.aws.dynamodb, vec![reset])
        .await
        .expect("reset the password");

    let response = login.await.expect("join").expect("send");
    let status = response.status();
    if status == 200 {
        // Had it signed in, its session would have to be dead already.
        let body: serde_json::Value = response.json().await.expect("JSON");
        let token = body["access_token"].as_str().expect("token");
        let me = app.get_bearer("/api/v1/users/me", token).await;
        assert_eq!(me.status(), 401, "a session outlived the password reset");
    } else {
        assert_eq!(status, 401, "{}", response.text().await.unwrap_or_default());
    }
    assert_eq!(
        app.post_login(&user.email, "Granite!Harbour77")
            .await
            .status(),
        200,
        "the new password signs in"
    );
}
