//! Rate limits and races on the authentication routes, through real concurrent requests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app, spawn_app_with, Options};
use serde_json::Value;
use shared::store::users;

/// Sleeps until just after a multiple of `window` seconds, so a burst lands in one window.
async fn start_of_window(window: u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    let into = now.as_millis() as u64 % (window * 1000);
    tokio::time::sleep(Duration::from_millis(window * 1000 - into + 50)).await;
}

#[tokio::test]
async fn twenty_concurrent_bad_logins_from_one_ip_get_exactly_five_401s_and_fifteen_429s() {
    let app = spawn_app_with(Options {
        rate_limits: Some("login_ip=5/4s,register_ip=100/1h,verify_ip=100/1h".into()),
        ..Options::default()
    })
    .await;
    let user = app.verified_student().await;

    start_of_window(4).await;
    let responses = join_all((0..20).map(|_| app.post_login(&user.email, "Wrong#Password1"))).await;

    let unauthorized = responses.iter().filter(|r| r.status() == 401).count();
    let limited: Vec<_> = responses.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(
        unauthorized,
        5,
        "statuses: {:?}",
        responses.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(limited.len(), 15);
    for response in &limited {
        let headers = response.headers();
        for name in [
            "retry-after",
            "ratelimit",
            "ratelimit-policy",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            assert!(headers.contains_key(name), "429 without {name}");
        }
        assert_eq!(headers["x-ratelimit-limit"], "5");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["ratelimit-policy"], "\"login_ip\";q=5;w=4");
    }

    // After the window, the right password works again.
    start_of_window(4).await;
    let login = app.post_login(&user.email, &user.password).await;
    assert_eq!(login.status(), 200);
    assert!(
        login.headers().contains_key("ratelimit"),
        "successful limited routes carry the headers"
    );
}

#[tokio::test]
async fn ten_concurrent_registrations_with_one_email_create_exactly_one_account() {
    let app = spawn_app().await;
    let email = integration_tests::accounts::unique_email();
    let bodies: Vec<_> = (0..10)
        .map(|_| {
            let mut body = student_body();
            body["email"] = email.clone().into();
            body
        })
        .collect();

    let responses = join_all(bodies.iter().map(|b| app.register("student", b))).await;

    // Ten identical answers: nobody learns which one made the account.
    let mut answers = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 201);
        let answer: Value = response.json().await.expect("JSON");
        answers.push(answer);
    }
    let shape = |a: &Value| {
        let mut keys: Vec<String> = a.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        (
            keys,
            a["role"].clone(),
            a["status"].clone(),
            a["message"].clone(),
        )
    };
    assert!(
        answers.windows(2).all(|w| shape(&w[0]) == shape(&w[1])),
        "{answers:?}"
    );
    // And exactly one account holds the address.
    let owner = users::find_user_id(
        &app.state.aws.dynamodb,
        &app.state.config.table_name,
        users::email_pk(&email),
    )
    .await
    .expect("read the claim")
    .expect("the address is claimed");
    let profiles = crate::admin_support::scan_table(&app)
        .await
        .into_iter()
        .filter(|item| {
            item.get("email").and_then(|v| v.as_s().ok()) == Some(&email)
                && item
                    .get("SK")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some("PROFILE")
        })
        .count();
    assert_eq!(profiles, 1);
    assert_eq!(
        answers
            .iter()
            .filter(|a| a["user_id"] == owner.as_str())
            .count(),
        1,
        "one answer names the account made"
    );
}

#[tokio::test]
async fn a_reused_phone_number_gets_the_same_answer_and_no_second_account() {
    let app = spawn_app().await;
    let first = student_body();
    let mut second = student_body();
    second["phone"] = first["phone"].clone();
    let fresh = app.register("student", &first).await;
    assert_eq!(fresh.status(), 201);
    let reused = app.register("student", &second).await;
    assert_eq!(reused.status(), 201);
    let reused: Value = reused.json().await.expect("JSON");
    assert_eq!(reused["status"], "PENDING_VERIFICATION");
    // Its user_id leads nowhere: no account, so no verification mail to the second address.
    let second_email = second["email"].as_str().expect("email");
    let found = users::find_user_id(
        &app.state.aws.dynamodb,
        &app.state.config.table_name,
        users::email_pk(second_email),
    )
    .await
    .expect("read the claim");
    assert_eq!(found, None);
}

#[tokio::test]
async fn the_fourth_registration_from_one_ip_in_an_hour_is_limited() {
    let app = spawn_app_with(Options {
        rate_limits: Some("register_ip=3/1h".into()),
        ..Options::default()
    })
    .await;
    for attempt in 1..=3 {
        assert_eq!(
            app.register("student", &student_body()).await.status(),
            201,
            "attempt {attempt}"
        );
    }
    let fourth = app.register("student", &student_body()).await;
    assert_eq!(fourth.status(), 429);
    assert!(fourth.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn auth_routes_fail_closed_when_the_counter_store_is_down() {
    let mut app = spawn_app_with(Options {
        own_moto: true,
        ..Options::default()
    })
    .await;
    app.own_moto.as_mut().expect("own moto").stop();
    let response = app
        .post_login("someone@example.co.za", "Kettle#Sunrise42")
        .await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn forged_refreshes_naming_a_session_do_not_spend_its_allowance() {
    let app = spawn_app_with(Options {
        rate_limits: Some("session=3/1h,refresh_ip=1000/1m".into()),
        ..Options::default()
    })
    .await;
    let user = app.verified_student().await;
    let session = app.login(&user).await;
    // Anyone who saw a token knows the user and session ids; the secret they cannot know.
    let (named, _) = session
        .refresh_token
        .rsplit_once('.')
        .expect("refresh token has a secret part");
    let forged = format!("{named}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for attempt in 1..=5 {
        let response = app.refresh(&forged).await;
        assert_eq!(response.status(), 401, "forged attempt {attempt}");
    }
    let real = app.refresh(&session.refresh_token).await;
    assert_eq!(real.status(), 200, "the session's own refresh still works");
}

#[tokio::test]
async fn refreshes_are_limited_per_ip_before_the_token_is_verified() {
    let app = spawn_app_with(Options {
        rate_limits: Some("refresh_ip=3/1h".into()),
        ..Options::default()
    })
    .await;
    for attempt in 1..=3 {
        let response = app.refresh("not-a-refresh-token").await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let fourth = app.refresh("not-a-refresh-token").await;
    assert_eq!(fourth.status(), 429);
    assert_eq!(
        fourth.headers()["ratelimit-policy"],
        "\"refresh_ip\";q=3;w=3600"
    );
}

#[tokio::test]
async fn the_per_account_login_limit_counts_email_and_phone_together() {
    let app = spawn_app_with(Options {
        rate_limits: Some("login_account=4/1h,login_ip=100/1m".into()),
        ..Options::default()
    })
    .await;
    let user = app.verified_student().await;
    for (attempt, username) in [&user.email, &user.phone, &user.email, &user.phone]
        .into_iter()
        .enumerate()
    {
        let response = app.post_login(username, "Wrong#Password1").await;
        assert_eq!(response.status(), 401, "attempt {}", attempt + 1);
    }
    for username in [&user.email, &user.phone] {
        let response = app.post_login(username, &user.password).await;
        assert_eq!(
            response.status(),
            429,
            "{username}: the account's allowance is spent"
        );
        assert_eq!(
            response.headers()["ratelimit-policy"],
            "\"login_account\";q=4;w=3600"
        );
    }
}
