//! `make bench` part: the DynamoDB round trips of every read route with 10 and with 1000
//! bookings in the table, counted through the SDK, printed as one JSON object per route.

use integration_tests::app::spawn_app;
use integration_tests::marketplace::CAPE_TOWN;
use serde_json::json;
use shared::store::bookings::BookingStatus;

#[tokio::main]
async fn main() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    let id = &instructor_user.user_id;
    let date = integration_tests::marketplace::working_day(3);
    let as_student = Some(student.access_token.as_str());
    let as_instructor = Some(instructor.access_token.as_str());
    // The student's calendar feed, made before counting (the first request makes it).
    let feed: serde_json::Value = app
        .get_bearer("/api/v1/users/me/calendar-feed", &student.access_token)
        .await
        .json()
        .await
        .expect("the feed URL");
    let feed_path = feed["url"]
        .as_str()
        .and_then(|url| url.strip_prefix(&app.address))
        .expect("a feed URL on the API")
        .to_owned();
    // (label, path, bearer token)
    let routes: Vec<(&str, String, Option<&str>)> = vec![
        ("GET /health", "/api/v1/health".into(), None),
        (
            "GET /users/me (student)",
            "/api/v1/users/me".into(),
            as_student,
        ),
        (
            "GET /users/me/dashboard (student)",
            "/api/v1/users/me/dashboard".into(),
            as_student,
        ),
        (
            "GET /users/me/dashboard (instructor)",
            "/api/v1/users/me/dashboard".into(),
            as_instructor,
        ),
        (
            "GET /bookings (student)",
            "/api/v1/bookings".into(),
            as_student,
        ),
        (
            "GET /bookings?status=completed (instructor)",
            "/api/v1/bookings?status=completed".into(),
            as_instructor,
        ),
        (
            "GET /instructors?city=",
            "/api/v1/instructors?city=Cape%20Town".into(),
            None,
        ),
        (
            "GET /instructors/nearby (50 km)",
            "/api/v1/instructors/nearby?lat=-33.92&lng=18.42&radius_km=50".into(),
            None,
        ),
        (
            "GET /instructors/{id}",
            format!("/api/v1/instructors/{id}"),
            None,
        ),
        (
            "GET /instructors/{id}/reviews",
            format!("/api/v1/instructors/{id}/reviews"),
            None,
        ),
        (
            "GET /users/me/calendar-feed (student)",
            "/api/v1/users/me/calendar-feed".into(),
            as_student,
        ),
        ("GET /calendar/{token}.ics (student)", feed_path, None),
        (
            "GET /instructors/me/time-off",
            "/api/v1/instructors/me/time-off".into(),
            as_instructor,
        ),
        (
            "GET /instructors/{id}/availability",
            format!("/api/v1/instructors/{id}/availability?date={date}"),
            None,
        ),
    ];
    let mut measured = Vec::new();
    for size in [10usize, 1000] {
        let have = measured.len();
        let missing = size - if have == 0 { 0 } else { 10 };
        app.seed_bookings(
            &student.user.user_id,
            &instructor_user.user_id,
            missing,
            BookingStatus::Completed,
        )
        .await;
        let mut counts = Vec::new();
        for (_, path, token) in &routes {
            let before = app.dynamodb_calls();
            let response = match token {
                Some(token) => app.get_bearer(path, token).await,
                None => app.get(path).await,
            };
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            counts.push(app.dynamodb_calls() - before);
        }
        measured.push(counts);
    }
    for (i, (label, _, _)) in routes.iter().enumerate() {
        println!(
            "{}",
            json!({"route": label, "at_10": measured[0][i], "at_1000": measured[1][i]})
        );
    }
}
