//! The SMTP settings: stored with KMS envelope encryption bound to their record, never shown,
//! never written when KMS cannot seal them, and used for every email the system sends.

use integration_tests::accounts::{student_body, PASSWORD};
use integration_tests::app::{spawn_app, spawn_app_with, Options, TestApp};
use integration_tests::fault_proxy::{Fault, FaultProxy, KMS};
use integration_tests::mail::{find_mail, wait_for_mail};
use integration_tests::services;
use reqwest::Method;
use serde_json::{json, Value};
use shared::envelope::{EncryptionContext, Envelope, EnvelopeError};
use shared::store::smtp_settings::{self, password_context, StoredPassword, SMTP_SETTINGS_PK};

use crate::admin_support::{
    as_user, json_of, plaintext_occurrences, seed_admin, send, AuthRefusingPeer, AuthSmtp,
};

const SMTP_PATH: &str = "/api/v1/admin/smtp-settings";
const TEST_PATH: &str = "/api/v1/admin/smtp-settings/test";
const SMTP_USER: &str = "drive-alive-mailer";

fn envelope(app: &TestApp) -> Envelope {
    Envelope::new(
        app.state.aws.kms.clone(),
        app.state.config.kms_key_id.clone(),
    )
}

async fn sealed_password(app: &TestApp) -> Vec<u8> {
    let stored = smtp_settings::get(&app.state.aws.dynamodb, &app.state.config.table_name)
        .await
        .expect("read the settings")
        .expect("settings stored");
    match stored.password {
        StoredPassword::Sealed(sealed) => sealed,
        other => panic!("the password is not sealed: {other:?}"),
    }
}

#[tokio::test]
async fn put_stores_the_password_only_sealed_and_bound_to_its_record() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let password = "Gr33n-Lantern#7731";

    let before = json_of(send(as_user(&app, &admin, Method::GET, SMTP_PATH)).await).await;
    assert_eq!(before["configured"], false, "{before}");
    assert_eq!(before["password_set"], false, "{before}");

    let saved = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&json!({
        "host": "smtp.example.co.za",
        "port": 587,
        "tls_mode": "starttls",
        "username": SMTP_USER,
        "password": password,
        "from_address": "Drive Alive <no-reply@example.co.za>",
        "current_password": PASSWORD
    })))
    .await;
    assert_eq!(saved.status(), 200);
    let saved_text = saved.text().await.expect("body");
    assert!(!saved_text.contains(password), "{saved_text}");

    let read = send(as_user(&app, &admin, Method::GET, SMTP_PATH)).await;
    let read_text = read.text().await.expect("body");
    assert!(!read_text.contains(password), "{read_text}");
    let read: Value = serde_json::from_str(&read_text).expect("JSON");
    assert_eq!(read["configured"], true);
    assert_eq!(read["password_set"], true);
    assert_eq!(read["host"], "smtp.example.co.za");
    assert_eq!(read["tls_mode"], "starttls");
    assert_eq!(read["username"], SMTP_USER);
    assert!(read.get("password").is_none(), "{read}");

    // A full scan finds the password nowhere, not even base64-encoded.
    assert_eq!(
        plaintext_occurrences(&app, password).await,
        Vec::<String>::new()
    );

    // It opens for its own record and purpose only.
    let sealed = sealed_password(&app).await;
    let envelope = envelope(&app);
    let opened = envelope
        .open(&sealed, &password_context(SMTP_SETTINGS_PK))
        .await
        .expect("opens with its own context");
    assert_eq!(opened.as_slice(), password.as_bytes());
    for (why, context) in [
        ("another record", password_context("SETTINGS#SMTP#other")),
        ("another record", password_context("USER#1")),
        (
            "another purpose",
            EncryptionContext::new("api-key", SMTP_SETTINGS_PK),
        ),
    ] {
        let result = envelope.open(&sealed, &context).await;
        assert!(
            matches!(result, Err(EnvelopeError::Undecryptable)),
            "{why}: {result:?}"
        );
    }

    // The change is audited, without the secret.
    let audit = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/audit-log?action=smtp_settings.changed",
        ))
        .await,
    )
    .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit["items"][0]["actor"], admin.user.user_id.as_str());
    assert!(!audit.to_string().contains(password));
}

