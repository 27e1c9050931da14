//! Who may use the admin routes: nobody without a token, no student, no instructor.

use integration_tests::app::spawn_app;
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{as_user, seed_admin, send, signed_in_instructor, signed_in_student};

/// Every admin route with a body it would accept.
fn admin_routes(some_user: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::POST,
            "/api/v1/admin/admins".into(),
            Some(json!({
                "email": "someone@example.co.za", "phone": "0821112222",
                "password": "Kettle#Sunrise42", "first_name": "Some", "last_name": "One"
            })),
        ),
        (Method::GET, "/api/v1/admin/users?role=STUDENT".into(), None),
        (
            Method::POST,
            format!("/api/v1/admin/users/{some_user}/suspend"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{some_user}/reactivate"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/instructors/{some_user}/verify"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/instructors/{some_user}/reject"),
            None,
        ),
        (Method::GET, "/api/v1/admin/smtp-settings".into(), None),
        (
            Method::PUT,
            "/api/v1/admin/smtp-settings".into(),
            Some(json!({
                "host": "127.0.0.1", "port": 2525, "tls_mode": "none",
                "from_address": "no-reply@example.co.za", "current_password": "Kettle#Sunrise42"
            })),
        ),
        (
            Method::POST,
            "/api/v1/admin/smtp-settings/test".into(),
            Some(json!({"to": "ops@example.co.za"})),
        ),
        (Method::GET, "/api/v1/admin/audit-log".into(), None),
        (Method::GET, "/api/v1/admin/stats".into(), None),
    ]
}

#[tokio::test]
async fn every_admin_route_is_401_without_a_token_and_403_for_students_and_instructors() {
    let app = spawn_app().await;
    let student = signed_in_student(&app).await;
    let instructor = signed_in_instructor(&app).await;
    let admin = seed_admin(&app).await;

    for (method, path, body) in admin_routes(&student.user.user_id) {
        let with_body = |mut request: reqwest::RequestBuilder| {
            if let Some(body) = &body {
                request = request.json(body);
            }
            request
        };
        let anonymous = send(with_body(
            reqwest::Client::new().request(method.clone(), app.url(&path)),
        ))
        .await;
        assert_eq!(anonymous.status(), 401, "{method} {path} without a token");
        assert!(
            anonymous.headers().contains_key("www-authenticate"),
            "{method} {path}"
        );
        for (who, session) in [("student", &student), ("instructor", &instructor)] {
            let response = send(with_body(as_user(&app, session, method.clone(), &path))).await;
            assert_eq!(response.status(), 403, "{method} {path} as a {who}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{method} {path} as a {who}"
            );
        }
    }

    // Nothing a refused caller sent changed anything: the student is still active.
    let me = send(as_user(&app, &student, Method::GET, "/api/v1/users/me")).await;
    assert_eq!(me.status(), 200);
    // And an admin is let through (read-only routes, so the loop above stays meaningful).
    for path in [
        "/api/v1/admin/stats",
        "/api/v1/admin/audit-log",
        "/api/v1/admin/users",
    ] {
        let response = send(as_user(&app, &admin, Method::GET, path)).await;
        assert_eq!(response.status(), 200, "{path} as an admin");
    }
}
