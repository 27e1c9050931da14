//! SPEC §4 rules that hold for every route: problem documents, headers, limits, CORS.

use integration_tests::app::spawn_app;
use serde_json::Value;
use shared::http::security_headers::SECURITY_HEADERS;

fn assert_common_headers(response: &reqwest::Response, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            response
                .headers()
                .get(*name)
                .map(|v| v.to_str().unwrap_or("")),
            Some(*value),
            "{what}: header {name}"
        );
    }
    assert!(
        response.headers().contains_key("x-request-id"),
        "{what}: x-request-id"
    );
    assert!(
        !response.headers().contains_key("strict-transport-security"),
        "{what}: no HSTS on plain-HTTP local development"
    );
}

async fn assert_problem(response: reqwest::Response, status: u16, what: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "{what}");
    assert_common_headers(&response, what);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status, "{what}: {body}");
    assert_eq!(body["request_id"], request_id.as_str(), "{what}: {body}");
    for member in ["type", "title", "detail"] {
        assert!(body[member].is_string(), "{what}: {member} in {body}");
    }
    body
}

#[tokio::test]
async fn successful_responses_carry_every_security_header() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/health").await;
    assert_eq!(response.status(), 200);
    assert_common_headers(&response, "GET /health");
}

#[tokio::test]
async fn unknown_route_is_a_404_problem_with_the_common_headers() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/no-such-route").await;
    assert_problem(response, 404, "unknown route").await;
}

#[tokio::test]
async fn wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/health"))
        .send()
        .await
        .expect("send");
    assert_problem(response, 405, "DELETE /health").await;
}

#[tokio::test]
async fn a_70_kib_body_is_refused_with_413() {
    let app = spawn_app().await;
    let body = format!("{{\"padding\":\"{}\"}}", "a".repeat(70 * 1024));
    for path in ["/api/v1/health", "/api/v1/no-such-route"] {
        let response = app
            .client
            .post(app.url(path))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("send");
        assert_problem(response, 413, path).await;
    }
}

#[tokio::test]
async fn allowed_origin_gets_cors_with_credentials_and_others_get_none() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/health"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };

    let allowed = preflight("http://localhost:5173").await.expect("send");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    assert_common_headers(&allowed, "preflight");

    let foreign = preflight("https://evil.example").await.expect("send");
    assert!(!foreign
        .headers()
        .contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn ids_longer_than_any_real_id_are_404_before_the_table_is_touched() {
    let app = spawn_app().await;
    let long = "a".repeat(3000);
    for path in [
        format!("/api/v1/instructors/{long}/availability?date=2030-01-07"),
        format!("/api/v1/instructors/{long}"),
        format!("/api/v1/instructors/{long}/reviews"),
        "/api/v1/instructors/not%20an%20id".to_owned(),
    ] {
        let calls_before = app.dynamodb_calls();
        let response = app.get(&path).await;
        assert_problem(response, 404, &path[..60.min(path.len())]).await;
        assert_eq!(app.dynamodb_calls(), calls_before, "no DynamoDB call");
    }
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    for path in [
        format!("/api/v1/bookings/{long}"),
        format!("/api/v1/bookings/{}", "b".repeat(65)),
    ] {
        let response = app.get_bearer(&path, &session.access_token).await;
        assert_eq!(response.status(), 404, "{}", &path[..40]);
    }
}
