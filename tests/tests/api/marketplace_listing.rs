//! Finding instructors, paging lists, and round trips that do not grow with the data.

use integration_tests::app::spawn_app;
use integration_tests::marketplace::{CAPE_TOWN, JOHANNESBURG, STELLENBOSCH};
use serde_json::Value;
use shared::store::bookings::BookingStatus;

#[tokio::test]
async fn nearby_from_central_cape_town_finds_cape_town_and_stellenbosch_nearest_first() {
    let app = spawn_app().await;
    let stellenbosch = app.listed_instructor(&STELLENBOSCH, 300.0).await;
    let cape_town = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let johannesburg = app.listed_instructor(&JOHANNESBURG, 400.0).await;
    // Registered but not verified by an admin: never listed.
    let unverified = app
        .verified_user("instructor", integration_tests::accounts::instructor_body())
        .await;

    let response = app
        .get("/api/v1/instructors/nearby?lat=-33.9249&lng=18.4241&radius_km=60")
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![cape_town.user_id.as_str(), stellenbosch.user_id.as_str()]
    );
    assert!(!ids.contains(&johannesburg.user_id.as_str()));
    assert!(!ids.contains(&unverified.user_id.as_str()));
    let first = body["items"][0]["distance_km"].as_f64().expect("distance");
    let second = body["items"][1]["distance_km"].as_f64().expect("distance");
    assert!(
        first < 3.0 && (35.0..50.0).contains(&second),
        "{first} {second}"
    );

    for bad in [
        "lat=-33.9&lng=18.4&radius_km=0",
        "lat=-33.9&lng=18.4&radius_km=101",
        "lat=95&lng=18.4&radius_km=10",
        "lng=18.4&radius_km=10",
    ] {
        let response = app.get(&format!("/api/v1/instructors/nearby?{bad}")).await;
        assert_eq!(response.status(), 422, "{bad}");
    }
}

#[tokio::test]
async fn the_city_listing_shows_only_verified_instructors_of_that_city() {
    let app = spawn_app().await;
    let listed = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    app.listed_instructor(&JOHANNESBURG, 400.0).await;
    let mut pending_body = integration_tests::accounts::instructor_body();
    pending_body["city"] = "Cape Town".into();
    app.verified_user("instructor", pending_body).await;

    let body: Value = app
        .get("/api/v1/instructors?city=cape%20town")
        .await
        .json()
        .await
        .expect("JSON");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec![listed.user_id.as_str()]);
    assert_eq!(body["has_more"], false);
    assert!(
        body["items"][0].get("email").is_none(),
        "no contact details in public listings"
    );
}

#[tokio::test]
async fn limits_over_100_and_tampered_or_foreign_cursors_are_400() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let student_a = app.signed_in_student().await;
    let student_b = app.signed_in_student().await;
    app.seed_bookings(
        &student_a.user.user_id,
        &instructor.user_id,
        5,
        BookingStatus::Pending,
    )
    .await;

    let over = app
        .get_bearer("/api/v1/bookings?limit=101", &student_a.access_token)
        .await;
    assert_eq!(over.status(), 400);

    let page: Value = app
        .get_bearer("/api/v1/bookings?limit=2", &student_a.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["has_more"], true);
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();

    let next = app
        .get_bearer(
            &format!("/api/v1/bookings?limit=2&cursor={cursor}"),
            &student_a.access_token,
        )
        .await;
    assert_eq!(next.status(), 200, "the owner continues");
    let next: Value = next.json().await.expect("JSON");
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);

    let mut tampered = cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let response = app
        .get_bearer(
            &format!("/api/v1/bookings?cursor={tampered}"),
            &student_a.access_token,
        )
        .await;
    assert_eq!(response.status(), 400, "tampered cursor");
    let foreign = app
        .get_bearer(
            &format!("/api/v1/bookings?cursor={cursor}"),
            &student_b.access_token,
        )
        .await;
    assert_eq!(foreign.status(), 400, "user A's cursor used by user B");
    let other_query = app
        .get_bearer(
            &format!("/api/v1/bookings?status=pending&cursor={cursor}"),
            &student_a.access_token,
        )
        .await;
    assert_eq!(
        other_query.status(),
        400,
        "a cursor continues only its own query"
    );
}

/// The DynamoDB round trips of each list route for the current data.
async fn list_round_trips(
    app: &integration_tests::app::TestApp,
    student: &str,
    instructor: &str,
    instructor_id: &str,
) -> Vec<(String, u64)> {
    let routes = [
        ("/api/v1/bookings".to_owned(), Some(student)),
        (
            "/api/v1/bookings?status=completed&limit=100".to_owned(),
            Some(student),
        ),
        ("/api/v1/bookings".to_owned(), Some(instructor)),
        ("/api/v1/users/me/dashboard".to_owned(), Some(student)),
        ("/api/v1/users/me/dashboard".to_owned(), Some(instructor)),
        ("/api/v1/instructors?city=Cape%20Town".to_owned(), None),
        (
            "/api/v1/instructors/nearby?lat=-33.92&lng=18.42&radius_km=50".to_owned(),
            None,
        ),
        (format!("/api/v1/instructors/{instructor_id}/reviews"), None),
        (format!("/api/v1/instructors/{instructor_id}"), None),
    ];
    let mut counts = Vec::new();
    for (path, token) in routes {
        let before = app.dynamodb_calls();
        let response = match token {
            Some(token) => app.get_bearer(&path, token).await,
            None => app.get(&path).await,
        };
        assert_eq!(response.status(), 200, "{path}");
        counts.push((path, app.dynamodb_calls() - before));
    }
    counts
}

#[tokio::test]
async fn list_round_trips_are_the_same_for_10_and_for_1000_bookings() {
    let app = spawn_app().await;
    let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
    let instructor = app.login(&instructor_user).await;
    let student = app.signed_in_student().await;
    app.seed_bookings(
        &student.user.user_id,
        &instructor_user.user_id,
        10,
        BookingStatus::Completed,
    )
    .await;
    let small = list_round_trips(
        &app,
        &student.access_token,
        &instructor.access_token,
        &instructor_user.user_id,
    )
    .await;

    app.seed_bookings(
        &student.user.user_id,
        &instructor_user.user_id,
        990,
        BookingStatus::Completed,
    )
    .await;
    let large = list_round_trips(
        &app,
        &student.access_token,
        &instructor.access_token,
        &instructor_user.user_id,
    )
    .await;

    assert_eq!(small, large, "round trips grew with the data");
    for (path, calls) in &small {
        // Guard (1) + rate limit (1) + the read (1); nearby queries each touched cell.
        let budget = if path.contains("nearby") { 11 } else { 3 };
        assert!(*calls <= budget, "{path}: {calls} round trips");
    }
}
