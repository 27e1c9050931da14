//! Booking a lesson: races, overlaps, the lifecycle and who may do what.

use futures::future::join_all;
use integration_tests::app::spawn_app;
use integration_tests::mail;
use integration_tests::marketplace::{working_day, CAPE_TOWN, STELLENBOSCH};
use serde_json::{json, Value};
use shared::schema::{GSI1, PARTITION_KEY};
use shared::store::bookings::{instructor_index_pk, slot_pk, Party};

#[tokio::test]
async fn twenty_students_racing_for_one_slot_get_one_201_and_nineteen_409s() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let students = join_all((0..20).map(|_| app.signed_in_student())).await;
    let date = working_day(3);

    let responses = join_all(
        students
            .iter()
            .map(|s| app.post_booking(s, &instructor.user_id, &date, "10:00", 60)),
    )
    .await;

    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );

    // Exactly one booking and its four quarter-hour slots for the instructor.
    let db = &app.state.aws.dynamodb;
    let table = &app.state.config.table_name;
    let bookings = db
        .query()
        .table_name(table)
        .index_name(GSI1.name)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", GSI1.partition_key)
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(instructor_index_pk(&instructor.user_id)),
        )
        .send()
        .await
        .expect("query");
    assert_eq!(bookings.count(), 1);
    let slots = db
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(slot_pk(
                Party::Instructor,
                &instructor.user_id,
            )),
        )
        .send()
        .await
        .expect("query");
    assert_eq!(
        slots.count(),
        4,
        "a 60-minute lesson holds four quarter hours"
    );
}

#[tokio::test]
async fn overlapping_lessons_are_refused_for_the_instructor_and_for_the_student() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let other_instructor = app.listed_instructor(&STELLENBOSCH, 300.0).await;
    let first = app.signed_in_student().await;
    let second = app.signed_in_student().await;
    let date = working_day(4);

    app.book(&first, &instructor.user_id, &date, "10:00", 60)
        .await;

    let overlap = app
        .post_booking(&second, &instructor.user_id, &date, "10:30", 60)
        .await;
    assert_eq!(overlap.status(), 409, "10:30 against a 10:00-11:00 lesson");
    let body: Value = overlap.json().await.expect("JSON");
    assert!(body["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("no longer available"));

    let double = app
        .post_booking(&first, &other_instructor.user_id, &date, "10:45", 30)
        .await;
    assert_eq!(
        double.status(),
        409,
        "the student already has a lesson then"
    );
    let body: Value = double.json().await.expect("JSON");
    assert!(body["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("already have a lesson"));

    let adjacent = app
        .post_booking(&second, &instructor.user_id, &date, "11:00", 60)
        .await;
    assert_eq!(
        adjacent.status(),
        201,
        "back-to-back lessons do not overlap"
    );
}

#[tokio::test]
async fn a_cancelled_slot_can_be_booked_again() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(5);
    let booking = app
        .book(&student, &instructor.user_id, &date, "14:00", 90)
        .await;
    let id = booking["id"].as_str().expect("id");

    let cancel = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Exam moved"}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    let cancelled: Value = cancel.json().await.expect("JSON");
    assert_eq!(cancelled["status"], "cancelled");

    let again = app
        .post_booking(&student, &instructor.user_id, &date, "14:00", 90)
        .await;
    assert_eq!(again.status(), 201);
}

#[tokio::test]
async fn a_booking_answers_in_the_wire_shape_with_local_time_stored_as_utc() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(6);
    let booking = app
        .book(&student, &instructor.user_id, &date, "09:15", 90)
        .await;

    assert_eq!(booking["status"], "pending");
    assert_eq!(booking["price"], 525.0, "R350/h for 90 minutes");
    assert_eq!(
        booking["lesson_start"],
        format!("{date}T07:15:00Z").as_str(),
        "09:15 SAST is 07:15 UTC"
    );
    for field in [
        "id",
        "instructor_id",
        "student_id",
        "instructor_name",
        "student_name",
        "duration_minutes",
        "pickup_address",
        "created_at",
    ] {
        assert!(!booking[field].is_null(), "{field}");
    }
    // The instructor is told by email.
    mail::wait_for_mail_containing(&app.mail_dir, &instructor.email, "New lesson request").await;
}

#[tokio::test]
async fn bad_lesson_requests_are_named_field_by_field() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    let cases: [(&str, &str, i64, &str); 6] = [
        (date.as_str(), "10:10", 60, "lesson_time"),
        (date.as_str(), "10:00", 50, "duration_minutes"),
        (date.as_str(), "10:00", 255, "duration_minutes"),
        ("2020-01-07", "10:00", 60, "lesson_date"),
        (date.as_str(), "19:00", 60, "lesson_time"),
        ("2099-01-06", "10:00", 60, "lesson_date"),
    ];
    for (day, time, minutes, field) in cases {
        let response = app
            .post_booking(&student, &instructor.user_id, day, time, minutes)
            .await;
        assert_eq!(response.status(), 422, "{day} {time} {minutes}");
        let problem: Value = response.json().await.expect("JSON");
        assert_eq!(
            problem["errors"][0]["field"], field,
            "{day} {time} {minutes}: {problem}"
        );
    }
}

