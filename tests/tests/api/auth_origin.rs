//! Login CSRF: the public auth routes refuse a browser `Origin` that is neither an allowed
//! origin nor the API's own, before any work, and set no cookie.

use integration_tests::app::spawn_app;
use serde_json::{json, Value};

const EVIL: &str = "https://evil.example";

#[tokio::test]
async fn a_form_login_from_a_foreign_origin_is_403_without_cookies_or_work() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let form = [
        ("username", user.email.as_str()),
        ("password", &user.password),
    ];

    let calls_before = app.dynamodb_calls();
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Origin", EVIL)
        .form(&form)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 403);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "a refused login sets no cookie"
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(problem["status"], 403);
    assert_eq!(
        app.dynamodb_calls(),
        calls_before,
        "refused before any limit is counted or any record read"
    );

    // The web app's origin, and the API's own (its docs page), sign in as before.
    for origin in ["http://localhost:5173", app.address.as_str()] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("Origin", origin)
            .form(&form)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{origin}");
        assert!(response.headers().get("set-cookie").is_some(), "{origin}");
    }
}

#[tokio::test]
async fn every_public_auth_route_refuses_a_foreign_origin() {
    let app = spawn_app().await;
    let cases: &[(&str, Value)] = &[
        ("/api/v1/auth/register/student", json!({})),
        ("/api/v1/auth/register/instructor", json!({})),
        ("/api/v1/auth/verify", json!({"token": "x"})),
        (
            "/api/v1/auth/resend-verification",
            json!({"email": "a@example.com"}),
        ),
        ("/api/v1/auth/refresh", json!({"refresh_token": "x"})),
        ("/api/v1/auth/logout", json!({"refresh_token": "x"})),
        (
            "/api/v1/auth/forgot-password",
            json!({"email": "a@example.com"}),
        ),
        (
            "/api/v1/auth/reset-password",
            json!({"token": "x", "new_password": "Another-Pass-42!"}),
        ),
    ];
    for (path, body) in cases {
        let calls_before = app.dynamodb_calls();
        let response = app
            .client
            .post(app.url(path))
            .header("Origin", EVIL)
            .json(body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 403, "{path}");
        assert!(response.headers().get("set-cookie").is_none(), "{path}");
        assert_eq!(app.dynamodb_calls(), calls_before, "{path}: no work done");
    }
}
