//! Weak and malformed registration input: 422 with the offending field named.

use integration_tests::accounts::{instructor_body, student_body};
use integration_tests::app::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn invalid_student_fields_are_named_in_a_422() {
    let app = spawn_app().await;
    let cases: &[(&str, Value, &str)] = &[
        ("email", "not-an-email".into(), "malformed email"),
        ("phone", "12345".into(), "short phone"),
        ("password", "short1!".into(), "too short"),
        ("password", "alllowercase1!".into(), "no uppercase"),
        ("password", "NoDigitsHere!".into(), "no digit"),
        ("password", "NoSpecial123".into(), "no special character"),
        ("password", "Password123!".into(), "common password"),
        (
            "password",
            format!("Aa1!{}", "x".repeat(130)).into(),
            "over 128 characters",
        ),
        ("id_number", "8001015009088".into(), "bad Luhn check digit"),
        ("id_number", "8002305009086".into(), "impossible birth date"),
        ("first_name", "".into(), "empty name"),
        ("province", "Atlantis".into(), "unknown province"),
        (
            "pickup_latitude",
            Value::from(-123.0),
            "latitude out of range",
        ),
    ];
    for (field, value, why) in cases {
        let mut body = student_body();
        body[*field] = value.clone();
        let response = app.register("student", &body).await;
        assert_eq!(response.status(), 422, "{why}");
        let problem: Value = response.json().await.expect("JSON");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.contains(field), "{why}: errors were {fields:?}");
    }
}

#[tokio::test]
async fn unknown_and_missing_fields_are_refused() {
    let app = spawn_app().await;
    let mut extra = student_body();
    extra["role"] = "ADMIN".into();
    let response = app.register("student", &extra).await;
    assert_eq!(response.status(), 422, "unknown field");
    let problem: Value = response.json().await.expect("JSON");
    assert_eq!(problem["errors"][0]["field"], "role");

    let mut missing = student_body();
    missing.as_object_mut().expect("object").remove("id_number");
    let response = app.register("student", &missing).await;
    assert_eq!(response.status(), 422, "missing field");
    let problem: Value = response.json().await.expect("JSON");
    assert_eq!(problem["errors"][0]["field"], "id_number");
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let mut body = instructor_body();
    body["hourly_rate"] = Value::from(-5.0);
    body["licence_number"] = "?".into();
    body["latitude"] = Value::from(200.0);
    let response = app.register("instructor", &body).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("JSON");
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(3),
        "{problem}"
    );
}

#[tokio::test]
async fn an_instructor_registers_with_a_rate_and_location() {
    let app = spawn_app().await;
    let response = app.register("instructor", &instructor_body()).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["role"], "INSTRUCTOR");
}

#[tokio::test]
async fn a_form_body_to_a_json_route_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/register/student"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a%40b.co&password=x")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 415);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}
