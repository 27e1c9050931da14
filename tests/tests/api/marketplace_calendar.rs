//! Calendar feeds: the secret URL, the `.ics` answer as a standard iCalendar reader (Python's
//! `icalendar`, pinned in requirements-dev.txt) sees it, and rotation.

use std::io::Write as _;
use std::process::{Command, Stdio};

use integration_tests::accounts::LoggedIn;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use serde_json::{json, Value};

/// Reads a calendar with `icalendar` and prints its events as JSON.
const PARSE: &str = r#"
import json, sys
import icalendar
calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = []
for event in calendar.walk("VEVENT"):
    events.append({
        "uid": str(event["UID"]),
        "sequence": int(event.get("SEQUENCE", 0)),
        "status": str(event.get("STATUS", "")),
        "summary": str(event["SUMMARY"]),
        "location": str(event["LOCATION"]),
        "start": event.decoded("DTSTART").isoformat(),
        "end": event.decoded("DTEND").isoformat(),
        "stamp": event.decoded("DTSTAMP").isoformat(),
    })
print(json.dumps(events))
"#;

fn parse_with_icalendar(ics: &str) -> Vec<Value> {
    let python = local::stack::workspace_root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-python.sh",
        python.display()
    );
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(PARSE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ics.as_bytes())
        .expect("write the calendar");
    let output = child.wait_with_output().expect("python ends");
    assert!(
        output.status.success(),
        "icalendar refused the feed:\n{}\n{ics}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON events")
}

async fn feed_url(app: &TestApp, session: &LoggedIn, rotate: bool) -> String {
    let response = if rotate {
        app.post_as(session, "/api/v1/users/me/calendar-feed/rotate", json!({}))
            .await
    } else {
        app.get_bearer("/api/v1/users/me/calendar-feed", &session.access_token)
            .await
    };
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    body["url"].as_str().expect("url").to_owned()
}

/// The feed at `url` (on the test server), read without any credentials.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    let path = url
        .strip_prefix(&app.address)
        .expect("on the API's own URL");
    reqwest::get(app.url(path)).await.expect("send")
}

#[tokio::test]
async fn the_feed_parses_as_icalendar_with_reschedules_and_cancellations() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let (day, other_day) = (working_day(3), working_day(6));
    let moved = app
        .book(&student, &instructor_user.user_id, &day, "10:00", 60)
        .await;
    let moved_id = moved["id"].as_str().expect("id");
    let response = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{moved_id}/reschedule"),
            json!({"lesson_date": day, "lesson_time": "13:00", "duration_minutes": 90}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cancelled = app
        .book(&student, &instructor_user.user_id, &other_day, "09:00", 60)
        .await;
    let cancelled_id = cancelled["id"].as_str().expect("id");
    let response = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{cancelled_id}/cancel"),
            json!({"reason": "Exam moved"}),
        )
        .await;
    assert_eq!(response.status(), 200);

    let url = feed_url(&app, &student, false).await;
    assert!(
        url.starts_with(&format!("{}/api/v1/calendar/", app.address)),
        "{url}"
    );
    assert!(url.ends_with(".ics"));
    assert_eq!(
        feed_url(&app, &student, false).await,
        url,
        "the same URL each time"
    );

    let response = fetch(&app, &url).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/calendar"));
    let ics = response.text().await.expect("body");
    let events = parse_with_icalendar(&ics);
    assert_eq!(events.len(), 2, "{events:?}");
    let event = |id: &str| {
        events
            .iter()
            .find(|e| e["uid"] == id)
            .unwrap_or_else(|| panic!("{id} in {events:?}"))
            .clone()
    };
    let rescheduled = event(moved_id);
    assert_eq!(rescheduled["sequence"], 1, "moved once");
    assert_eq!(
        rescheduled["status"], "TENTATIVE",
        "pending again after the student's move"
    );
    assert_eq!(
        rescheduled["start"],
        format!("{day}T11:00:00+00:00").as_str()
    );
    assert_eq!(rescheduled["end"], format!("{day}T12:30:00+00:00").as_str());
    assert_eq!(
        rescheduled["summary"],
        format!(
            "Driving lesson with {}",
            moved["instructor_name"].as_str().unwrap_or("")
        )
        .as_str()
    );
    assert_eq!(
        rescheduled["location"], "12 Station Road, Observatory",
        "unescaped"
    );
    let gone = event(cancelled_id);
    assert_eq!(gone["status"], "CANCELLED");
    assert_eq!(gone["sequence"], 0);

    // The instructor's own feed names the student.
    let instructor_ics = fetch(&app, &feed_url(&app, &instructor, false).await)
        .await
        .text()
        .await
        .expect("body");
    let theirs = parse_with_icalendar(&instructor_ics);
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|e| e["summary"]
        == format!(
            "Driving lesson with {}",
            moved["student_name"].as_str().unwrap_or("")
        )
        .as_str()));
}

