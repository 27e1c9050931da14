//! Rescheduling a lesson: the old time is free again, a taken time moves nothing, students
//! keep 24 hours' notice, and of twenty moves into one free time exactly one wins.

use futures::future::join_all;
use integration_tests::accounts::LoggedIn;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::mail;
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use serde_json::{json, Value};
use shared::domain::lesson::{local_date_of, local_hhmm};

async fn reschedule(
    app: &TestApp,
    session: &LoggedIn,
    id: &str,
    date: &str,
    time: &str,
) -> reqwest::Response {
    app.post_as(
        session,
        &format!("/api/v1/bookings/{id}/reschedule"),
        json!({"lesson_date": date, "lesson_time": time}),
    )
    .await
}

async fn booking(app: &TestApp, session: &LoggedIn, id: &str) -> Value {
    let response = app
        .get_bearer(&format!("/api/v1/bookings/{id}"), &session.access_token)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

async fn free_starts(app: &TestApp, instructor_id: &str, date: &str) -> Vec<String> {
    let response = app
        .get(&format!(
            "/api/v1/instructors/{instructor_id}/availability?date={date}&duration_minutes=60"
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn id_of(booking: &Value) -> String {
    booking["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_student_moves_a_lesson_to_a_free_time_and_the_old_time_is_bookable_again() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let booked = app
        .book(&student, &instructor_user.user_id, &date, "10:00", 60)
        .await;
    let id = id_of(&booked);
    let confirm = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(confirm.status(), 200);

    let moved = reschedule(&app, &student, &id, &date, "14:00").await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.expect("JSON");
    assert_eq!(moved["id"], id.as_str(), "the booking keeps its id");
    assert_eq!(moved["lesson_start"], format!("{date}T12:00:00Z").as_str());
    assert_eq!(moved["rescheduled_from"], booked["lesson_start"]);
    assert_eq!(
        moved["status"], "pending",
        "the instructor confirms a time the student chose"
    );
    assert_eq!(moved["price"], booked["price"], "same length, same price");
    assert_eq!(
        booking(&app, &student, &id).await,
        moved,
        "stored as answered"
    );
    mail::wait_for_mail_containing(&app.mail_dir, &instructor_user.email, "rescheduled").await;

    let free = free_starts(&app, &instructor_user.user_id, &date).await;
    assert!(free.contains(&"10:00".to_owned()), "{free:?}");
    assert!(!free.contains(&"14:00".to_owned()), "{free:?}");
    let other = app.signed_in_student().await;
    app.book(&other, &instructor_user.user_id, &date, "10:00", 60)
        .await;
    let again = app
        .post_booking(&student, &instructor_user.user_id, &date, "10:00", 60)
        .await;
    assert_eq!(
        again.status(),
        409,
        "the instructor's 10:00 is now the other student's"
    );
    let body: Value = again.json().await.expect("JSON");
    assert!(body["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("no longer available"));
}

#[tokio::test]
async fn a_move_into_a_taken_time_is_409_and_leaves_both_bookings_as_they_were() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let first = app.signed_in_student().await;
    let second = app.signed_in_student().await;
    let date = working_day(4);
    let a = app
        .book(&first, &instructor.user_id, &date, "10:00", 60)
        .await;
    let b = app
        .book(&second, &instructor.user_id, &date, "12:00", 60)
        .await;

    let taken = reschedule(&app, &first, &id_of(&a), &date, "11:30").await;
    assert_eq!(taken.status(), 409, "11:30-12:30 overlaps 12:00");
    assert_eq!(booking(&app, &first, &id_of(&a)).await, a);
    assert_eq!(booking(&app, &second, &id_of(&b)).await, b);
    let free = free_starts(&app, &instructor.user_id, &date).await;
    assert!(
        !free.contains(&"10:00".to_owned()) && !free.contains(&"12:00".to_owned()),
        "both times still held: {free:?}"
    );

    // Half an hour later overlaps only itself: the quarters it keeps stay, the rest move.
    let nudged = reschedule(&app, &first, &id_of(&a), &date, "10:30").await;
    assert_eq!(nudged.status(), 200);
    let free = free_starts(&app, &instructor.user_id, &date).await;
    assert!(free.contains(&"09:30".to_owned()), "{free:?}");
    assert!(
        !free.contains(&"10:00".to_owned()),
        "10:30-11:30 is held: {free:?}"
    );
    let released = app
        .post_booking(&second, &instructor.user_id, &date, "09:00", 90)
        .await;
    assert_eq!(released.status(), 201, "10:00-10:30 was released");
    let kept = app
        .post_booking(&second, &instructor.user_id, &date, "11:15", 30)
        .await;
    assert_eq!(kept.status(), 409, "11:15 is still the moved lesson's");
}

#[tokio::test]
async fn students_keep_24_hours_notice_and_instructors_keep_the_status() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    // Every day, all day, so a lesson a few hours from now is bookable whatever the time.
    let all_day: Value = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|day| ((*day).to_owned(), json!([["00:00", "24:00"]])))
    .collect::<serde_json::Map<_, _>>()
    .into();
    let patch = app
        .client
        .patch(app.url("/api/v1/instructors/me"))
        .bearer_auth(&instructor.access_token)
        .json(&json!({"working_hours": all_day}))
        .send()
        .await
        .expect("send");
    assert_eq!(patch.status(), 200);
    let mut start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3);
    start = jiff::Timestamp::from_second(start.as_second() - start.as_second() % 900 + 900)
        .expect("quarter");
    if local_hhmm(start).as_str() > "23:00" {
        start += jiff::SignedDuration::from_hours(2);
    }
    let (date, time) = (local_date_of(start).to_string(), local_hhmm(start));
    let soon = app
        .book(&student, &instructor_user.user_id, &date, &time, 30)
        .await;
    let id = id_of(&soon);
    let confirm = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(confirm.status(), 200);

    let later = working_day(5);
    let refused = reschedule(&app, &student, &id, &later, "10:00").await;
    assert_eq!(refused.status(), 409, "within 24 hours of the lesson");
    let by_instructor = reschedule(&app, &instructor, &id, &later, "10:00").await;
    assert_eq!(by_instructor.status(), 200);
    let moved: Value = by_instructor.json().await.expect("JSON");
    assert_eq!(
        moved["status"], "confirmed",
        "an instructor's move keeps the status"
    );
    mail::wait_for_mail_containing(&app.mail_dir, &student.user.email, "rescheduled").await;

    let cancel = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Moved away"}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    let cancelled = reschedule(&app, &student, &id, &later, "12:00").await;
    assert_eq!(
        cancelled.status(),
        409,
        "a cancelled lesson stays cancelled"
    );
    let other = app.signed_in_student().await;
    let stranger = reschedule(&app, &other, &id, &later, "12:00").await;
    assert_eq!(stranger.status(), 404, "another student's booking");
}

#[tokio::test]
async fn bad_reschedule_times_are_422_field_by_field() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let booked = app
        .book(&student, &instructor.user_id, &date, "09:00", 60)
        .await;
    let id = id_of(&booked);
    let cases = [
        (
            json!({"lesson_date": date, "lesson_time": "19:00"}),
            "lesson_time",
        ),
        (
            json!({"lesson_date": date, "lesson_time": "10:10"}),
            "lesson_time",
        ),
        (
            json!({"lesson_date": "2099-01-06", "lesson_time": "10:00"}),
            "lesson_date",
        ),
        (
            json!({"lesson_date": date, "lesson_time": "10:00", "duration_minutes": 50}),
            "duration_minutes",
        ),
        (
            json!({"lesson_date": date, "lesson_time": "09:00"}),
            "lesson_time",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post_as(
                &student,
                &format!("/api/v1/bookings/{id}/reschedule"),
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.expect("JSON");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    assert_eq!(booking(&app, &student, &id).await, booked, "nothing moved");
}

#[tokio::test]
async fn twenty_reschedules_into_one_free_time_have_exactly_one_winner() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let students = join_all((0..20).map(|_| app.signed_in_student())).await;
    let (day_one, day_two) = (working_day(3), working_day(10));
    // Twenty 30-minute lessons on two days, each its own student.
    let mut bookings = Vec::new();
    for (i, student) in students.iter().enumerate() {
        let (day, slot) = if i < 10 {
            (&day_one, i)
        } else {
            (&day_two, i - 10)
        };
        let minute = 8 * 60 + 30 * slot;
        let time = format!("{:02}:{:02}", minute / 60, minute % 60);
        bookings.push(app.book(student, &instructor.user_id, day, &time, 30).await);
    }

    let responses = join_all(students.iter().zip(&bookings).map(|(student, b)| {
        reschedule(
            &app,
            student,
            b["id"].as_str().unwrap_or(""),
            &day_one,
            "15:00",
        )
    }))
    .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );

    let winner = statuses.iter().position(|s| *s == 200).expect("a winner");
    for (i, (student, before)) in students.iter().zip(&bookings).enumerate() {
        let now = booking(&app, student, &id_of(before)).await;
        if i == winner {
            assert_eq!(now["lesson_start"], format!("{day_one}T13:00:00Z").as_str());
        } else {
            assert_eq!(&now, before, "a loser's booking is unchanged");
        }
    }
    let free = free_starts(&app, &instructor.user_id, &day_one).await;
    assert!(!free.contains(&"15:00".to_owned()), "{free:?}");
}

#[tokio::test]
async fn a_reschedule_costs_five_round_trips_for_a_student_and_four_for_the_instructor() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let id = id_of(
        &app.book(&student, &instructor_user.user_id, &date, "08:00", 60)
            .await,
    );
    // Guard, limit, booking, instructor, transaction; the instructor is the signed-in user.
    for (session, time, expected) in [(&student, "09:00", 5), (&instructor, "11:00", 4)] {
        let before = app.dynamodb_calls();
        let response = reschedule(&app, session, &id, &date, time).await;
        assert_eq!(response.status(), 200);
        assert_eq!(app.dynamodb_calls() - before, expected, "{time}");
    }
}

#[tokio::test]
async fn a_student_cannot_move_a_lesson_onto_their_own_other_lesson() {
    let app = spawn_app().await;
    let first = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let second = app
        .listed_instructor(&integration_tests::marketplace::STELLENBOSCH, 300.0)
        .await;
    let student = app.signed_in_student().await;
    let date = working_day(5);
    let a = app.book(&student, &first.user_id, &date, "09:00", 60).await;
    let b = app
        .book(&student, &second.user_id, &date, "13:00", 60)
        .await;

    let overlap = reschedule(&app, &student, &id_of(&a), &date, "13:30").await;
    assert_eq!(overlap.status(), 409);
    let problem: Value = overlap.json().await.expect("JSON");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already have a lesson"),
        "{problem}"
    );
    assert_eq!(booking(&app, &student, &id_of(&a)).await, a);
    assert_eq!(booking(&app, &student, &id_of(&b)).await, b);
}
