//! The one way a function binary starts: configuration (exit naming the bad variable), logging,
//! state, then the Lambda runtime loop with the group's routes behind the common stack.

use std::future::Future;
use std::process::ExitCode;

use axum::http::Uri;
use axum::Router;
use lambda_http::RequestExt;
use tower::ServiceBuilder;

use crate::config::Config;
use crate::state::AppState;

/// What a function must load before it takes its first event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preload {
    /// Nothing: the function does no authentication (health).
    Nothing,
    /// The JWT signing keys: a missing or weak secret then fails the cold start, clearly,
    /// instead of every request.
    SigningKeys,
}

/// The connections a function opens during init, so its first request does not pay their TLS
/// handshakes (on a 256 MB function's CPU share a handshake takes milliseconds).
pub type Warmup = for<'a> fn(&'a AppState) -> futures::future::BoxFuture<'a, ()>;

/// How long init waits for its warm-up connections (an in-region handshake and read take
/// milliseconds).
const WARMUP_LIMIT: std::time::Duration = std::time::Duration::from_millis(500);

/// A function whose routes use the table: DynamoDB is warmed (Secrets Manager too when
/// `preload` reads the signing keys).
pub fn run_function(name: &str, preload: Preload, routes: fn() -> Router<AppState>) -> ExitCode {
    run_function_with_warmup(name, preload, warm_table, routes)
}

/// The DynamoDB connection, by a read of a key that is never written.
pub fn warm_table(state: &AppState) -> futures::future::BoxFuture<'_, ()> {
    Box::pin(crate::store::warmup::open_connection(
        &state.aws.dynamodb,
        &state.config.table_name,
    ))
}

/// [`run_function`] with the function's own `warmup`, run beside the preload.
pub fn run_function_with_warmup(
    name: &str,
    preload: Preload,
    warmup: Warmup,
    routes: fn() -> Router<AppState>,
) -> ExitCode {
    run_event_function(name, |config| async move {
        let state = AppState::build(config).await;
        let keys = async {
            match preload {
                Preload::SigningKeys => state.preload_signing_keys().await,
                Preload::Nothing => Ok(()),
            }
        };
        // A warm-up only saves a handshake: a dependency that does not answer must not hold the
        // cold start for the whole dependency timeout (the first request will meet it anyway).
        let warm = tokio::time::timeout(WARMUP_LIMIT, warmup(&state));
        let (keys, _) = tokio::join!(keys, warm);
        if let Err(err) = keys {
            return Err(format!("cannot load the signing keys: {err:#}").into());
        }
        let app = crate::http::app(routes(), state);
        lambda_http::run(
            ServiceBuilder::new()
                .map_request(route_by_raw_path)
                .service(app),
        )
        .await
    })
}

/// The start of every function, HTTP or not: configuration (exit naming the bad variable),
/// logging, a single-threaded runtime, then `run` (which builds its state and enters the
/// runtime loop: `lambda_http::run` or `lambda_runtime::run`).
pub fn run_event_function<F, Fut>(name: &str, run: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = Result<(), lambda_http::Error>>,
{
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
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{name}: {err}");
            tracing::error!(error = %err, "the function stopped");
            ExitCode::FAILURE
        }
    }
}

/// lambda_http puts a REST API's stage in front of the path (`/prod/api/v1/health`); routes are
/// written for the path the client used, which the event also carries. Routing on that keeps the
/// functions independent of stage names and of the `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` switch.
pub fn route_by_raw_path(mut req: lambda_http::Request) -> lambda_http::Request {
    let raw = req.raw_http_path();
    if raw.is_empty() || raw == req.uri().path() {
        return req;
    }
    let path_and_query = match req.uri().query() {
        Some(query) => format!("{raw}?{query}"),
        None => raw.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    let Ok(path_and_query) = path_and_query.parse() else {
        return req;
    };
    parts.path_and_query = Some(path_and_query);
    if let Ok(uri) = Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}
