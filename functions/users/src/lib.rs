//! The `users` group: the signed-in user's own account.

mod me;
mod password;
mod phone;
mod view;

use axum::routing::{get, post};
use axum::Router;

use shared::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/me", get(me::get_me).patch(me::patch_me))
        .route("/api/v1/users/me/password", post(password::change))
        .route("/api/v1/users/me/phone/confirm", post(phone::confirm))
        .route("/api/v1/users/me/dashboard", get(me::dashboard))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    me::get_me,
    me::patch_me,
    password::change,
    phone::confirm,
    me::dashboard
))]
struct UsersApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <UsersApi as utoipa::OpenApi>::openapi()
}
