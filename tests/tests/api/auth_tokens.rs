//! Access tokens that must be refused, and key rotation that must not log anyone out.

use base64::Engine;
use integration_tests::app::{spawn_app, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use shared::auth::access_token::{ACCESS_TOKEN_TTL_SECS, AUDIENCE, ISSUER};
use shared::clock;
use shared::secrets::CLOCK_SKEW_SECS;

/// The current signing key and its version, read the way the functions read them.
async fn current_key(app: &TestApp) -> (String, Vec<u8>) {
    let ring = app
        .state
        .signing_keys
        .reload(std::time::Duration::ZERO)
        .await
        .expect("keys");
    (ring.current.version.clone(), ring.current.bytes.clone())
}

fn sign(claims: &Value, kid: &str, key: &[u8]) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(key)).expect("sign")
}

#[tokio::test]
async fn forged_expired_and_misdirected_tokens_are_refused_with_401() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let (kid, key) = current_key(&app).await;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload: Value = serde_json::from_slice(
        &engine
            .decode(session.access_token.split('.').nth(1).expect("payload"))
            .expect("base64"),
    )
    .expect("claims");
    let now = clock::now_secs();
    let with = |changes: Value| {
        let mut claims = payload.clone();
        for (k, v) in changes.as_object().expect("object") {
            claims[k] = v.clone();
        }
        claims
    };

    let alg_none = format!(
        "{}.{}.",
        engine.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string()),
        engine.encode(payload.to_string())
    );
    let tampered = {
        let parts: Vec<&str> = session.access_token.split('.').collect();
        let claims = with(json!({"role": "ADMIN"}));
        format!(
            "{}.{}.{}",
            parts[0],
            engine.encode(claims.to_string()),
            parts[2]
        )
    };
    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("signed with another key", sign(&payload, &kid, &[9u8; 64])),
        (
            "expired",
            sign(&with(json!({"exp": now - 1, "iat": now - 901})), &kid, &key),
        ),
        (
            "wrong audience",
            sign(&with(json!({"aud": "someone-else"})), &kid, &key),
        ),
        (
            "wrong issuer",
            sign(&with(json!({"iss": "https://evil.example"})), &kid, &key),
        ),
        (
            "wrong type",
            sign(&with(json!({"typ": "refresh"})), &kid, &key),
        ),
        ("tampered payload", tampered),
        (
            "refresh token as access token",
            session.refresh_token.clone(),
        ),
        ("garbage", "not-a-token".into()),
    ];
    for (why, token) in cases {
        let response = app.get_bearer("/api/v1/users/me", &token).await;
        assert_eq!(response.status(), 401, "{why}");
    }
    // The untouched token still works: the refusals above are about the forgery, not the user.
    assert_eq!(
        app.get_bearer("/api/v1/users/me", &session.access_token)
            .await
            .status(),
        200
    );
    let _ = (ISSUER, AUDIENCE);
}

/// A new AWSCURRENT version of the signing-key secret; the old one becomes AWSPREVIOUS.
async fn rotate_signing_key(app: &TestApp) {
    app.state
        .aws
        .secrets
        .put_secret_value()
        .secret_id(&app.state.config.jwt_secret_id)
        .secret_string(local::bootstrap::random_secret())
        .send()
        .await
        .expect("rotate the secret");
}