#[tokio::test]
async fn put_answers_503_and_changes_nothing_when_kms_is_unreachable() {
    let proxy = FaultProxy::start(services::shared().moto.url()).await;
    let app = spawn_app_with(Options::behind(&proxy)).await;
    let admin = seed_admin(&app).await;
    let first = json!({
        "host": "smtp.example.co.za", "port": 587, "tls_mode": "starttls",
        "username": SMTP_USER, "password": "First#Password1",
        "from_address": "no-reply@example.co.za", "current_password": PASSWORD
    });
    let saved = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&first)).await;
    assert_eq!(saved.status(), 200);
    let table_before = crate::admin_support::scan_table(&app).await.len();
    let stored_before = smtp_settings::get(&app.state.aws.dynamodb, &app.state.config.table_name)
        .await
        .expect("read");

    proxy.fail(KMS, Fault::Hang);
    let mut second = first.clone();
    second["host"] = json!("smtp.other.co.za");
    second["password"] = json!("Second#Password2");
    let refused = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&second)).await;

    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem = json_of(refused).await;
    assert!(problem["request_id"].is_string(), "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("key service")),
        "{problem}"
    );
    let stored_after = smtp_settings::get(&app.state.aws.dynamodb, &app.state.config.table_name)
        .await
        .expect("read");
    assert_eq!(stored_after, stored_before, "the stored settings changed");
    assert_eq!(
        crate::admin_support::scan_table(&app).await.len(),
        table_before,
        "something was written"
    );
    assert!(plaintext_occurrences(&app, "Second#Password2")
        .await
        .is_empty());
}

#[tokio::test]
async fn the_test_message_is_delivered_through_a_server_that_requires_auth_with_that_password() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let password = "Auth#Server-Pass9";
    let smtp = AuthSmtp::start(SMTP_USER, password);
    let saved =
        send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&smtp.settings(password))).await;
    assert_eq!(saved.status(), 200);

    let response = send(
        as_user(&app, &admin, Method::POST, TEST_PATH).json(&json!({"to": "ops@example.co.za"})),
    )
    .await;

    assert_eq!(response.status(), 200);
    let body = json_of(response).await;
    assert_eq!(body["delivered"], true, "{body}");
    assert_eq!(body["settings"], "admin", "{body}");
    let message = wait_for_mail(&smtp.mail_dir, "ops@example.co.za").await;
    assert!(message.contains("Drive Alive SMTP test"), "{message}");
    assert!(!message.contains(password));
}

#[tokio::test]
async fn smtp_failures_of_the_test_message_are_clear_problems_not_500() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let smtp = AuthSmtp::start(SMTP_USER, "The#Right-Pass1");
    // A port nobody listens on, and a server that accepts connections but never speaks.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_port = silent.local_addr().expect("address").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });

    let refusing_auth = AuthRefusingPeer::start().await;

    let wrong_password = smtp.settings("The#Wrong-Pass2");
    let mut refused = smtp.settings("The#Right-Pass1");
    refused["port"] = json!(closed_port);
    let mut silent_server = smtp.settings("The#Right-Pass1");
    silent_server["port"] = json!(silent_port);
    let mut rejecting = smtp.settings("The#Wrong-Pass2");
    rejecting["port"] = json!(refusing_auth.port);
    // The loopback aiosmtpd server and a scripted peer both answer a failed AUTH with 535: each
    // is a clear problem, never a 500.
    let cases: [(&str, Value, &[u16], &[&str]); 4] = [
        (
            "wrong password (aiosmtpd)",
            wrong_password,
            &[502],
            &["authentication_failed"],
        ),
        (
            "wrong password (535 reply)",
            rejecting,
            &[502],
            &["authentication_failed"],
        ),
        (
            "connection refused",
            refused,
            &[502],
            &["connection_failed"],
        ),
        ("no answer", silent_server, &[504], &["timeout"]),
    ];
    for (why, settings, statuses, outcomes) in cases {
        let saved = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&settings)).await;
        assert_eq!(saved.status(), 200, "{why}");

        let response = send(
            as_user(&app, &admin, Method::POST, TEST_PATH)
                .json(&json!({"to": "ops@example.co.za"})),
        )
        .await;

        assert!(
            statuses.contains(&response.status().as_u16()),
            "{why}: {}",
            response.status()
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{why}"
        );
        let text = response.text().await.expect("body");
        for secret in ["The#Wrong-Pass2", "The#Right-Pass1"] {
            assert!(!text.contains(secret), "{why}: a password leaked: {text}");
        }
        let problem: Value = serde_json::from_str(&text).expect("JSON");
        let outcome = problem["smtp_outcome"].as_str().unwrap_or_default();
        assert!(outcomes.contains(&outcome), "{why}: {problem}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{why}"
        );
        assert!(problem["request_id"].is_string(), "{why}");
    }
    assert!(find_mail(&smtp.mail_dir, "ops@example.co.za").is_empty());
    let failures = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/audit-log?action=smtp_settings.tested",
        ))
        .await,
    )
    .await;
    let outcomes: Vec<&str> = failures["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["failure"; 4], "{failures}");
}