#[tokio::test]
async fn a_rotated_feed_url_answers_404_and_the_new_one_works() {
    let app = spawn_app().await;
    let student = app.signed_in_student().await;
    let old = feed_url(&app, &student, false).await;
    assert_eq!(fetch(&app, &old).await.status(), 200);

    let new = feed_url(&app, &student, true).await;
    assert_ne!(new, old);
    assert_eq!(fetch(&app, &old).await.status(), 404, "the old URL is dead");
    let response = fetch(&app, &new).await;
    assert_eq!(response.status(), 200);
    assert!(parse_with_icalendar(&response.text().await.expect("body")).is_empty());
    assert_eq!(
        feed_url(&app, &student, false).await,
        new,
        "GET shows the new one"
    );

    for bad in [
        "/api/v1/calendar/nothing.ics",
        "/api/v1/calendar/not-a-feed",
        &format!(
            "{}.ical",
            new.trim_end_matches(".ics")
                .rsplit('/')
                .next()
                .unwrap_or("")
        ),
    ] {
        let path = if bad.starts_with('/') {
            bad.to_owned()
        } else {
            format!("/api/v1/calendar/{bad}")
        };
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    // A suspended account's feed goes dark with it.
    let (db, table) = (&app.state.aws.dynamodb, &app.state.config.table_name);
    let record = shared::store::users::get(db, table, &student.user.user_id)
        .await
        .expect("read")
        .expect("the student");
    let suspend = shared::store::users::suspension_update(table, &record, app.state.clock.now())
        .expect("update");
    shared::store::transact::transact(db, vec![suspend])
        .await
        .expect("suspend");
    assert_eq!(fetch(&app, &new).await.status(), 404, "suspended");

    // A client without the session cookies `app.client` keeps.
    let anonymous = reqwest::get(app.url("/api/v1/users/me/calendar-feed"))
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401, "the URL itself needs a sign-in");
}

#[tokio::test]
async fn feed_routes_cost_a_constant_number_of_round_trips() {
    let app = spawn_app().await;
    let student = app.signed_in_student().await;
    let before = app.dynamodb_calls();
    let url = feed_url(&app, &student, false).await;
    assert_eq!(
        app.dynamodb_calls() - before,
        4,
        "first GET: guard, limit, read, install"
    );
    let before = app.dynamodb_calls();
    feed_url(&app, &student, false).await;
    assert_eq!(app.dynamodb_calls() - before, 3, "GET: guard, limit, read");
    assert_eq!(fetch(&app, &url).await.status(), 200);
    let before = app.dynamodb_calls();
    let url = feed_url(&app, &student, true).await;
    assert_eq!(
        app.dynamodb_calls() - before,
        4,
        "rotate: guard, limit, read, install"
    );
    let before = app.dynamodb_calls();
    assert_eq!(fetch(&app, &url).await.status(), 200);
    assert_eq!(
        app.dynamodb_calls() - before,
        4,
        "feed: limit, lookup, then the account and one query together"
    );
}
