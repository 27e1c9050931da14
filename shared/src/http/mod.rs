//! HTTP plumbing shared by every function group: the middleware stack, the JSON extractor,
//! problem documents, CORS and security headers.

pub mod cors;
pub mod idempotency;
pub mod json;
pub mod openapi;
pub mod pipeline;
pub mod problem;
pub mod query;
pub mod request_context;
pub mod security_headers;
pub mod validation;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Request bodies above this size are refused with 413 (SPEC §4).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Wraps a group's routes (or, locally, all groups' routes) in the common stack. Both the
/// Lambda functions and the local server call this, so they answer identically.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    let cors = cors::layer(&state.config.allowed_origins);
    routes
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline::pipeline,
        ))
        .with_state(state)
}
