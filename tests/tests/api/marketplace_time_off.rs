//! Instructor time off: no free times on a day away, no new lessons or reschedules into it,
//! and the lessons already booked on a new day away are named, not silently kept.

use integration_tests::accounts::LoggedIn;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use jiff::civil::{Date, Weekday};
use serde_json::{json, Value};
use shared::domain::lesson::local_date_of;

/// The first Tuesday at least three days ahead.
fn next_tuesday() -> Date {
    let mut date = local_date_of(jiff::Timestamp::now()) + jiff::Span::new().days(3);
    while date.weekday() != Weekday::Tuesday {
        date += jiff::Span::new().days(1);
    }
    date
}

async fn put_time_off(app: &TestApp, session: &LoggedIn, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/instructors/me/time-off"))
        .bearer_auth(&session.access_token)
        .json(&body)
        .send()
        .await
        .expect("send")
}

async fn slots(app: &TestApp, instructor_id: &str, date: &str) -> Vec<Value> {
    let response = app
        .get(&format!(
            "/api/v1/instructors/{instructor_id}/availability?date={date}"
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    body["slots"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn time_off_on_a_tuesday_empties_its_availability_and_refuses_lessons_on_it() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let tuesday = next_tuesday();
    let (tuesday_text, wednesday) = (
        tuesday.to_string(),
        (tuesday + jiff::Span::new().days(1)).to_string(),
    );
    let booked = app
        .book(
            &student,
            &instructor_user.user_id,
            &tuesday_text,
            "10:00",
            60,
        )
        .await;
    let elsewhere = app
        .book(&student, &instructor_user.user_id, &wednesday, "10:00", 60)
        .await;

    let saved = put_time_off(
        &app,
        &instructor,
        json!({"periods": [{"start_date": tuesday_text, "end_date": tuesday_text, "reason": "Family day"}]}),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.expect("JSON");
    assert_eq!(saved["periods"][0]["start_date"], tuesday_text.as_str());
    assert_eq!(saved["periods"][0]["reason"], "Family day");
    let affected = saved["affected_bookings"].as_array().expect("affected");
    assert_eq!(affected.len(), 1, "{saved}");
    assert_eq!(affected[0]["id"], booked["id"]);

    assert!(slots(&app, &instructor_user.user_id, &tuesday_text)
        .await
        .is_empty());
    assert!(!slots(&app, &instructor_user.user_id, &wednesday)
        .await
        .is_empty());

    let other = app.signed_in_student().await;
    let refused = app
        .post_booking(&other, &instructor_user.user_id, &tuesday_text, "14:00", 60)
        .await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.expect("JSON");
    assert_eq!(problem["errors"][0]["field"], "lesson_date", "{problem}");
    let id = elsewhere["id"].as_str().expect("id");
    let moved = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{id}/reschedule"),
            json!({"lesson_date": tuesday_text, "lesson_time": "14:00"}),
        )
        .await;
    assert_eq!(moved.status(), 422, "no reschedule onto a day away");

    let read = app
        .get_bearer("/api/v1/instructors/me/time-off", &instructor.access_token)
        .await;
    assert_eq!(read.status(), 200);
    let read: Value = read.json().await.expect("JSON");
    assert_eq!(read["periods"], saved["periods"]);
    // Saving the same list again adds no day: nothing is newly affected.
    let again = put_time_off(&app, &instructor, json!({"periods": read["periods"]})).await;
    let again: Value = again.json().await.expect("JSON");
    assert_eq!(again["affected_bookings"], json!([]));

    // Clearing it frees the day.
    let cleared = put_time_off(&app, &instructor, json!({"periods": []})).await;
    assert_eq!(cleared.status(), 200);
    assert!(!slots(&app, &instructor_user.user_id, &tuesday_text)
        .await
        .is_empty());
}

#[tokio::test]
async fn bad_time_off_is_422_and_only_instructors_have_any() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let day = working_day(3);
    let period = |start: &str, end: &str| json!({"start_date": start, "end_date": end});
    let too_many: Vec<Value> = (0..51).map(|_| period(&day, &day)).collect();
    let cases = [
        (json!({"periods": too_many}), "periods"),
        (
            json!({"periods": [period(&day, "2020-01-01")]}),
            "periods[0].end_date",
        ),
        (
            json!({"periods": [period("2020-01-01", "2020-01-02")]}),
            "periods[0].end_date",
        ),
        (
            json!({"periods": [period(&day, "2099-01-01")]}),
            "periods[0].end_date",
        ),
        (
            json!({"periods": [period("soon", &day)]}),
            "periods[0].start_date",
        ),
        (
            json!({"periods": [period(&day, &day), period(&day, &day)]}),
            "periods",
        ),
    ];
    for (body, field) in cases {
        let response = put_time_off(&app, &instructor, body.clone()).await;
        assert_eq!(response.status(), 422, "{field}");
        let problem: Value = response.json().await.expect("JSON");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let unknown = put_time_off(&app, &instructor, json!({"periods": [], "all": true})).await;
    assert_eq!(unknown.status(), 422, "unknown fields are refused");
    let by_student = put_time_off(&app, &student, json!({"periods": []})).await;
    assert_eq!(by_student.status(), 403);
}

#[tokio::test]
async fn time_off_routes_cost_a_constant_number_of_round_trips() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let tuesday = next_tuesday().to_string();
    let count = |before: u64| app.dynamodb_calls() - before;

    // Guard, limit, the profile update, and one query for the lessons on the new days.
    let before = app.dynamodb_calls();
    let body = json!({"periods": [{"start_date": tuesday, "end_date": tuesday}]});
    assert_eq!(
        put_time_off(&app, &instructor, body.clone()).await.status(),
        200
    );
    assert_eq!(count(before), 4, "PUT adding a day");
    let before = app.dynamodb_calls();
    assert_eq!(put_time_off(&app, &instructor, body).await.status(), 200);
    assert_eq!(count(before), 3, "PUT adding nothing: no query");
    let before = app.dynamodb_calls();
    let read = app
        .get_bearer("/api/v1/instructors/me/time-off", &instructor.access_token)
        .await;
    assert_eq!(read.status(), 200);
    assert_eq!(count(before), 2, "GET: the guard's read and the limit");
    // Limit, profile and the day's slot query, all at once (one round trip of latency): the
    // slots read starts before the profile says the day is away, and is then left unused.
    let before = app.dynamodb_calls();
    assert!(slots(&app, &instructor_user.user_id, &tuesday)
        .await
        .is_empty());
    assert_eq!(count(before), 3, "availability on a day away");
}

/// A booking whose check read the time off before a PUT changed it: its transaction fails on
/// the instructor's profile, so no lesson slips onto a day away unnamed.
#[tokio::test]
async fn a_booking_checked_against_old_time_off_is_refused_by_its_transaction() {
    use shared::domain::{LessonDuration, LessonSlot, Rands};
    use shared::store::bookings::{self, BookingRecord, BookingStatus};
    use shared::store::transact::{transact, TransactError};

    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let (db, table) = (&app.state.aws.dynamodb, &app.state.config.table_name);
    let read = |id: String| async move {
        shared::store::users::get(db, table, &id)
            .await
            .expect("read")
            .and_then(|u| u.instructor)
            .expect("an instructor")
            .time_off
    };
    let before = read(instructor_user.user_id.clone()).await;
    let tuesday = next_tuesday().to_string();
    let body = json!({"periods": [{"start_date": tuesday, "end_date": tuesday}]});
    assert_eq!(put_time_off(&app, &instructor, body).await.status(), 200);

    let slot = LessonSlot::parse(
        &tuesday,
        "10:00",
        LessonDuration::parse(60).expect("60"),
        jiff::Timestamp::now(),
    )
    .expect("slot");
    let booking = BookingRecord {
        id: uuid::Uuid::new_v4().to_string(),
        instructor_id: instructor_user.user_id.clone(),
        student_id: student.user.user_id.clone(),
        instructor_name: "I".into(),
        student_name: "S".into(),
        instructor_email: String::new(),
        student_email: String::new(),
        lesson_start: shared::domain::lesson::quarter_key(slot.start()),
        duration_minutes: 60,
        status: BookingStatus::Pending,
        price: Rands::from_cents(35_000),
        pickup_address: "1 Road".into(),
        pickup_latitude: None,
        pickup_longitude: None,
        created_at: shared::clock::now_rfc3339(),
        updated_at: shared::clock::now_rfc3339(),
        cancel_reason: None,
        cancelled_by: None,
        reviewed: false,
        rescheduled_from: None,
        reschedule_count: 0,
        payment: Default::default(),
    };
    let (items, positions) =
        bookings::create_items(table, &booking, &slot, &before).expect("items");
    match transact(db, items).await {
        Err(TransactError::ConditionFailed(failed)) => {
            assert_eq!(
                failed,
                vec![positions.instructor_profile],
                "only the time off"
            );
        }
        other => panic!("the stale check must fail the transaction: {other:?}"),
    }
    let now = read(instructor_user.user_id.clone()).await;
    let (items, _) = bookings::create_items(table, &booking, &slot, &now).expect("items");
    transact(db, items)
        .await
        .expect("checked against the current time off, the write goes through");
}
