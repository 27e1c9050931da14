//! Logout with the refresh token alone: a client whose 15-minute access token has expired can
//! still end its 30-day session.

use integration_tests::app::{spawn_app, TestApp};
use serde_json::json;

/// A client without a cookie jar, so each request carries exactly the cookies a test names.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn cleared(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.contains("Max-Age=0"))
        .filter_map(|v| v.split('=').next())
        .map(str::to_owned)
        .collect()
}

async fn refresh_status(app: &TestApp, refresh_token: &str) -> u16 {
    app.refresh(refresh_token).await.status().as_u16()
}

#[tokio::test]
async fn a_web_logout_with_only_the_refresh_cookie_and_csrf_ends_the_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let csrf = session.cookie("__Host-da_csrf");
    // The access cookie has expired and the browser dropped it.
    let cookie = format!(
        "__Host-da_refresh={}; __Host-da_csrf={csrf}",
        session.cookie("__Host-da_refresh")
    );
    let client = bare_client();

    let without_csrf = client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(without_csrf.status(), 403, "the refresh cookie needs CSRF");

    let response = client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 204);
    let cleared = cleared(&response);
    for name in ["__Host-da_access", "__Host-da_refresh", "__Host-da_csrf"] {
        assert!(
            cleared.iter().any(|c| c == name),
            "{name} cleared: {cleared:?}"
        );
    }
    assert_eq!(refresh_status(&app, &session.refresh_token).await, 401);
    let me = app
        .get_bearer("/api/v1/users/me", &session.access_token)
        .await;
    assert_eq!(me.status(), 401, "the access token of the ended session");
}

#[tokio::test]
async fn a_mobile_logout_with_only_the_refresh_token_ends_the_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let client = bare_client();

    let forged = client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({ "refresh_token": "not-a-refresh-token" }))
        .send()
        .await
        .expect("send");
    assert_eq!(forged.status(), 401);

    let response = client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({ "refresh_token": session.refresh_token }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 204);
    assert_eq!(refresh_status(&app, &session.refresh_token).await, 401);
}

#[tokio::test]
async fn a_refresh_token_with_a_guessed_secret_cannot_end_the_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    // The same session id and generation with a made-up secret proves nothing.
    let (prefix, _) = session
        .refresh_token
        .rsplit_once('.')
        .expect("refresh token has a secret part");
    let guessed = format!("{prefix}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let response = bare_client()
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({ "refresh_token": guessed }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    assert_eq!(
        refresh_status(&app, &session.refresh_token).await,
        200,
        "the session lives on"
    );
}
