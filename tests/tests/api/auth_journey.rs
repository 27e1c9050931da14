//! The whole account journey, as a mobile client (bearer) and a web client (cookies).

use integration_tests::accounts::{student_body, PASSWORD};
use integration_tests::app::spawn_app;
use integration_tests::mail;
use serde_json::{json, Value};

#[tokio::test]
async fn register_verify_login_refresh_logout_then_old_tokens_are_refused() {
    let app = spawn_app().await;
    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();

    // Register: 201 with the id, role and status; the account cannot log in yet.
    let response = app.register("student", &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("JSON");
    assert_eq!(created["role"], "STUDENT");
    assert_eq!(created["status"], "PENDING_VERIFICATION");
    let unverified = app.post_login(&email, PASSWORD).await;
    assert_eq!(
        unverified.status(),
        403,
        "unverified accounts cannot log in"
    );

    // The verification mail arrives at the SMTP server with a link to the public URL.
    let message = mail::wait_for_mail(&app.mail_dir, &email).await;
    let decoded = mail::decode_quoted_printable(&message);
    assert!(
        decoded.contains(&format!("{}/verify?token=", app.address)),
        "{decoded}"
    );
    let token = mail::token_after(&message, "/verify?token=");
    let verified = app
        .post_json("/api/v1/auth/verify", &json!({ "token": token }))
        .await;
    assert_eq!(verified.status(), 200);
    let reused = app
        .post_json("/api/v1/auth/verify", &json!({ "token": token }))
        .await;
    assert_eq!(reused.status(), 400, "a verification token works once");

    // Login by email (bearer) and by phone in local form.
    let user = integration_tests::accounts::TestUser {
        email: email.clone(),
        phone: body["phone"].as_str().unwrap_or_default().to_owned(),
        password: PASSWORD.to_owned(),
        user_id: created["user_id"].as_str().unwrap_or_default().to_owned(),
    };
    let session = app.login(&user).await;
    let by_phone = app.post_login(&user.phone, PASSWORD).await;
    assert_eq!(by_phone.status(), 200, "login by phone number");

    let me = app
        .get_bearer("/api/v1/users/me", &session.access_token)
        .await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.expect("JSON");
    assert_eq!(me["email"], email.as_str());
    assert_eq!(
        me["id_number"].as_str().map(|s| s.ends_with("*******")),
        Some(true)
    );
    assert!(me.get("password_hash").is_none());

    // The web client: the cookie alone authenticates a GET.
    let by_cookie = app
        .client
        .get(app.url("/api/v1/users/me"))
        .header("cookie", session.cookie_header())
        .send()
        .await
        .expect("send");
    assert_eq!(by_cookie.status(), 200, "cookie authentication");

    // Refresh rotates the refresh token and gives a new access token.
    let refreshed = app.refresh(&session.refresh_token).await;
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.expect("JSON");
    let new_access = refreshed["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let new_refresh = refreshed["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_ne!(new_refresh, session.refresh_token);

    // Logout revokes the session: every token of it is refused from the next request on.
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&new_access)
        .send()
        .await
        .expect("send");
    assert_eq!(logout.status(), 204);
    for (what, token) in [
        ("old access", &session.access_token),
        ("new access", &new_access),
    ] {
        let response = app.get_bearer("/api/v1/users/me", token).await;
        assert_eq!(response.status(), 401, "{what} token after logout");
        assert!(response.headers().contains_key("www-authenticate"));
    }
    for (what, token) in [
        ("old refresh", &session.refresh_token),
        ("new refresh", &new_refresh),
    ] {
        let response = app.refresh(&token).await;
        assert_eq!(response.status(), 401, "{what} token after logout");
    }
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;

    let first = app.refresh(&session.refresh_token).await;
    assert_eq!(first.status(), 200);
    let rotated: Value = first.json().await.expect("JSON");

    // The stolen, already-spent token is replayed.
    let replay = app.refresh(&session.refresh_token).await;
    assert_eq!(replay.status(), 401);

    // The legitimate holder's newer tokens died with the session.
    let newer_refresh = app.refresh(&rotated["refresh_token"]).await;
    assert_eq!(newer_refresh.status(), 401);
    let newer_access = app
        .get_bearer(
            "/api/v1/users/me",
            rotated["access_token"].as_str().unwrap_or_default(),
        )
        .await;
    assert_eq!(newer_access.status(), 401);
}

#[tokio::test]
async fn password_reset_by_email_link_revokes_sessions_and_the_new_password_works() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;

    let forgot = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({ "email": user.email }),
        )
        .await;
    assert_eq!(forgot.status(), 202);
    let message = mail::find_mail(&app.mail_dir, &user.email)
        .into_iter()
        .find(|m| mail::decode_quoted_printable(m).contains("/reset-password?token="))
        .expect("a reset email");
    let token = mail::token_after(&message, "/reset-password?token=");

    let weak = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({ "token": token, "new_password": "password" }),
        )
        .await;
    assert_eq!(weak.status(), 422, "the new password follows the policy");
    let reset = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({ "token": token, "new_password": "Granite!Harbour77" }),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let again = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({ "token": token, "new_password": "Granite!Harbour78" }),
        )
        .await;
    assert_eq!(again.status(), 400, "a reset token works once");

    let old_session = app
        .get_bearer("/api/v1/users/me", &session.access_token)
        .await;
    assert_eq!(old_session.status(), 401, "reset revokes existing sessions");
    assert_eq!(
        app.post_login(&user.email, &user.password).await.status(),
        401
    );
    assert_eq!(
        app.post_login(&user.email, "Granite!Harbour77")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
    let app = spawn_app().await;
    let user = app.verified_student().await;

    let known = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({ "email": user.email }),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({ "email": "nobody@example.co.za" }),
        )
        .await;

    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), known.status());
    let known_body = known.text().await.expect("body");
    let unknown_body = unknown.text().await.expect("body");
    assert_eq!(known_body, unknown_body);
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/api/v1/users/me/password"))
            .bearer_auth(&session.access_token)
            .json(&json!({ "current_password": current, "new_password": "Granite!Harbour77" }))
            .send()
    };

    let wrong = change("Wrong#Password1").await.expect("send");
    assert_eq!(wrong.status(), 422);
    let right = change(PASSWORD).await.expect("send");
    assert_eq!(right.status(), 204);
    let after = app
        .get_bearer("/api/v1/users/me", &session.access_token)
        .await;
    assert_eq!(after.status(), 401);
    assert_eq!(
        app.post_login(&user.email, "Granite!Harbour77")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn login_accepts_an_oauth2_form() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let form = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("username", user.email.as_str()),
        ("password", user.password.as_str()),
    ])
    .expect("form");
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["user_role"], "STUDENT");
    assert_eq!(body["expires_in"], 900);
}

