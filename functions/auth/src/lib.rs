//! The `auth` group: registration, email verification, login, refresh, logout and password
//! reset. Every route is rate limited and fails closed when the counter store is down.

mod duplicate;
mod login;
mod logout;
mod notice;
mod password_reset;
mod register;
mod resend;
mod session;
mod verify;

use axum::routing::post;
use axum::Router;

use shared::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register/student", post(register::student))
        .route(
            "/api/v1/auth/register/instructor",
            post(register::instructor),
        )
        .route("/api/v1/auth/verify", post(verify::verify_email))
        .route("/api/v1/auth/resend-verification", post(resend::resend))
        .route("/api/v1/auth/login", post(login::login))
        .route("/api/v1/auth/refresh", post(session::refresh))
        .route("/api/v1/auth/logout", post(logout::logout))
        .route("/api/v1/auth/forgot-password", post(password_reset::forgot))
        .route("/api/v1/auth/reset-password", post(password_reset::reset))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    register::student,
    register::instructor,
    verify::verify_email,
    resend::resend,
    login::login,
    session::refresh,
    logout::logout,
    password_reset::forgot,
    password_reset::reset,
))]
struct AuthApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <AuthApi as utoipa::OpenApi>::openapi()
}
