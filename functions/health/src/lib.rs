//! The `health` group: liveness without I/O, readiness with each dependency checked and timed,
//! the API's OpenAPI document and its interactive documentation.

mod docs;
mod readiness;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use shared::{ApiResult, AppState};

pub use docs::{DocsPage, SWAGGER_UI_VERSION};
use readiness::Readiness;

/// `docs/openapi.json`, generated from every group's annotations by
/// `cargo run -p local --bin openapi`; embedded so this function stays free of the other groups.
pub const OPENAPI_JSON: &str = include_str!("../../../docs/openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(live))
        .route("/api/v1/health/ready", get(ready))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(docs::docs_page))
}

/// Init opens the connections readiness uses (DynamoDB, KMS, Secrets Manager) by probing them
/// once, with the permissions the probes already have; the outcome is not kept.
pub fn warmup(state: &AppState) -> futures::future::BoxFuture<'_, ()> {
    Box::pin(async move {
        let _ = readiness::check_all(state).await;
    })
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(live, ready, openapi_json, docs::docs_page))]
struct HealthApi;

#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    status: &'static str,
    #[schema(example = "drive-alive-api")]
    service: &'static str,
    version: &'static str,
    /// `local`, `dev` or `prod`.
    #[schema(example = "prod")]
    stage: &'static str,
}

/// Liveness: answers from memory, so it measures the function and the gateway only.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health_live",
    tag = "health",
    responses((status = 200, description = "The function runs.", body = Liveness))
)]
async fn live(State(state): State<AppState>) -> Json<Liveness> {
    Json(Liveness {
        status: "ok",
        service: "drive-alive-api",
        version: env!("CARGO_PKG_VERSION"),
        stage: state.config.stage.as_str(),
    })
}

/// Readiness: DynamoDB, KMS and Secrets Manager, probed at once, each within the timeout.
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    operation_id = "health_ready",
    tag = "health",
    responses(
        (status = 200, description = "Every dependency answered.", body = Readiness),
        (status = 503, description = "A dependency did not answer; `checks` says which.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
    )
)]
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    readiness::check_all(&state).await.map(Json)
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi_document",
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.",
        content_type = "application/json", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <HealthApi as utoipa::OpenApi>::openapi()
}