#[tokio::test]
async fn system_emails_go_out_through_the_admin_configured_server_from_the_next_message_on() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    // Before any admin settings, mail uses the deployment's server (and the mailer caches that
    // nothing is configured).
    let early = student_body();
    let early_email = early["email"].as_str().expect("email").to_owned();
    assert_eq!(app.register("student", &early).await.status(), 201);
    wait_for_mail(&app.mail_dir, &early_email).await;

    let password = "Mail#Route-Pass3";
    let smtp = AuthSmtp::start(SMTP_USER, password);
    let saved =
        send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&smtp.settings(password))).await;
    assert_eq!(saved.status(), 200);

    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();
    assert_eq!(app.register("student", &body).await.status(), 201);

    let message = wait_for_mail(&smtp.mail_dir, &email).await;
    assert!(message.contains("/verify?token="), "{message}");
    assert!(
        find_mail(&app.mail_dir, &email).is_empty(),
        "the deployment's server was used after the admin configured one"
    );
}

#[tokio::test]
async fn invalid_settings_are_422_naming_each_field() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let response = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&json!({
        "host": "smtp://mail.example.co.za:25",
        "port": 0,
        "tls_mode": "ssl",
        "username": "mailer",
        "password": "",
        "from_address": "not an address",
        "current_password": PASSWORD
    })))
    .await;
    assert_eq!(response.status(), 422);
    let problem = json_of(response).await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["from_address", "host", "password", "port", "tls_mode"]
    );

    let first_time_without_password =
        send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&json!({
            "host": "smtp.example.co.za", "port": 587, "tls_mode": "starttls",
            "username": "mailer", "from_address": "no-reply@example.co.za",
            "current_password": PASSWORD
        })))
        .await;
    assert_eq!(first_time_without_password.status(), 422);
    let unknown_field = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&json!({
        "host": "smtp.example.co.za", "port": 587, "tls_mode": "starttls",
        "from_address": "no-reply@example.co.za", "password_plaintext": "x",
        "current_password": PASSWORD
    })))
    .await;
    assert_eq!(unknown_field.status(), 422);
}

#[tokio::test]
async fn a_save_without_a_password_keeps_the_sealed_one() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let password = "Keep#This-Pass4";
    let smtp = AuthSmtp::start(SMTP_USER, password);
    let saved =
        send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&smtp.settings(password))).await;
    assert_eq!(saved.status(), 200);
    let mut without_password = smtp.settings(password);
    without_password
        .as_object_mut()
        .expect("object")
        .remove("password");
    without_password["from_address"] = json!("Drive Alive Ops <ops@drivealive.test>");

    let resaved = send(as_user(&app, &admin, Method::PUT, SMTP_PATH).json(&without_password)).await;

    assert_eq!(resaved.status(), 200);
    let view = json_of(resaved).await;
    assert_eq!(view["password_set"], true, "{view}");
    let tested = send(
        as_user(&app, &admin, Method::POST, TEST_PATH).json(&json!({"to": "ops@example.co.za"})),
    )
    .await;
    assert_eq!(
        tested.status(),
        200,
        "the kept password still authenticates"
    );
}