#[tokio::test]
async fn a_token_signed_with_the_previous_key_version_still_works_after_rotation() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let before = app.login(&user).await;
    let (old_version, _) = current_key(&app).await;

    // Rotate: a new AWSCURRENT version; the old one becomes AWSPREVIOUS.
    rotate_signing_key(&app).await;
    let (new_version, _) = current_key(&app).await;
    assert_ne!(old_version, new_version);

    let old_token = app
        .get_bearer("/api/v1/users/me", &before.access_token)
        .await;
    assert_eq!(old_token.status(), 200, "previous version still verifies");
    let after = app.login(&user).await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(after.access_token.split('.').next().expect("header"))
            .expect("base64"),
    )
    .expect("header JSON");
    assert_eq!(
        header["kid"],
        new_version.as_str(),
        "new tokens use the new version"
    );
    assert_eq!(
        app.get_bearer("/api/v1/users/me", &after.access_token)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn cookie_authenticated_writes_need_the_csrf_header_and_bearer_ones_do_not() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    let csrf = session.cookie("__Host-da_csrf");
    let patch = |csrf_header: Option<&str>, origin: Option<&str>| {
        let mut request = app
            .client
            .patch(app.url("/api/v1/users/me"))
            .header("cookie", session.cookie_header())
            .json(&json!({ "suburb": "Woodstock" }));
        if let Some(value) = csrf_header {
            request = request.header("x-csrf-token", value);
        }
        if let Some(value) = origin {
            request = request.header("origin", value);
        }
        request.send()
    };

    assert_eq!(
        patch(None, None).await.expect("send").status(),
        403,
        "no CSRF header"
    );
    assert_eq!(
        patch(Some("forged.token"), None)
            .await
            .expect("send")
            .status(),
        403,
        "wrong CSRF header"
    );
    assert_eq!(
        patch(Some(&csrf), Some("https://evil.example"))
            .await
            .expect("send")
            .status(),
        403,
        "foreign Origin"
    );
    let ok = patch(Some(&csrf), Some("http://localhost:5173"))
        .await
        .expect("send");
    assert_eq!(
        ok.status(),
        200,
        "matching CSRF header from an allowed origin"
    );

    let bearer = app
        .client
        .patch(app.url("/api/v1/users/me"))
        .bearer_auth(&session.access_token)
        .json(&json!({ "suburb": "Salt River" }))
        .send()
        .await
        .expect("send");
    assert_eq!(bearer.status(), 200, "bearer requests are exempt");
    let me: Value = bearer.json().await.expect("JSON");
    assert_eq!(me["suburb"], "Salt River");
}

#[tokio::test]
async fn unverified_and_suspended_accounts_cannot_log_in_and_say_why() {
    let app = spawn_app().await;
    let body = integration_tests::accounts::student_body();
    assert_eq!(app.register("student", &body).await.status(), 201);
    let unverified = app
        .post_login(
            body["email"].as_str().unwrap_or_default(),
            integration_tests::accounts::PASSWORD,
        )
        .await;
    assert_eq!(unverified.status(), 403);
    let problem: Value = unverified.json().await.expect("JSON");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("Verify your email"));

    let user = app.verified_student().await;
    let session = app.login(&user).await;
    suspend(&app, &user.user_id).await;
    let login = app.post_login(&user.email, &user.password).await;
    assert_eq!(login.status(), 403);
    let problem: Value = login.json().await.expect("JSON");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("suspended"));
    let existing = app
        .get_bearer("/api/v1/users/me", &session.access_token)
        .await;
    assert_eq!(
        existing.status(),
        403,
        "a suspended user's live token is refused at once"
    );
}

/// What the admin group's suspend does to the profile (that route arrives with the admin issue).
async fn suspend(app: &TestApp, user_id: &str) {
    app.state
        .aws
        .dynamodb
        .update_item()
        .table_name(&app.state.config.table_name)
        .set_key(Some(shared::store::users::profile_key(user_id)))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(
            ":s",
            aws_sdk_dynamodb::types::AttributeValue::S("SUSPENDED".into()),
        )
        .send()
        .await
        .expect("suspend");
}

#[tokio::test]
async fn the_previous_key_signs_access_tokens_only_for_a_token_lifetime_after_rotation() {
    let clock = shared::clock::Clock::fixed(jiff::Timestamp::now());
    let app = integration_tests::app::spawn_app_with(integration_tests::app::Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let user = app.verified_student().await;
    app.login(&user).await; // the instance has loaded (and caches) the keys
    let rotated_at = jiff::Timestamp::now();
    rotate_signing_key(&app).await;
    // An instance that has not reloaded yet still signs with the previous version.
    let at = |secs: i64| rotated_at + jiff::SignedDuration::from_secs(secs);
    clock.set(at(120));
    let stale = app.login(&user).await;
    // Then it reloads (at the latest five minutes on) and learns of the rotation.
    current_key(&app).await;
    clock.set(at(600));
    let me = app
        .get_bearer("/api/v1/users/me", &stale.access_token)
        .await;
    assert_eq!(me.status(), 200, "within a token lifetime of the rotation");
    // Its own expiry is still ahead, but a token lifetime (plus skew) has passed since the
    // rotation: no token the previous version signed can be legitimately in use.
    clock.set(at(ACCESS_TOKEN_TTL_SECS + CLOCK_SKEW_SECS + 5));
    let me = app
        .get_bearer("/api/v1/users/me", &stale.access_token)
        .await;
    assert_eq!(
        me.status(),
        401,
        "the previous version is no longer accepted"
    );
}
