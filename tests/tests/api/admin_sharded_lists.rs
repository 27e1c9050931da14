//! The sharded keys (`shared::store::shards`): bookings and audit entries spread over every
//! shard still list newest first, the pages joined equal the whole list with no gaps or
//! repeats, filters apply across the shards, a page is one `Query` per shard whatever the data;
//! the stats counters are summed over their shards, items written before sharding included.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::accounts::LoggedIn;
use integration_tests::app::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::Value;
use shared::audit::{AuditEntry, Outcome};
use shared::clock::Clock;
use shared::store::bookings::{BookingRecord, BookingStatus};
use shared::store::shards::{shard_of, SHARDS};
use shared::store::stats;

use crate::admin_support::{as_user, json_of, seed_admin, send};

/// Every page of `path` (which has a `limit`), following the cursors: (the pages' `field`
/// values, the DynamoDB round trips of each page).
async fn all_pages(
    app: &TestApp,
    admin: &LoggedIn,
    path: &str,
    field: &str,
) -> (Vec<Vec<String>>, Vec<u64>) {
    let (mut pages, mut calls) = (Vec::new(), Vec::new());
    let mut next = path.to_owned();
    for _ in 0..100 {
        let before = app.dynamodb_calls();
        let response = send(as_user(app, admin, Method::GET, &next)).await;
        calls.push(app.dynamodb_calls() - before);
        assert_eq!(response.status(), 200, "{next}");
        let page = json_of(response).await;
        pages.push(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item[field].as_str().expect(field).to_owned())
                .collect(),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&cursor={cursor}"),
            None => return (pages, calls),
        }
    }
    panic!("{path}: more than 100 pages");
}

fn joined(pages: &[Vec<String>]) -> Vec<String> {
    let all: Vec<String> = pages.concat();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "an item on two pages");
    all
}

/// Latest lesson first, as the list orders them: by `<start>#<id>`.
fn newest_first(bookings: &[BookingRecord]) -> Vec<String> {
    let mut keyed: Vec<(String, String)> = bookings
        .iter()
        .map(|b| (format!("{}#{}", b.lesson_start, b.id), b.id.clone()))
        .collect();
    keyed.sort_by(|a, b| b.0.cmp(&a.0));
    keyed.into_iter().map(|(_, id)| id).collect()
}

#[tokio::test]
async fn the_admin_bookings_list_pages_across_every_shard_newest_first() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let student = uuid::Uuid::new_v4().to_string();
    let instructor = uuid::Uuid::new_v4().to_string();
    let (empty, calls_when_empty) = all_pages(&app, &admin, "/api/v1/bookings?limit=5", "id").await;
    assert_eq!(empty, [Vec::<String>::new()]);
    // Two seeds with the same lesson starts: equal starts are ordered by the booking id.
    let mut made = app
        .seed_bookings(&student, &instructor, 30, BookingStatus::Confirmed)
        .await;
    let completed = app
        .seed_bookings(&student, &instructor, 13, BookingStatus::Completed)
        .await;
    made.extend(completed.iter().cloned());
    let shards: HashSet<usize> = made.iter().map(|b| shard_of(&b.id)).collect();
    assert!(shards.len() >= 4, "43 bookings on {} shards", shards.len());

    // A booking indexed before sharding sits in the unsharded partition, and is still listed.
    let legacy = made
        .iter()
        .find(|b| shard_of(&b.id) != 0)
        .expect("a booking of another shard");
    app.state
        .aws
        .dynamodb
        .update_item()
        .table_name(&app.state.config.table_name)
        .set_key(Some(shared::store::bookings::booking_key(&legacy.id)))
        .update_expression("SET GSI3PK = :old")
        .expression_attribute_values(":old", AttributeValue::S("BOOKINGS".into()))
        .send()
        .await
        .expect("index the booking as before sharding");

    let (pages, calls) = all_pages(&app, &admin, "/api/v1/bookings?limit=5", "id").await;
    assert_eq!(joined(&pages), newest_first(&made));
    assert_eq!(pages.len(), 9, "43 bookings, 5 a page");
    assert!(pages[..8].iter().all(|p| p.len() == 5), "{pages:?}");
    // The guard's read and one query per shard (admins are not rate limited): on every page
    // alike.
    assert!(calls.iter().all(|c| *c == 1 + SHARDS as u64), "{calls:?}");
    assert_eq!(
        calls_when_empty,
        [calls[0]],
        "round trips changed with the data"
    );

    let (pages, _) = all_pages(
        &app,
        &admin,
        "/api/v1/bookings?status=completed&limit=4",
        "id",
    )
    .await;
    assert_eq!(joined(&pages), newest_first(&completed));
}

/// An audit entry by `actor` of `action` at `at`, its target naming it.
fn entry(actor: &str, action: &'static str, at: &str, target: String) -> AuditEntry {
    AuditEntry {
        actor: Some(actor.to_owned()),
        action,
        target: Some(target),
        ip: "192.0.2.1".into(),
        outcome: Outcome::Success,
        detail: None,
        at: Clock::fixed(at.parse().expect("time")).now(),
    }
}

/// An entry the test wrote: its target (which names it), action, UTC day and actor.
struct Written {
    target: String,
    action: &'static str,
    day: String,
    actor: &'static str,
}

type Keep = dyn Fn(&Written) -> bool;

