//! The `health` group: liveness without I/O, readiness with each dependency checked and timed.

mod readiness;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use shared::{ApiResult, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(live))
        .route("/api/v1/health/ready", get(ready))
}

/// Liveness: answers from memory, so it measures the function and the gateway only.
async fn live(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "service": "drive-alive-api",
        "version": env!("CARGO_PKG_VERSION"),
        "stage": state.config.stage.as_str(),
    }))
}

/// Readiness: DynamoDB, KMS and Secrets Manager, probed at once, each within the timeout.
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    readiness::check_all(&state).await.map(Json)
}
