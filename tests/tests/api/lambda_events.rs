//! Every file in `events/` through lambda_http's event parsing and its function's routes, in
//! process, with the status the manifest expects.

use integration_tests::app::spawn_app;
use integration_tests::events;
use tower::ServiceExt;

fn routes_for(function: &str) -> axum::Router<shared::AppState> {
    match function {
        "health" => health::routes(),
        "auth" => auth::routes(),
        "users" => users::routes(),
        "instructors" => instructors::routes(),
        "bookings" => bookings::routes(),
        "admin" => admin::routes(),
        other => panic!("events/manifest.json names an unknown function {other:?}"),
    }
}

#[test]
fn every_event_file_is_listed_in_the_manifest() {
    let listed: Vec<String> = events::all_cases().into_iter().map(|c| c.file).collect();
    for file in events::all_event_files() {
        assert!(
            listed.contains(&file),
            "{file} is not in events/manifest.json"
        );
    }
}

#[tokio::test]
async fn every_event_is_answered_by_its_function_with_the_expected_status() {
    let app = spawn_app().await;
    for case in events::manifest() {
        let request = lambda_http::request::from_str(&events::read_event(&case.file))
            .unwrap_or_else(|e| panic!("{}: not an API Gateway event: {e}", case.file));
        let request = shared::lambda::route_by_raw_path(request);
        let router = shared::http::app(routes_for(&case.function), app.state.clone());

        let response = router.oneshot(request).await.expect("infallible");

        assert_eq!(response.status().as_u16(), case.status, "{}", case.file);
        assert!(
            response.headers().contains_key("x-request-id"),
            "{}",
            case.file
        );
        for (name, value) in &case.headers {
            assert_eq!(
                response.headers().get(name).and_then(|v| v.to_str().ok()),
                Some(value.as_str()),
                "{}: {name}",
                case.file
            );
        }
    }
}