#[tokio::test]
async fn a_spent_refresh_token_several_rotations_old_still_revokes_the_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let stolen = session.refresh_token.clone();

    // The legitimate client goes on refreshing; the thief waits three rotations.
    let mut current = session.refresh_token;
    let mut access = String::new();
    for _ in 0..3 {
        let refreshed = app.refresh(&current).await;
        assert_eq!(refreshed.status(), 200);
        let body: Value = refreshed.json().await.expect("JSON");
        current = body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        access = body["access_token"].as_str().unwrap_or_default().to_owned();
    }
    let before = app.get_bearer("/api/v1/users/me", &access).await;
    assert_eq!(before.status(), 200);

    let replay = app.refresh(&stolen).await;
    assert_eq!(replay.status(), 401);
    let after = app.get_bearer("/api/v1/users/me", &access).await;
    assert_eq!(after.status(), 401, "the replay must end the session");
    let newest = app.refresh(&current).await;
    assert_eq!(newest.status(), 401);
}

#[tokio::test]
async fn a_guessed_older_refresh_token_does_not_end_someone_elses_session() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let first = app.refresh(&session.refresh_token).await;
    assert_eq!(first.status(), 200);
    let rotated: Value = first.json().await.expect("JSON");

    // Same user and session ids, an older generation, but a secret the attacker made up.
    let mut parts: Vec<String> = session
        .refresh_token
        .split('.')
        .map(str::to_owned)
        .collect();
    parts[4] = "A".repeat(43);
    let forged = parts.join(".");
    let response = app.refresh(&forged).await;
    assert_eq!(response.status(), 401);

    let still_live = app
        .get_bearer(
            "/api/v1/users/me",
            rotated["access_token"].as_str().unwrap_or_default(),
        )
        .await;
    assert_eq!(
        still_live.status(),
        200,
        "the forgery must not revoke the session"
    );
}
