//! The middleware stack every function group's routes are served behind.

use axum::extract::DefaultBodyLimit;
use axum::Router;

use super::body_limit::BODY_LIMIT_BYTES;
use super::{cors, pipeline};
use crate::error::ApiError;
use crate::state::AppState;

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
