//! Admin accounts and suspension: admins create admins (5 a day each), a suspension ends the
//! user's sessions at once, and the user list pages through signed cursors.

use integration_tests::accounts::{
    instructor_body, student_body, unique_email, unique_phone, PASSWORD,
};
use integration_tests::app::spawn_app;
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{as_user, json_of, seed_admin, send, signed_in_student};

fn new_admin_body() -> Value {
    json!({
        "email": unique_email(),
        "phone": unique_phone(),
        "password": PASSWORD,
        "first_name": "Naledi",
        "last_name": "Dlamini"
    })
}

#[tokio::test]
async fn the_sixth_admin_created_by_one_admin_in_a_day_is_429() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let mut created = Vec::new();
    for attempt in 1..=5 {
        let body = new_admin_body();
        let response =
            send(as_user(&app, &admin, Method::POST, "/api/v1/admin/admins").json(&body)).await;
        assert_eq!(response.status(), 201, "admin {attempt}");
        assert_eq!(
            response.headers()["ratelimit-policy"],
            "\"admin_create\";q=5;w=86400"
        );
        let answer = json_of(response).await;
        assert_eq!(answer["role"], "ADMIN", "{answer}");
        assert_eq!(answer["status"], "ACTIVE", "{answer}");
        created.push(body);
    }

    let sixth =
        send(as_user(&app, &admin, Method::POST, "/api/v1/admin/admins").json(&new_admin_body()))
            .await;

    assert_eq!(sixth.status(), 429);
    assert!(sixth.headers().contains_key("retry-after"));
    assert_eq!(sixth.headers()["content-type"], "application/problem+json");

    // A created admin is active at once: it signs in and may use the admin routes.
    let login = app
        .post_login(created[0]["email"].as_str().expect("email"), PASSWORD)
        .await;
    assert_eq!(login.status(), 200);
    let token = json_of(login).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let stats = app.get_bearer("/api/v1/admin/stats", &token).await;
    assert_eq!(stats.status(), 200);
    assert_eq!(json_of(stats).await["users_by_role"]["ADMIN"], 6);
    // The new admin's own allowance is separate.
    let by_new_admin = app
        .client
        .post(app.url("/api/v1/admin/admins"))
        .bearer_auth(&token)
        .json(&new_admin_body())
        .send()
        .await
        .expect("send");
    assert_eq!(by_new_admin.status(), 201);

    let audit = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            &format!(
                "/api/v1/admin/audit-log?action=admin.created&actor={}",
                admin.user.user_id
            ),
        ))
        .await,
    )
    .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(5), "{audit}");
}

#[tokio::test]
async fn an_admin_with_a_taken_email_is_409_and_invalid_fields_are_422() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let mut taken = new_admin_body();
    taken["email"] = json!(admin.user.email);
    let conflict =
        send(as_user(&app, &admin, Method::POST, "/api/v1/admin/admins").json(&taken)).await;
    assert_eq!(conflict.status(), 409);

    let invalid = send(
        as_user(&app, &admin, Method::POST, "/api/v1/admin/admins").json(&json!({
            "email": "nope", "phone": "12", "password": "short",
            "first_name": "", "last_name": "Dlamini"
        })),
    )
    .await;
    assert_eq!(invalid.status(), 422);
    let problem = json_of(invalid).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in ["email", "phone", "password", "first_name"] {
        assert!(fields.contains(&field), "{field}: {problem}");
    }
}

#[tokio::test]
async fn a_suspended_users_unexpired_access_token_is_refused_on_the_next_request() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let student = signed_in_student(&app).await;
    let me = "/api/v1/users/me";
    assert_eq!(
        app.get_bearer(me, &student.access_token).await.status(),
        200
    );

    let suspended = send(as_user(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/users/{}/suspend", student.user.user_id),
    ))
    .await;
    assert_eq!(suspended.status(), 200);
    assert_eq!(json_of(suspended).await["status"], "SUSPENDED");

    // The access token has minutes left, but its session was revoked with the suspension.
    let refused = app.get_bearer(me, &student.access_token).await;
    assert_eq!(refused.status(), 401);
    let refresh = reqwest::Client::new()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": student.refresh_token}))
        .send()
        .await
        .expect("send");
    assert!(
        matches!(refresh.status().as_u16(), 401 | 403),
        "refresh after suspension: {}",
        refresh.status()
    );
    let login = app
        .post_login(&student.user.email, &student.user.password)
        .await;
    assert_eq!(login.status(), 403, "a suspended account cannot sign in");

    let reactivated = send(as_user(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/users/{}/reactivate", student.user.user_id),
    ))
    .await;
    assert_eq!(reactivated.status(), 200);
    assert_eq!(json_of(reactivated).await["status"], "ACTIVE");
    let again = app.login(&student.user).await;
    assert_eq!(app.get_bearer(me, &again.access_token).await.status(), 200);
    // The token from before the suspension stays dead.
    assert_eq!(
        app.get_bearer(me, &student.access_token).await.status(),
        401
    );

    let audit = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            &format!("/api/v1/admin/audit-log?actor={}", admin.user.user_id),
        ))
        .await,
    )
    .await;
    let actions: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap_or(""),
                i["target"].as_str().unwrap_or(""),
            )
        })
        .filter(|(action, _)| action.starts_with("account."))
        .collect();
    let target = student.user.user_id.as_str();
    assert_eq!(
        actions,
        [
            ("account.reactivated", target),
            ("account.suspended", target)
        ],
        "{audit}"
    );
}

