//! Each route's DynamoDB round trips, counted through the SDK, for a small and a larger table:
//! the counts must be equal (constant per route, whatever the data).

use integration_tests::accounts::{student_body, LoggedIn};
use integration_tests::app::{spawn_app, TestApp};
use serde_json::json;

/// Lets the macro take both `app.helper()` futures (a `Response`) and `RequestBuilder::send()`
/// futures (a `Result`).
struct Sent(reqwest::Response);

impl From<reqwest::Response> for Sent {
    fn from(response: reqwest::Response) -> Self {
        Self(response)
    }
}

impl From<Result<reqwest::Response, reqwest::Error>> for Sent {
    fn from(result: Result<reqwest::Response, reqwest::Error>) -> Self {
        Self(result.expect("send the request"))
    }
}

/// (route, calls) for one pass over the auth and users routes.
async fn measure(app: &TestApp, session: &LoggedIn) -> Vec<(&'static str, u64)> {
    let mut counts = Vec::new();
    macro_rules! count {
        ($name:expr, $request:expr) => {{
            let before = app.dynamodb_calls();
            let response = Sent::from($request.await);
            let response = response.0;
            assert!(
                response.status().as_u16() < 500,
                "{}: {}",
                $name,
                response.status()
            );
            counts.push(($name, app.dynamodb_calls() - before));
        }};
    }
    let bearer = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&session.access_token)
    };
    count!(
        "POST /auth/register/student",
        app.register("student", &student_body())
    );
    count!(
        "POST /auth/login",
        app.post_login(&session.user.email, &session.user.password)
    );
    count!(
        "POST /auth/login (wrong password)",
        app.post_login(&session.user.email, "Wrong#Password1")
    );
    count!(
        "GET /users/me",
        bearer(reqwest::Method::GET, "/api/v1/users/me").send()
    );
    count!(
        "GET /users/me/dashboard",
        bearer(reqwest::Method::GET, "/api/v1/users/me/dashboard").send()
    );
    count!(
        "PATCH /users/me",
        bearer(reqwest::Method::PATCH, "/api/v1/users/me")
            .json(&json!({"suburb": "Mowbray"}))
            .send()
    );
    count!(
        "GET /users/me/calendar-feed",
        bearer(reqwest::Method::GET, "/api/v1/users/me/calendar-feed").send()
    );
    count!(
        "PATCH /users/me (a new phone: code by SMS)",
        bearer(reqwest::Method::PATCH, "/api/v1/users/me")
            .json(&json!({"phone": integration_tests::accounts::unique_phone()}))
            .send()
    );
    count!(
        "POST /auth/forgot-password",
        app.post_json(
            "/api/v1/auth/forgot-password",
            &json!({"email": session.user.email})
        )
    );
    counts
}

#[tokio::test]
async fn round_trips_per_route_do_not_grow_with_the_number_of_accounts() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    // The first feed request also makes the feed; measure the reads that follow.
    let feed = app
        .get_bearer("/api/v1/users/me/calendar-feed", &session.access_token)
        .await;
    assert_eq!(feed.status(), 200);
    let small = measure(&app, &session).await;

    for _ in 0..40 {
        assert_eq!(app.register("student", &student_body()).await.status(), 201);
    }
    let large = measure(&app, &session).await;

    assert_eq!(small, large, "round trips changed with the data");
    for (route, calls) in &small {
        assert!(*calls <= 6, "{route} makes {calls} round trips");
    }
}
