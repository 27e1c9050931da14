//! The template's routes against the functions' routers, matched without running a handler.

use std::collections::BTreeMap;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use shared::{AppState, Config};
use tower::ServiceExt;

use super::routes::{is_parameter, DeployedRoute};

pub const MATCHED_ROUTE: &str = "x-parity-matched-route";

pub fn router_of(binary: &str) -> Option<Router<AppState>> {
    match binary {
        "health" => Some(health::routes()),
        "auth" => Some(auth::routes()),
        "users" => Some(users::routes()),
        "instructors" => Some(instructors::routes()),
        "bookings" => Some(bookings::routes()),
        "admin" => Some(admin::routes()),
        _ => None,
    }
}

/// Answers with the route pattern the router matched instead of running the handler.
pub async fn report_matched_route(request: Request, _next: Next) -> Response {
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    [(MATCHED_ROUTE, matched)].into_response()
}

/// `{id}` and `{proxy+}` segments replaced by sample values.
pub fn concrete_path(template_path: &str) -> String {
    template_path
        .split('/')
        .map(|segment| match segment {
            s if is_parameter(s) && s.ends_with("+}") => "parity/rest",
            s if is_parameter(s) => "parity-id",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn parameters_erased(path: &str) -> String {
    path.split('/')
        .map(|segment| if is_parameter(segment) { "{}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// The route pattern `router` matches for `method` on `path` (a pattern such as
/// `/api/v1/instructors/{id}`, requested with a sample id), without running the handler; `Err`
/// with the status when no route matches.
pub async fn matched_route(
    router: Router<AppState>,
    state: &AppState,
    method: &str,
    path: &str,
) -> Result<String, axum::http::StatusCode> {
    let app = router
        .route_layer(axum::middleware::from_fn(report_matched_route))
        // After the layer, so a method the route lacks gets this plain 405, not the report.
        .method_not_allowed_fallback(|| async { axum::http::StatusCode::METHOD_NOT_ALLOWED })
        .with_state(state.clone());
    let request = axum::http::Request::builder()
        .method(method)
        .uri(concrete_path(path))
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("infallible");
    response
        .headers()
        .get(MATCHED_ROUTE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .ok_or(response.status())
}

/// Whether the function's whole stack answers a preflight on `path` from the first allowed
/// origin, as a browser needs: 200 with that origin and credentials allowed.
pub async fn preflight_answered(
    router: Router<AppState>,
    state: &AppState,
    path: &str,
) -> Result<(), String> {
    let Some(origin) = state.config.allowed_origins.first() else {
        return Err("no allowed origin is configured to preflight from".into());
    };
    let request = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(concrete_path(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-csrf-token",
        )
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = shared::http::app(router, state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if response.status() != axum::http::StatusCode::OK
        || header("access-control-allow-origin").as_deref() != Some(origin.as_str())
        || header("access-control-allow-credentials").as_deref() != Some("true")
    {
        return Err(format!(
            "the preflight is not answered for {origin} (status {}, allow-origin {:?})",
            response.status(),
            header("access-control-allow-origin")
        ));
    }
    Ok(())
}

/// Each template route is one its function's router has (same method, same path pattern); an
/// `OPTIONS` route is one whose preflight the function answers.
pub async fn unserved_route_differences(routes: &[DeployedRoute], state: &AppState) -> Vec<String> {
    let mut differences = Vec::new();
    for deployed in routes {
        let Some(router) = router_of(&deployed.binary) else {
            differences.push(format!(
                "{}: no router known for binary {} (add it to router_of)",
                deployed.route, deployed.binary
            ));
            continue;
        };
        if deployed.route.method == "OPTIONS" {
            if let Err(why) = preflight_answered(router, state, &deployed.route.path).await {
                differences.push(format!("{} ({}): {why}", deployed.route, deployed.binary));
            }
            continue;
        }
        let matched =
            matched_route(router, state, &deployed.route.method, &deployed.route.path).await;
        match matched {
            Ok(pattern)
                if parameters_erased(&pattern) == parameters_erased(&deployed.route.path) => {}
            Ok(pattern) => differences.push(format!(
                "{} ({}): the function matches it as {pattern}",
                deployed.route, deployed.binary
            )),
            Err(status) => differences.push(format!(
                "{} ({}): the function has no such route (status {status})",
                deployed.route, deployed.binary,
            )),
        }
    }
    differences
}

/// Application state that reaches nothing: the handlers never run in these tests.
pub async fn offline_state() -> AppState {
    let vars: BTreeMap<String, String> = [
        ("APP_STAGE", "local"),
        ("AWS_REGION", "af-south-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("TABLE_NAME", "parity"),
        ("KMS_KEY_ID", "alias/parity"),
        ("JWT_SECRET_ID", "parity/jwt"),
        ("CURSOR_SECRET_ID", "parity/cursor"),
        ("PUBLIC_URL", "http://127.0.0.1:9"),
        ("ALLOWED_ORIGINS", "http://localhost:5173"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    AppState::build(Config::from_map(&vars).expect("a valid local configuration")).await
}