#[tokio::test]
async fn an_admin_cannot_suspend_themselves_and_unknown_users_are_404() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let own = send(as_user(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/users/{}/suspend", admin.user.user_id),
    ))
    .await;
    assert_eq!(own.status(), 409);
    let unknown = send(as_user(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users/00000000-0000-4000-8000-000000000000/suspend",
    ))
    .await;
    assert_eq!(unknown.status(), 404);
}

/// Every `user_id` of a listing, following `next_cursor` to the end.
async fn all_pages(
    app: &integration_tests::app::TestApp,
    admin: &integration_tests::accounts::LoggedIn,
    query: &str,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/admin/users?{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let response = send(as_user(app, admin, Method::GET, &path)).await;
        assert_eq!(response.status(), 200, "{path}");
        let page = json_of(response).await;
        pages += 1;
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        assert_eq!(page["has_more"], page["next_cursor"].is_string(), "{page}");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (items, pages),
        }
        assert!(pages < 20, "runaway pagination");
    }
}

#[tokio::test]
async fn the_user_list_filters_by_role_and_status_and_pages_newest_first() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let mut students = Vec::new();
    for _ in 0..3 {
        let response = app.register("student", &student_body()).await;
        assert_eq!(response.status(), 201);
        students.push(
            json_of(response).await["user_id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    for _ in 0..2 {
        assert_eq!(
            app.register("instructor", &instructor_body())
                .await
                .status(),
            201
        );
    }

    let (only_students, pages) = all_pages(&app, &admin, "role=STUDENT&limit=2").await;
    let ids: Vec<&str> = only_students
        .iter()
        .filter_map(|u| u["user_id"].as_str())
        .collect();
    let newest_first: Vec<&str> = students.iter().rev().map(String::as_str).collect();
    assert_eq!(ids, newest_first);
    assert_eq!(pages, 2);
    assert!(only_students.iter().all(|u| u["role"] == "STUDENT"));
    assert!(only_students
        .iter()
        .all(|u| u.get("password_hash").is_none()));

    let (everyone, _) = all_pages(&app, &admin, "limit=4").await;
    assert_eq!(everyone.len(), 6, "3 students, 2 instructors, 1 admin");
    let created: Vec<&str> = everyone
        .iter()
        .filter_map(|u| u["created_at"].as_str())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first across roles");

    let suspend = send(as_user(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/users/{}/suspend", students[1]),
    ))
    .await;
    assert_eq!(suspend.status(), 200);
    let (suspended, _) = all_pages(&app, &admin, "status=SUSPENDED&limit=1").await;
    let ids: Vec<&str> = suspended
        .iter()
        .filter_map(|u| u["user_id"].as_str())
        .collect();
    assert_eq!(ids, [students[1].as_str()]);
    let (pending_instructors, _) =
        all_pages(&app, &admin, "role=INSTRUCTOR&status=PENDING_VERIFICATION").await;
    assert_eq!(pending_instructors.len(), 2);

    // A cursor is bound to its query and signed; limits are bounded.
    let first = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/users?role=STUDENT&limit=1",
        ))
        .await,
    )
    .await;
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    for (why, path) in [
        (
            "another query",
            format!("/api/v1/admin/users?role=INSTRUCTOR&cursor={cursor}"),
        ),
        (
            "tampered",
            format!("/api/v1/admin/users?role=STUDENT&cursor={tampered}"),
        ),
        (
            "limit above 100",
            "/api/v1/admin/users?limit=101".to_owned(),
        ),
        (
            "unknown role",
            "/api/v1/admin/users?role=SUPERUSER".to_owned(),
        ),
        (
            "unknown status",
            "/api/v1/admin/users?status=GONE".to_owned(),
        ),
    ] {
        let response = send(as_user(&app, &admin, Method::GET, &path)).await;
        assert_eq!(response.status(), 400, "{why}");
    }
}
