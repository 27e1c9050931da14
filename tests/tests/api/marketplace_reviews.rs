//! Reviews: once per completed lesson, with exact rating totals under concurrency.

use futures::future::join_all;
use integration_tests::app::spawn_app;
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use serde_json::{json, Value};
use shared::store::bookings::BookingStatus;

#[tokio::test]
async fn a_completed_lesson_is_reviewed_once_and_a_pending_one_not_at_all() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let completed = app
        .seed_bookings(
            &student.user.user_id,
            &instructor.user_id,
            1,
            BookingStatus::Completed,
        )
        .await;
    let path = format!("/api/v1/bookings/{}/review", completed[0].id);

    let first = app
        .post_as(
            &student,
            &path,
            json!({"rating": 5, "comment": "Patient and clear."}),
        )
        .await;
    assert_eq!(first.status(), 201);
    let second = app.post_as(&student, &path, json!({"rating": 1})).await;
    assert_eq!(second.status(), 409, "second review of one booking");

    let pending = app
        .book(&student, &instructor.user_id, &working_day(3), "10:00", 60)
        .await;
    let early = app
        .post_as(
            &student,
            &format!(
                "/api/v1/bookings/{}/review",
                pending["id"].as_str().unwrap_or_default()
            ),
            json!({"rating": 4}),
        )
        .await;
    assert_eq!(early.status(), 409, "review before completion");

    let bad = app.post_as(&student, &path, json!({"rating": 6})).await;
    assert_eq!(bad.status(), 422);

    let reviews: Value = app
        .get(&format!(
            "/api/v1/instructors/{}/reviews",
            instructor.user_id
        ))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(reviews["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(reviews["items"][0]["student_name"], "Thandiwe M.");
}

#[tokio::test]
async fn ten_concurrent_reviews_leave_the_exact_sum_and_count() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student = app.signed_in_student().await;
    let completed = app
        .seed_bookings(
            &student.user.user_id,
            &instructor.user_id,
            10,
            BookingStatus::Completed,
        )
        .await;

    let ratings = [5, 4, 3, 5, 2, 4, 5, 1, 3, 4];
    let paths: Vec<String> = completed
        .iter()
        .map(|b| format!("/api/v1/bookings/{}/review", b.id))
        .collect();
    let responses = join_all(
        paths
            .iter()
            .zip(ratings)
            .map(|(path, rating)| app.post_as(&student, path, json!({"rating": rating}))),
    )
    .await;
    for response in &responses {
        assert_eq!(response.status(), 201);
    }

    let profile: Value = app
        .get(&format!("/api/v1/instructors/{}", instructor.user_id))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(profile["review_count"], 10);
    assert_eq!(profile["rating"], 3.6, "36 / 10");
}
