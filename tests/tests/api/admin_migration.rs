//! `migrate-smtp-passwords` over legacy settings whose passwords the old back ends stored in
//! plaintext: a dry run counts them, a run seals them (each bound to its own record), a second
//! run finds nothing to do, and mail keeps going out through the migrated settings.

use std::process::Command;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app, TestApp};
use integration_tests::mail::wait_for_mail;
use integration_tests::runtime_api::function_binary;
use reqwest::Method;
use serde_json::{json, Value};
use shared::envelope::{Envelope, EnvelopeError};
use shared::store::smtp_settings::{password_context, SMTP_SETTINGS_PK};

use crate::admin_support::{
    as_user, json_of, plaintext_occurrences, scan_table, seed_admin, send, AuthSmtp,
};

const SMTP_USER: &str = "legacy-mailer";

/// Three records as the old back ends left them: the live one (pointing at `port`) and two
/// older configurations, each with its password in plaintext.
async fn write_legacy_settings(app: &TestApp, port: u16, passwords: &[&str; 3]) -> Vec<String> {
    let records = vec![
        SMTP_SETTINGS_PK.to_owned(),
        format!("{SMTP_SETTINGS_PK}#legacy-2"),
        format!("{SMTP_SETTINGS_PK}#legacy-3"),
    ];
    for (record, password) in records.iter().zip(passwords) {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        app.state
            .aws
            .dynamodb
            .put_item()
            .table_name(&app.state.config.table_name)
            .item("PK", s(record))
            .item("SK", s("SETTINGS"))
            .item("host", s("127.0.0.1"))
            .item("port", AttributeValue::N(port.to_string()))
            .item("tls_mode", s("none"))
            .item("username", s(SMTP_USER))
            .item("password", s(password))
            .item("from_address", s("Drive Alive <no-reply@drivealive.test>"))
            .send()
            .await
            .expect("write a legacy item");
    }
    records
}

fn envelope(app: &TestApp) -> Envelope {
    Envelope::new(
        app.state.aws.kms.clone(),
        app.state.config.kms_key_id.clone(),
    )
}

async fn migrate(app: &TestApp, dry_run: bool) -> admin::migrate::MigrationReport {
    admin::migrate::migrate_smtp_passwords(
        &app.state.aws.dynamodb,
        &envelope(app),
        &app.state.config.table_name,
        dry_run,
    )
    .await
    .expect("the migration runs")
}

#[tokio::test]
async fn migration_seals_three_legacy_passwords_once_and_mail_still_goes_out() {
    let app = spawn_app().await;
    let admin = seed_admin(&app).await;
    let passwords = [
        "Legacy#Live-Pass1",
        "Legacy#Old-Pass2",
        "Legacy#Older-Pass3",
    ];
    let smtp = AuthSmtp::start(SMTP_USER, passwords[0]);
    let records = write_legacy_settings(&app, smtp.server.port, &passwords).await;

    let dry = migrate(&app, true).await;
    assert_eq!(
        (dry.scanned, dry.plaintext_found, dry.encrypted),
        (3, 3, 0),
        "{dry:?}"
    );
    for password in passwords {
        assert_eq!(
            plaintext_occurrences(&app, password).await.len(),
            1,
            "a dry run writes nothing"
        );
    }

    let run = migrate(&app, false).await;
    assert_eq!(
        (run.plaintext_found, run.encrypted, run.changed_meanwhile),
        (3, 3, 0),
        "{run:?}"
    );
    for password in passwords {
        assert_eq!(
            plaintext_occurrences(&app, password).await,
            Vec::<String>::new()
        );
    }
    // Each record's password opens with its own context, and only with it.
    let envelope = envelope(&app);
    let items = scan_table(&app).await;
    for (record, password) in records.iter().zip(passwords) {
        let item = items
            .iter()
            .find(|i| i.get("PK").and_then(|v| v.as_s().ok()) == Some(record))
            .expect("the record");
        assert!(
            item.get("password").is_none(),
            "{record} kept its plaintext"
        );
        let sealed = item["password_ciphertext"].as_b().expect("sealed").as_ref();
        let opened = envelope
            .open(sealed, &password_context(record))
            .await
            .expect("opens for its record");
        assert_eq!(opened.as_slice(), password.as_bytes());
        let other = records
            .iter()
            .find(|r| *r != record)
            .expect("another record");
        assert!(matches!(
            envelope.open(sealed, &password_context(other)).await,
            Err(EnvelopeError::Undecryptable)
        ));
    }

    let again = migrate(&app, false).await;
    assert_eq!(
        (again.encrypted, again.already_encrypted),
        (0, 3),
        "{again:?}"
    );

    // Every kind of email goes out through the migrated server, which demands the password.
    let view = json_of(
        send(as_user(
            &app,
            &admin,
            Method::GET,
            "/api/v1/admin/smtp-settings",
        ))
        .await,
    )
    .await;
    assert_eq!(view["password_set"], true, "{view}");
    let tested = send(
        as_user(
            &app,
            &admin,
            Method::POST,
            "/api/v1/admin/smtp-settings/test",
        )
        .json(&json!({"to": "ops@example.co.za"})),
    )
    .await;
    assert_eq!(tested.status(), 200);
    wait_for_mail(&smtp.mail_dir, "ops@example.co.za").await;
    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();
    assert_eq!(app.register("student", &body).await.status(), 201);
    let verification = wait_for_mail(&smtp.mail_dir, &email).await;
    assert!(verification.contains("/verify?token="));
    let forgot = app
        .post_json("/api/v1/auth/forgot-password", &json!({"email": email}))
        .await;
    assert_eq!(forgot.status(), 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while integration_tests::mail::find_mail(&smtp.mail_dir, &email).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no reset email arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_migration_binary_dry_run_reports_counts_and_never_prints_a_secret() {
    let app = spawn_app().await;
    let passwords = [
        "Binary#Live-Pass1",
        "Binary#Old-Pass2",
        "Binary#Older-Pass3",
    ];
    write_legacy_settings(&app, 2525, &passwords).await;
    let run = |args: &[&str]| {
        let output = Command::new(function_binary("migrate-smtp-passwords"))
            .env_clear()
            .envs(&app.vars)
            .args(args)
            .output()
            .expect("run migrate-smtp-passwords");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for password in passwords {
            assert!(
                !stdout.contains(password) && !stderr.contains(password),
                "a secret was printed"
            );
        }
        assert!(output.status.success(), "{args:?}: {stderr}");
        let report: Value = serde_json::from_str(stdout.trim()).expect("a JSON report");
        (report, stderr)
    };

    let (dry, summary) = run(&["--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["plaintext_found"], 3, "{dry}");
    assert_eq!(dry["encrypted"], 0, "{dry}");
    assert!(summary.contains("dry run"), "{summary}");
    assert_eq!(plaintext_occurrences(&app, passwords[1]).await.len(), 1);

    let (real, _) = run(&[]);
    assert_eq!(real["encrypted"], 3, "{real}");
    let (second, _) = run(&[]);
    assert_eq!(second["encrypted"], 0, "{second}");
    assert_eq!(second["already_encrypted"], 3, "{second}");
}
