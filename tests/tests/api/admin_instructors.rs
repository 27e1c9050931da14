//! Instructor verification: only verified instructors appear in public listings, and the
//! pending-verification counter follows every decision.

use integration_tests::accounts::LoggedIn;
use integration_tests::accounts::{instructor_body, student_body};
use integration_tests::app::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::Value;

use crate::admin_support::{as_user, json_of, seed_admin, send};

async fn pending(app: &TestApp, admin: &LoggedIn) -> Value {
    json_of(send(as_user(app, admin, Method::GET, "/api/v1/admin/stats")).await).await
        ["pending_verifications"]
        .clone()
}

async fn listed(app: &TestApp, instructor_id: &str) -> bool {
    let response = app.get("/api/v1/instructors?city=Stellenbosch").await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("body").contains(instructor_id)
}

async fn decide(app: &TestApp, admin: &LoggedIn, id: &str, decision: &str) -> reqwest::Response {
    send(as_user(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/admin/instructors/{id}/{decision}"),
    ))
    .await
}

#[tokio::test]
async fn only_verified_instructors_are_listed_and_the_pending_count_follows_decisions() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    // An instructor who has verified their email address: only the admin's decision is missing.
    let id = app
        .verified_user("instructor", instructor_body())
        .await
        .user_id;
    assert_eq!(pending(&app, &admin).await, 1);
    assert!(!listed(&app, &id).await, "listed before verification");

    let verified = decide(&app, &admin, &id, "verify").await;
    assert_eq!(verified.status(), 200);
    let body = json_of(verified).await;
    assert_eq!(body["verification"], "VERIFIED", "{body}");
    assert!(listed(&app, &id).await, "not listed after verification");
    assert_eq!(pending(&app, &admin).await, 0);

    let rejected = decide(&app, &admin, &id, "reject").await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(json_of(rejected).await["verification"], "REJECTED");
    assert!(!listed(&app, &id).await, "still listed after rejection");
    assert_eq!(
        pending(&app, &admin).await,
        0,
        "a decided instructor is not pending"
    );

    let audit = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/audit-log?action=instructor.verified",
        ))
        .await,
    )
    .await;
    assert_eq!(audit["items"][0]["target"], id.as_str(), "{audit}");
}

#[tokio::test]
async fn verifying_someone_who_is_not_an_instructor_is_404() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let student = app.register("student", &student_body()).await;
    let student_id = json_of(student).await["user_id"]
        .as_str()
        .expect("id")
        .to_owned();
    for id in [student_id.as_str(), "00000000-0000-4000-8000-000000000000"] {
        assert_eq!(
            decide(&app, &admin, id, "verify").await.status(),
            404,
            "{id}"
        );
        assert_eq!(
            decide(&app, &admin, id, "reject").await.status(),
            404,
            "{id}"
        );
    }
}
