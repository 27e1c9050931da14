//! Changing the SMTP settings cannot be turned against the users: the stored password follows
//! only the same server, and every change needs the admin's own password (limited, audited).

use integration_tests::accounts::PASSWORD;
use integration_tests::app::{spawn_app, spawn_app_with, Options, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{as_user, json_of, seed_admin, send};

const SMTP_PATH: &str = "/api/v1/admin/smtp-settings";

fn settings() -> Value {
    json!({
        "host": "smtp.example.co.za",
        "port": 587,
        "tls_mode": "starttls",
        "username": "drive-alive-mailer",
        "password": "Sealed#Mailer-Pass5",
        "from_address": "Drive Alive <no-reply@example.co.za>",
        "current_password": PASSWORD
    })
}

fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn audit_entries(
    app: &TestApp,
    admin: &integration_tests::accounts::LoggedIn,
    action: &str,
) -> Vec<Value> {
    let page = json_of(
        send(as_user(
            app,
            admin,
            Method::GET,
            &format!("/api/v1/admin/audit-log?action={action}"),
        ))
        .await,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_new_host_port_username_or_tls_mode_without_the_password_is_422_naming_password() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let saved = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&settings())).await;
    assert_eq!(saved.status(), 200);

    let changes = [
        ("host", json!("smtp.attacker.example")),
        ("port", json!(2525)),
        ("username", json!("someone-else")),
        ("tls_mode", json!("tls")),
    ];
    for (field, value) in changes {
        let mut body = settings();
        body.as_object_mut().expect("object").remove("password");
        body[field] = value;
        let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&body)).await;
        assert_eq!(response.status(), 422, "{field}");
        let problem = json_of(response).await;
        assert_eq!(error_fields(&problem), ["password"], "{field}: {problem}");
    }
    let view = json_of(send(as_user(&app, &admin, Method::GET, SMTP_PATH)).await).await;
    assert_eq!(
        view["host"], "smtp.example.co.za",
        "nothing changed: {view}"
    );

    // With the password sent again the new server is saved.
    let mut moved = settings();
    moved["host"] = json!("smtp2.example.co.za");
    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&moved)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_change_needs_the_admins_current_password_and_wrong_ones_are_audited() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;

    let mut missing = settings();
    missing
        .as_object_mut()
        .expect("object")
        .remove("current_password");
    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&missing)).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_fields(&json_of(response).await), ["current_password"]);

    let mut wrong = settings();
    wrong["current_password"] = json!("Not#The-Admins-Pass1");
    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&wrong)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let view = json_of(send(as_user(&app, &admin, Method::GET, SMTP_PATH)).await).await;
    assert_eq!(view["configured"], false, "nothing saved: {view}");

    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&settings())).await;
    assert_eq!(response.status(), 200);

    let failed = audit_entries(&app, &admin, "smtp_settings.step_up_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["outcome"], "failure");
    assert_eq!(failed[0]["actor"], admin.user.user_id.as_str());
    let changed = audit_entries(&app, &admin, "smtp_settings.changed").await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    let everything = serde_json::to_string(&(failed, changed)).expect("JSON");
    assert!(!everything.contains("Not#The-Admins-Pass1") && !everything.contains(PASSWORD));
}

#[tokio::test]
async fn step_up_attempts_are_limited_for_admins_too() {
    let app = spawn_app_with(Options {
        rate_limits: Some("smtp_step_up=3/15m".into()),
        ..Options::default()
    })
    .await;
    let admin = seed_admin(&app).await;
    let mut wrong = settings();
    wrong["current_password"] = json!("Not#The-Admins-Pass1");
    for attempt in 1..=3 {
        let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&wrong)).await;
        assert_eq!(response.status(), 403, "attempt {attempt}");
    }
    // Even the right password waits for the window now.
    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&settings())).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        response.headers()["ratelimit-policy"],
        "\"smtp_step_up\";q=3;w=900"
    );
}