#[tokio::test]
async fn the_audit_log_pages_across_every_shard_newest_first_with_its_filters() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let (db, table) = (&app.state.aws.dynamodb, &app.state.config.table_name);
    // 36 entries, an hour apart over 10–11 January: alternately alpha and beta, a third of
    // them by one actor.
    let mut written = Vec::new();
    for i in 0..36_u32 {
        let at = format!("2026-01-{:02}T{:02}:00:00.000Z", 10 + i / 24, i % 24);
        let action = if i % 2 == 0 {
            "test.alpha"
        } else {
            "test.beta"
        };
        let actor = if i % 3 == 0 { "actor-x" } else { "actor-y" };
        let target = format!("t-{i:02}");
        entry(actor, action, &at, target.clone())
            .record(db, table)
            .await;
        written.push(Written {
            target,
            action,
            day: at[..10].to_owned(),
            actor,
        });
    }
    // Newest first: the reverse of the order written.
    let expect = |keep: &Keep| -> Vec<String> {
        written
            .iter()
            .rev()
            .filter(|e| keep(e))
            .map(|e| e.target.clone())
            .collect()
    };

    let (pages, calls) = all_pages(&app, &admin, "/api/v1/admin/audit-log?limit=3", "target").await;
    let everything: Vec<String> = joined(&pages)
        .into_iter()
        .filter(|t| t.starts_with("t-"))
        .collect();
    assert_eq!(everything, expect(&|_| true));
    // The guard's read and one query per shard (admins are not rate limited).
    assert!(calls.iter().all(|c| *c == 1 + SHARDS as u64), "{calls:?}");
    let (ids, _) = all_pages(
        &app,
        &admin,
        "/api/v1/admin/audit-log?limit=100",
        "audit_id",
    )
    .await;
    let shards: HashSet<usize> = ids.concat().iter().map(|id| shard_of(id)).collect();
    assert!(shards.len() >= 4, "36 entries on {} shards", shards.len());

    let cases: [(&str, &Keep); 5] = [
        ("action=test.alpha&limit=2", &|e| e.action == "test.alpha"),
        // Both ends of a day range, so each page's query is a BETWEEN up to the cursor.
        ("from=2026-01-11&to=2026-01-11&limit=2", &|e| {
            e.day == "2026-01-11"
        }),
        (
            "from=2026-01-10&to=2026-01-10&action=test.beta&limit=2",
            &|e| e.day == "2026-01-10" && e.action == "test.beta",
        ),
        ("to=2026-01-10&limit=6", &|e| e.day == "2026-01-10"),
        ("actor=actor-x&limit=2", &|e| e.actor == "actor-x"),
    ];
    for (query, keep) in cases {
        let path = format!("/api/v1/admin/audit-log?{query}");
        let (pages, _) = all_pages(&app, &admin, &path, "target").await;
        let found: Vec<String> = joined(&pages)
            .into_iter()
            .filter(|t| t.starts_with("t-"))
            .collect();
        assert_eq!(found, expect(keep), "{query}");
    }

    // A cursor of one filter is refused by another, and a forged one, as before.
    let first = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/audit-log?action=test.alpha&limit=2",
        ))
        .await,
    )
    .await;
    let cursor = first["next_cursor"].as_str().expect("a cursor");
    for path in [
        format!("/api/v1/admin/audit-log?action=test.beta&limit=2&cursor={cursor}"),
        "/api/v1/admin/audit-log?limit=2&cursor=e30.AAAA".to_owned(),
    ] {
        let response = send(as_user(&app, &admin, Method::GET, &path)).await;
        assert_eq!(response.status(), 400, "{path}");
    }
}

#[tokio::test]
async fn the_stats_sum_every_shard_and_what_was_counted_before_sharding() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let (db, table) = (&app.state.aws.dynamodb, &app.state.config.table_name);
    let now = jiff::Timestamp::now();
    let date = stats::local_date(now);
    // Three bookings counted the old way, on the unsharded day item.
    db.update_item()
        .table_name(table)
        .key("PK", AttributeValue::S(format!("STATS#BOOKINGS#{date}")))
        .key("SK", AttributeValue::S("COUNTERS".into()))
        .update_expression("ADD bookings_created :three")
        .expression_attribute_values(":three", AttributeValue::N("3".into()))
        .send()
        .await
        .expect("a counter from before sharding");
    // 24 bookings and 24 students counted now, each on its own id's shard.
    for _ in 0..24 {
        let id = uuid::Uuid::new_v4().to_string();
        let writes = vec![
            shared::store::transact::Write::from(
                stats::booking_created_update(table, &id, now).expect("update"),
            ),
            shared::store::transact::Write::from(
                stats::user_created_update(table, shared::auth::Role::Student, &id)
                    .expect("update"),
            ),
        ];
        shared::store::transact::transact(db, writes)
            .await
            .expect("count");
    }
    let counters = db
        .scan()
        .table_name(table)
        .filter_expression("begins_with(PK, :day)")
        .expression_attribute_values(":day", AttributeValue::S(format!("STATS#BOOKINGS#{date}")))
        .send()
        .await
        .expect("scan the day's counters");
    assert!(
        counters.items().len() >= 4,
        "the day's bookings on {} items",
        counters.items().len()
    );

    let before = app.dynamodb_calls();
    let response = send(as_user(&app, &admin, Method::GET, "/api/v1/admin/stats")).await;
    assert_eq!(
        app.dynamodb_calls() - before,
        2,
        "the guard and one BatchGetItem"
    );
    assert_eq!(response.status(), 200);
    let body: Value = json_of(response).await;
    assert_eq!(body["bookings_today"], 27, "{body}");
    assert_eq!(body["users_by_role"]["STUDENT"], 24, "{body}");
    assert_eq!(body["users_by_role"]["ADMIN"], 1, "{body}");
    assert_eq!(body["total_users"], 25, "{body}");
}
