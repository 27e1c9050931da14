use std::time::{Duration, Instant};

use integration_tests::app::{spawn_app, spawn_app_with, Options};
use serde_json::Value;

#[tokio::test]
async fn ready_reports_every_dependency_ok_with_its_latency() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/health/ready").await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["status"], "ok");
    for dependency in ["dynamodb", "kms", "secretsmanager"] {
        let check = &body["checks"][dependency];
        assert_eq!(check["status"], "ok", "{dependency}: {check}");
        assert!(
            check["latency_ms"].as_f64().is_some(),
            "{dependency}: {check}"
        );
    }
}

#[tokio::test]
async fn ready_answers_503_naming_each_dependency_when_the_aws_stack_is_down() {
    let mut app = spawn_app_with(Options {
        own_moto: true,
        ..Options::default()
    })
    .await;
    app.own_moto.as_mut().expect("own moto").stop();

    let started = Instant::now();
    let response = app.get("/api/v1/health/ready").await;
    let elapsed = started.elapsed();

    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("problem body");
    for dependency in ["dynamodb", "kms", "secretsmanager"] {
        assert_eq!(
            body["checks"][dependency]["status"], "unavailable",
            "{body}"
        );
        assert!(
            body["detail"].as_str().unwrap_or("").contains(dependency),
            "{body}"
        );
    }
    assert!(body["request_id"].is_string());
    // The probes are bounded by DEPENDENCY_TIMEOUT_MS (1.5 s in tests); a hang would show here.
    assert!(
        elapsed < app.state.config.dependency_timeout + Duration::from_secs(2),
        "readiness took {elapsed:?}"
    );
}

#[tokio::test]
async fn liveness_does_no_io_and_answers_while_the_aws_stack_is_down() {
    let mut app = spawn_app_with(Options {
        own_moto: true,
        ..Options::default()
    })
    .await;
    app.own_moto.as_mut().expect("own moto").stop();

    let response = app.get("/api/v1/health").await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["stage"], "local");
}

/// The docs page gets its own Content-Security-Policy (its inline scripts by hash, requests to
/// its own origin only) and keeps every other security header; the document beside it keeps the
/// API's `default-src 'none'`.
#[tokio::test]
async fn docs_page_is_swagger_ui_under_its_own_policy_and_nothing_else_is() {
    let app = spawn_app().await;

    let page = app.get("/api/v1/docs").await;

    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = health::DocsPage::get().content_security_policy.as_str();
    assert_eq!(page.headers()["content-security-policy"], policy);
    for directive in [
        "default-src 'none'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    for (name, value) in shared::http::security_headers::SECURITY_HEADERS {
        if *name != "content-security-policy" {
            assert_eq!(page.headers()[*name], *value, "{name}");
        }
    }
    let html = page.text().await.expect("a body");
    assert!(
        html.contains("SwaggerUIBundle({"),
        "the initialiser is inline"
    );
    assert!(html.contains(health::SWAGGER_UI_VERSION.trim()));

    let document = app.get("/api/v1/openapi.json").await;
    assert_eq!(
        document.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}
