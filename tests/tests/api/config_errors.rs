//! A function started without a required variable, or without its signing keys, stops at once
//! and says why.

use std::process::Stdio;
use std::time::{Duration, Instant};

use integration_tests::app::{spawn_app, spawn_app_with, Options};
use integration_tests::runtime_api::function_binary;

#[tokio::test]
async fn a_function_missing_a_required_variable_exits_naming_it() {
    let app = spawn_app().await;
    let required = [
        "APP_STAGE",
        "AWS_REGION",
        "TABLE_NAME",
        "KMS_KEY_ID",
        "JWT_SECRET_ID",
        "CURSOR_SECRET_ID",
        "PUBLIC_URL",
    ];
    for missing in required {
        let mut vars = app.vars.clone();
        vars.remove(missing);
        let output = tokio::process::Command::new(function_binary("health"))
            .env_clear()
            .envs(&vars)
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
            .stdin(Stdio::null())
            .output()
            .await
            .expect("run the function binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{missing}: exited successfully");
        assert!(stderr.contains(missing), "{missing}: stderr was {stderr:?}");
    }
}

#[tokio::test]
async fn production_refuses_verbose_errors_at_start() {
    let app = spawn_app().await;
    let mut vars = app.vars.clone();
    vars.insert("APP_STAGE".into(), "prod".into());
    vars.insert("PUBLIC_URL".into(), "https://app.drivealive.co.za".into());
    vars.insert(
        "API_PUBLIC_URL".into(),
        "https://api.drivealive.co.za".into(),
    );
    vars.insert(
        "ALLOWED_ORIGINS".into(),
        "https://app.drivealive.co.za".into(),
    );
    vars.remove("AWS_ENDPOINT_URL");
    let output = tokio::process::Command::new(function_binary("health"))
        .env_clear()
        .envs(&vars)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run the function binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("VERBOSE_ERRORS"), "stderr was {stderr:?}");
}

#[tokio::test]
async fn an_authenticating_function_whose_signing_secret_is_missing_stops_at_cold_start() {
    let app = spawn_app().await;
    let mut vars = app.vars.clone();
    vars.insert("JWT_SECRET_ID".into(), "drive-alive/no-such-secret".into());
    let output = tokio::process::Command::new(function_binary("auth"))
        .env_clear()
        .envs(&vars)
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run the function binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("signing keys") && stderr.contains("drive-alive/no-such-secret"),
        "stderr was {stderr:?}"
    );
}

#[tokio::test]
async fn an_authenticating_function_stops_at_cold_start_when_secrets_manager_is_unreachable() {
    let mut app = spawn_app_with(Options {
        own_moto: true,
        ..Options::default()
    })
    .await;
    app.own_moto.as_mut().expect("the app's own moto").stop();
    let mut vars = app.vars.clone();
    vars.insert("DEPENDENCY_TIMEOUT_MS".into(), "2000".into());
    // Refused connections fail at once; even a hung endpoint ends at the 2 s operation timeout.
    let bound = Duration::from_secs(10);
    let started = Instant::now();
    let output = tokio::time::timeout(
        bound,
        tokio::process::Command::new(function_binary("auth"))
            .env_clear()
            .envs(&vars)
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("the auth function was still starting after {bound:?}"))
    .expect("run the function binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exited successfully: {stderr}");
    assert!(
        stderr.contains("cannot load the signing keys") && stderr.contains(&vars["JWT_SECRET_ID"]),
        "stderr was {stderr:?}"
    );
    assert!(started.elapsed() < bound);
}
