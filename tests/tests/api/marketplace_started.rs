//! A lesson that has started: the instructor can no longer confirm it nor the student cancel
//! it (409); the instructor or an admin may still cancel it (a no-show) or complete it, even
//! after TTL has removed its slot items.

use integration_tests::app::spawn_app;
use integration_tests::marketplace::CAPE_TOWN;
use serde_json::json;
use shared::store::bookings::BookingStatus;

use crate::admin_support::seed_admin;

#[tokio::test]
async fn a_started_lesson_cannot_be_confirmed_or_cancelled_by_its_student() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let admin = seed_admin(&app).await;
    // A month old, and written without slot items: as TTL leaves them a week after the lesson.
    let pending = app
        .seed_bookings(
            &student.user.user_id,
            &instructor_user.user_id,
            3,
            BookingStatus::Pending,
        )
        .await;
    let confirmed = app
        .seed_bookings(
            &student.user.user_id,
            &instructor_user.user_id,
            1,
            BookingStatus::Confirmed,
        )
        .await;
    let path = |id: &str, action: &str| format!("/api/v1/bookings/{id}/{action}");
    let reason = json!({"reason": "The student did not come"});

    let confirm = app
        .post_as(&instructor, &path(&pending[0].id, "confirm"), json!({}))
        .await;
    assert_eq!(confirm.status(), 409, "confirm after the start");
    let by_student = app
        .post_as(&student, &path(&pending[0].id, "cancel"), reason.clone())
        .await;
    assert_eq!(by_student.status(), 409, "student cancel after the start");

    for (who, session, id) in [
        ("instructor", &instructor, &pending[1].id),
        ("admin", &admin, &pending[2].id),
    ] {
        let response = app
            .post_as(session, &path(id, "cancel"), reason.clone())
            .await;
        assert_eq!(
            response.status(),
            200,
            "{who} cancels a started lesson whose slots are gone: {}",
            response.text().await.unwrap_or_default()
        );
    }
    let complete = app
        .post_as(&instructor, &path(&confirmed[0].id, "complete"), json!({}))
        .await;
    assert_eq!(complete.status(), 200, "completion after the start");
}
