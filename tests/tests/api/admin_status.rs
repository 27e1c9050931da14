//! Admins against admins: an admin cannot suspend another admin (the operator's
//! `admin-accounts` command can), a reactivation restores the status from before the
//! suspension, and admin creation fails closed when the counter store is down.

use std::process::Command;

use integration_tests::accounts::{student_body, unique_email, unique_phone, PASSWORD};
use integration_tests::app::{spawn_app, spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy, DYNAMODB_UPDATE_ITEM};
use integration_tests::mail;
use integration_tests::runtime_api::function_binary;
use integration_tests::services;
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{as_user, json_of, seed_admin, send};

async fn status_change(
    app: &TestApp,
    admin: &integration_tests::accounts::LoggedIn,
    change: &str,
    user_id: &str,
) -> reqwest::Response {
    send(as_user(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/admin/users/{user_id}/{change}"),
    ))
    .await
}

#[tokio::test]
async fn an_admin_cannot_suspend_or_reactivate_another_admin() {
    let app = spawn_app().await;
    let a = seed_admin(&app).await;
    let b = seed_admin(&app).await;
    for change in ["suspend", "reactivate"] {
        let response = status_change(&app, &b, change, &a.user.user_id).await;
        assert_eq!(response.status(), 403, "{change}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    let stats = app.get_bearer("/api/v1/admin/stats", &a.access_token).await;
    assert_eq!(stats.status(), 200, "admin A is untouched");
}

#[tokio::test]
async fn a_pending_account_suspended_and_reactivated_is_still_pending() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();
    let created = json_of(app.register("student", &body).await).await;
    let user_id = created["user_id"].as_str().expect("user_id");

    let suspended = status_change(&app, &admin, "suspend", user_id).await;
    assert_eq!(json_of(suspended).await["status"], "SUSPENDED");
    let reactivated = status_change(&app, &admin, "reactivate", user_id).await;
    assert_eq!(reactivated.status(), 200);
    assert_eq!(json_of(reactivated).await["status"], "PENDING_VERIFICATION");
    let login = app.post_login(&email, PASSWORD).await;
    assert_eq!(login.status(), 403, "still unverified, so still no sign-in");

    // Its verification link still does what it did before the suspension.
    let message = mail::wait_for_mail(&app.mail_dir, &email).await;
    let token = mail::token_after(&message, "/verify?token=");
    let verified = app
        .post_json("/api/v1/auth/verify", &json!({ "token": token }))
        .await;
    assert_eq!(verified.status(), 200);
    assert_eq!(app.post_login(&email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn admin_creation_fails_closed_when_the_counter_store_is_down() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = spawn_app_with(Options::behind(&proxy)).await;
    let admin = seed_admin(&app).await;
    let email = unique_email();
    let body = json!({
        "email": email,
        "phone": unique_phone(),
        "password": PASSWORD,
        "first_name": "Naledi",
        "last_name": "Dlamini"
    });

    // Rate-limit counters are conditional UpdateItems; nothing else of this route is.
    proxy.fail(DYNAMODB_UPDATE_ITEM, Fault::Drop);
    let response =
        send(as_user(&app, &admin, Method::POST, "/api/v1/admin/admins").json(&body)).await;
    assert_eq!(response.status(), 503);
    assert!(proxy.failed_requests() > 0, "the fault never hit");
    proxy.heal();
    let login = app.post_login(&email, PASSWORD).await;
    assert_eq!(login.status(), 401, "no admin was created");
}

fn admin_accounts(app: &TestApp, args: &[&str]) -> (i32, String) {
    let output = Command::new(function_binary("admin-accounts"))
        .env_clear()
        .envs(&app.vars)
        .args(args)
        .output()
        .expect("run admin-accounts");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn the_operator_command_suspends_and_reactivates_an_admin() {
    let app = spawn_app().await;
    let a = seed_admin(&app).await;
    let id = a.user.user_id.as_str();

    let (code, stdout) = admin_accounts(&app, &["suspend", id]);
    assert_eq!(code, 0, "{stdout}");
    let answer: Value = serde_json::from_str(stdout.trim()).expect("JSON on stdout");
    assert_eq!(answer, json!({"user_id": id, "status": "SUSPENDED"}));
    let refused = app.get_bearer("/api/v1/admin/stats", &a.access_token).await;
    assert_eq!(refused.status(), 401, "the admin's sessions ended");
    let login = app.post_login(&a.user.email, PASSWORD).await;
    assert_eq!(login.status(), 403);

    let (code, stdout) = admin_accounts(&app, &["reactivate", id]);
    assert_eq!(code, 0, "{stdout}");
    let answer: Value = serde_json::from_str(stdout.trim()).expect("JSON on stdout");
    assert_eq!(answer["status"], "ACTIVE");
    let again = app.login(&a.user).await;
    let stats = app
        .get_bearer("/api/v1/admin/stats", &again.access_token)
        .await;
    assert_eq!(stats.status(), 200);

    // The audit log names the command, with no actor.
    let audit = json_of(
        app.get_bearer(
            "/api/v1/admin/audit-log?action=account.suspended",
            &again.access_token,
        )
        .await,
    )
    .await;
    let entry = &audit["items"][0];
    assert_eq!(entry["target"], id, "{audit}");
    assert_eq!(entry["ip"], "admin-accounts", "{audit}");

    assert_eq!(
        admin_accounts(&app, &["suspend", "00000000-0000-4000-8000-000000000000"]).0,
        4
    );
    assert_eq!(admin_accounts(&app, &["promote", id]).0, 2);
    assert_eq!(admin_accounts(&app, &[]).0, 2);
}
