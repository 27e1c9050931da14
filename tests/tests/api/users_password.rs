//! `POST /users/me/password` guesses the current password at every attempt: its own limit
//! (5 per 15 minutes per account, admins included) and an audit entry for each wrong one.

use integration_tests::accounts::LoggedIn;
use integration_tests::app::{spawn_app_with, Options, TestApp};
use reqwest::Method;
use serde_json::json;

use crate::admin_support::{as_user, json_of, seed_admin, send, signed_in_student};

async fn change(app: &TestApp, session: &LoggedIn, current: &str) -> reqwest::Response {
    send(
        as_user(app, session, Method::POST, "/api/v1/users/me/password").json(&json!({
            "current_password": current,
            "new_password": "Granite!Harbour77"
        })),
    )
    .await
}

#[tokio::test]
async fn the_sixth_wrong_current_password_is_429_for_students_and_admins_alike() {
    let app = spawn_app_with(Options {
        rate_limits: Some("register_ip=100/1h,verify_ip=100/1h".into()),
        ..Options::default()
    })
    .await;
    let admin = seed_admin(&app).await;
    let student = signed_in_student(&app).await;
    for (who, session) in [("student", &student), ("admin", &admin)] {
        for attempt in 1..=5 {
            let response = change(&app, session, "Wrong#Password1").await;
            assert_eq!(response.status(), 422, "{who} attempt {attempt}");
        }
        let sixth = change(&app, session, "Wrong#Password1").await;
        assert_eq!(sixth.status(), 429, "{who}");
        assert_eq!(
            sixth.headers()["ratelimit-policy"],
            "\"password_change\";q=5;w=900",
            "{who}"
        );
        // The right password waits for the window too: every attempt counts.
        let right = change(&app, session, &session.user.password).await;
        assert_eq!(right.status(), 429, "{who}");
    }

    let audit = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            &format!(
                "/api/v1/admin/audit-log?action=account.password_change_failed&actor={}",
                student.user.user_id
            ),
        ))
        .await,
    )
    .await;
    let items = audit["items"].as_array().expect("items");
    assert_eq!(items.len(), 5, "{audit}");
    assert!(items.iter().all(|i| i["outcome"] == "failure"), "{audit}");
}