#[tokio::test]
async fn the_lifecycle_moves_only_forward_and_tells_the_student() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let booking = app
        .book(
            &student,
            &instructor_user.user_id,
            &working_day(3),
            "08:00",
            60,
        )
        .await;
    let id = booking["id"].as_str().expect("id");

    let confirm = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(confirm.status(), 200);
    let confirmed: Value = confirm.json().await.expect("JSON");
    assert_eq!(confirmed["status"], "confirmed");
    mail::wait_for_mail_containing(&app.mail_dir, &student.user.email, "is confirmed").await;

    let again = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), 409, "confirmed cannot be confirmed");
    let early = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(early.status(), 409, "a future lesson cannot be completed");

    let cancel = app
        .post_as(
            &instructor,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Car in for service"}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    let cancel_again = app
        .post_as(
            &student,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Changed my mind"}),
        )
        .await;
    assert_eq!(cancel_again.status(), 409, "cancelled is final");
}

#[tokio::test]
async fn other_people_get_404_and_students_cannot_confirm() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let other_instructor_user = app.listed_instructor(&STELLENBOSCH, 300.0).await;
    let other_instructor = app.login(&other_instructor_user).await;
    let student_a = app.signed_in_student().await;
    let student_b = app.signed_in_student().await;
    let booking = app
        .book(
            &student_a,
            &instructor_user.user_id,
            &working_day(3),
            "12:00",
            60,
        )
        .await;
    let id = booking["id"].as_str().expect("id");

    let read = app
        .get_bearer(&format!("/api/v1/bookings/{id}"), &student_b.access_token)
        .await;
    assert_eq!(read.status(), 404, "student B reading A's booking");
    let cancel = app
        .post_as(
            &student_b,
            &format!("/api/v1/bookings/{id}/cancel"),
            json!({"reason": "Not mine"}),
        )
        .await;
    assert_eq!(cancel.status(), 404, "student B cancelling A's booking");
    let confirm = app
        .post_as(
            &other_instructor,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(confirm.status(), 404, "another instructor confirming");
    let by_student = app
        .post_as(
            &student_a,
            &format!("/api/v1/bookings/{id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(by_student.status(), 403, "a student confirming");
    let own = app
        .get_bearer(&format!("/api/v1/bookings/{id}"), &student_a.access_token)
        .await;
    assert_eq!(own.status(), 200);
    let missing = app
        .get_bearer("/api/v1/bookings/no-such-booking", &student_a.access_token)
        .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn availability_leaves_out_booked_times() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let date = working_day(3);
    app.book(&student, &instructor.user_id, &date, "10:00", 60)
        .await;

    let response = app
        .get(&format!(
            "/api/v1/instructors/{}/availability?date={date}&duration_minutes=60",
            instructor.user_id
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["timezone"], "Africa/Johannesburg");
    let slots: Vec<&str> = body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        slots.contains(&"09:00") && slots.contains(&"11:00"),
        "{slots:?}"
    );
    for taken in ["09:15", "09:45", "10:00", "10:45"] {
        assert!(
            !slots.contains(&taken),
            "{taken} overlaps the booked lesson: {slots:?}"
        );
    }
}
