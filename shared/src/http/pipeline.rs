//! The middleware every response passes through, in the Lambda functions and the local server
//! alike: request id and client IP, the early body-size check, problem bodies with `request_id`,
//! the security headers, and one access-log line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::Problem;
use super::request_context::{self, RequestScope};
use super::{security_headers, BODY_LIMIT_BYTES};
use crate::error::ApiError;
use crate::state::AppState;

/// True until the first request of this process has been answered.
static COLD: AtomicBool = AtomicBool::new(true);

pub async fn pipeline(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let cold_start = COLD.swap(false, Ordering::Relaxed);
    let request_id = request_context::request_id(req.extensions());
    let client_ip = request_context::client_ip(req.extensions());
    let scope = RequestScope::default();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());

    if tracing::enabled!(tracing::Level::DEBUG) {
        // Credentials (Authorization, cookies, CSRF token) are replaced before anything is logged.
        tracing::debug!(
            request_id = %request_id.0,
            headers = ?crate::logging::redact_headers(req.headers()),
            "request headers"
        );
    }
    req.extensions_mut().insert(request_id.clone());
    req.extensions_mut().insert(client_ip);
    req.extensions_mut().insert(scope.clone());

    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut response = match declared_length {
        Some(len) if len > BODY_LIMIT_BYTES => ApiError::PayloadTooLarge.into_response(),
        _ => next.run(req).await,
    };

    Problem::finalize(&mut response, &request_id.0, state.config.verbose_errors);
    security_headers::apply(response.headers_mut(), !state.config.stage.is_local());
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response.headers_mut().insert("x-request-id", value);
    }

    if let Some(snapshot) = scope.rate_limit() {
        response.headers_mut().extend(snapshot.headers());
    }

    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    let user_id = scope.user_id();
    tracing::info!(
        target: "access",
        request_id = %request_id.0,
        method = %method,
        route = %route,
        status,
        latency_ms,
        user_id = user_id.as_deref().unwrap_or("-"),
        client_ip = %client_ip.key(),
        cold_start,
        "request"
    );
    response
}
