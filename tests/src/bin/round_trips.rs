//! `make bench` part: the DynamoDB round trips of every read route with 10 and with 1000
//! bookings in the table, counted through the SDK, printed as one JSON object per route.

use integration_tests::app::spawn_app;
use integration_tests::route_fixture::{admin_read_routes, Fixture};
use serde_json::json;
use shared::store::bookings::BookingStatus;

#[tokio::main]
async fn main() {
    let app = spawn_app().await;
    let fixture = Fixture::make(&app).await;
    let admin = app.seeded_admin().await;
    let mut routes = fixture.read_routes();
    routes.extend(admin_read_routes(&admin));
    let mut measured = Vec::new();
    for size in [10usize, 1000] {
        let have = measured.len();
        let missing = size - if have == 0 { 0 } else { 10 };
        app.seed_bookings(
            &fixture.student.user.user_id,
            &fixture.instructor_user.user_id,
            missing,
            BookingStatus::Completed,
        )
        .await;
        let mut counts = Vec::new();
        for route in &routes {
            let before = app.dynamodb_calls();
            let response = match &route.token {
                Some(token) => app.get_bearer(&route.path, token).await,
                None => app.get(&route.path).await,
            };
            assert!(
                response.status().is_success(),
                "{}: {}",
                route.path,
                response.status()
            );
            counts.push(app.dynamodb_calls() - before);
        }
        measured.push(counts);
    }
    for (i, route) in routes.iter().enumerate() {
        println!(
            "{}",
            json!({"route": route.label, "at_10": measured[0][i], "at_1000": measured[1][i]})
        );
    }
}
