//! The one way a function binary starts: configuration (exit naming the bad variable), logging,
//! state, then the Lambda runtime loop with the group's routes behind the common stack.

use std::process::ExitCode;

use axum::Router;

use crate::config::Config;
use crate::state::AppState;

pub fn run_function(name: &str, routes: fn() -> Router<AppState>) -> ExitCode {
    // REST API events carry the stage in the path (`/prod/api/v1/...`); our routes do not. This
    // lambda_http switch is read per request, and setting it here, before any thread exists, is
    // sound.
    if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_none() {
        std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true");
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{name}: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    crate::logging::init(&config);

    // Lambda sends one event at a time to a process: a single-threaded runtime starts faster
    // and uses less memory than a pool of workers that would sit idle.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{name}: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let state = AppState::build(config).await;
        lambda_http::run(crate::http::app(routes(), state)).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "the Lambda runtime loop ended with an error");
            ExitCode::FAILURE
        }
    }
}
