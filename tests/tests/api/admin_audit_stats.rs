//! The audit log (filters by action, actor and day; signed cursors) and the dashboard counters
//! (read from counter items, every shard in one `BatchGetItem`: a constant two round trips).

use integration_tests::accounts::{instructor_body, student_body};
use integration_tests::app::spawn_app;
use reqwest::Method;
use serde_json::Value;
use shared::store::stats;

use crate::admin_support::{as_user, json_of, seed_admin, send};

#[tokio::test]
async fn the_audit_log_filters_by_action_actor_and_day_and_pages_with_cursors() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let mut students = Vec::new();
    for _ in 0..3 {
        let response = app.register("student", &student_body()).await;
        students.push(
            json_of(response).await["user_id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    for id in &students {
        let path = format!("/api/v1/admin/users/{id}/suspend");
        assert_eq!(
            send(as_user(&app, &admin, Method::POST, &path))
                .await
                .status(),
            200
        );
    }
    let get = |path: String| {
        let request = as_user(&app, &admin, Method::GET, &path);
        async move {
            let response = send(request).await;
            assert_eq!(response.status(), 200, "{path}");
            json_of(response).await
        }
    };
    let actions = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["action"].as_str().map(str::to_owned))
            .collect()
    };

    let suspensions = get("/api/v1/admin/audit-log?action=account.suspended".into()).await;
    assert_eq!(actions(&suspensions), vec!["account.suspended"; 3]);
    let targets: Vec<&str> = suspensions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["target"].as_str())
        .collect();
    let newest_first: Vec<&str> = students.iter().rev().map(String::as_str).collect();
    assert_eq!(targets, newest_first);
    assert!(suspensions["items"][0]["ip"].is_string());
    assert_eq!(suspensions["items"][0]["outcome"], "success");

    let by_student = get(format!("/api/v1/admin/audit-log?actor={}", students[0])).await;
    assert_eq!(actions(&by_student), ["account.registered"]);

    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let yesterday = today.yesterday().expect("date");
    let tomorrow = today.tomorrow().expect("date");
    let today_only = get(format!(
        "/api/v1/admin/audit-log?action=account.suspended&from={today}&to={today}"
    ))
    .await;
    assert_eq!(actions(&today_only).len(), 3);
    let until_yesterday = get(format!("/api/v1/admin/audit-log?to={yesterday}")).await;
    assert_eq!(actions(&until_yesterday).len(), 0);
    let from_tomorrow = get(format!("/api/v1/admin/audit-log?from={tomorrow}")).await;
    assert_eq!(actions(&from_tomorrow).len(), 0);

    // One entry per page, following the cursor, yields the same three entries.
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/audit-log?action=account.suspended&limit=1".to_owned();
    for _ in 0..10 {
        let page = get(path.clone()).await;
        seen.extend(actions(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!(
                    "/api/v1/admin/audit-log?action=account.suspended&limit=1&cursor={cursor}"
                )
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);

    for (why, path) in [
        ("a malformed day", "/api/v1/admin/audit-log?from=01-02-2026"),
        (
            "a reversed range",
            "/api/v1/admin/audit-log?from=2026-02-02&to=2026-02-01",
        ),
        ("a forged cursor", "/api/v1/admin/audit-log?cursor=abc.def"),
        ("an unknown parameter", "/api/v1/admin/audit-log?sort=asc"),
    ] {
        let response = send(as_user(&app, &admin, Method::GET, path)).await;
        assert_eq!(response.status(), 400, "{why}");
    }
}

#[tokio::test]
async fn stats_come_from_counters_in_a_constant_two_round_trips() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    for _ in 0..2 {
        assert_eq!(app.register("student", &student_body()).await.status(), 201);
    }
    assert_eq!(
        app.register("instructor", &instructor_body())
            .await
            .status(),
        201
    );
    // A booking made now, counted the way the bookings group counts it.
    let table = &app.state.config.table_name;
    app.state
        .aws
        .dynamodb
        .transact_write_items()
        .transact_items(
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .update(
                    stats::booking_created_update(table, "b1", jiff::Timestamp::now())
                        .expect("update"),
                )
                .build(),
        )
        .send()
        .await
        .expect("count a booking");

    let before = app.dynamodb_calls();
    let response = send(as_user(&app, &admin, Method::GET, "/api/v1/admin/stats")).await;
    let calls = app.dynamodb_calls() - before;

    assert_eq!(response.status(), 200);
    let body = json_of(response).await;
    assert_eq!(body["users_by_role"]["STUDENT"], 2, "{body}");
    assert_eq!(body["users_by_role"]["INSTRUCTOR"], 1, "{body}");
    assert_eq!(body["users_by_role"]["ADMIN"], 1, "{body}");
    assert_eq!(body["total_users"], 4, "{body}");
    assert_eq!(body["pending_verifications"], 1, "{body}");
    assert_eq!(body["bookings_today"], 1, "{body}");
    assert_eq!(
        body["date"],
        stats::local_date(jiff::Timestamp::now()).as_str(),
        "{body}"
    );
    assert_eq!(calls, 2, "the session check and one read of the counters");
}
