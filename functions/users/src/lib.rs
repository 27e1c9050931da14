//! The `users` group: the signed-in user's own account, and the calendar feed of their lessons.

mod calendar;
mod ics;
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
        .route("/api/v1/users/me/calendar-feed", get(calendar::get_feed))
        .route(
            "/api/v1/users/me/calendar-feed/rotate",
            post(calendar::rotate),
        )
        .route("/api/v1/calendar/{feed}", get(calendar::feed))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    me::get_me,
    me::patch_me,
    password::change,
    phone::confirm,
    me::dashboard,
    calendar::get_feed,
    calendar::rotate,
    calendar::feed,
))]
struct UsersApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <UsersApi as utoipa::OpenApi>::openapi()
}
