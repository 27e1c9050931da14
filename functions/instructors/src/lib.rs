//! The `instructors` group: finding verified instructors (by city or by distance), their
//! profiles, reviews and free times, and an instructor's own profile and time off.

mod availability;
mod listing;
mod nearby;
mod profile;
mod reviews;
mod time_off;
mod view;

use axum::routing::{get, patch};
use axum::Router;

use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::{ApiResult, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instructors", get(listing::list))
        .route("/api/v1/instructors/nearby", get(nearby::nearby))
        .route("/api/v1/instructors/me", patch(profile::patch_me))
        .route(
            "/api/v1/instructors/me/time-off",
            get(time_off::get_time_off).put(time_off::put_time_off),
        )
        .route("/api/v1/instructors/{id}", get(profile::get_one))
        .route("/api/v1/instructors/{id}/reviews", get(reviews::list))
        .route(
            "/api/v1/instructors/{id}/availability",
            get(availability::availability),
        )
}

/// The public routes' limit (100 a minute per IP, failing open), counted beside the route's
/// reads: a limited request answers 429 and nothing it read is used.
pub(crate) async fn public_read<T>(
    state: &AppState,
    scope: &RequestScope,
    ip: &ClientIp,
    reads: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    state
        .limiter
        .check_alongside(scope, RuleName::PublicIp, Caller::key(&ip.key()), reads)
        .await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    listing::list,
    nearby::nearby,
    profile::patch_me,
    profile::get_one,
    reviews::list,
    availability::availability,
    time_off::get_time_off,
    time_off::put_time_off,
))]
struct InstructorsApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <InstructorsApi as utoipa::OpenApi>::openapi()
}
