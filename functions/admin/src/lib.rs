//! The `admin` group: admin accounts, suspension, instructor verification, the outgoing mail
//! server, the audit log and the dashboard counters. Every route requires an admin; only admin
//! creation is rate limited (5 a day per admin). The operator's binaries live here too:
//! `migrate-smtp-passwords` (its core in [`migrate`]) and `admin-accounts` (in
//! [`account_status`]).

pub mod account_status;
mod accounts;
mod audit_log;
mod guard;
mod instructors;
pub mod migrate;
mod smtp;
mod smtp_form;
mod stats;
mod user_list;
mod view;

use axum::routing::{get, post};
use axum::Router;

use shared::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/admins", post(accounts::create_admin))
        .route("/api/v1/admin/users", get(user_list::list))
        .route("/api/v1/admin/users/{id}/suspend", post(accounts::suspend))
        .route(
            "/api/v1/admin/users/{id}/reactivate",
            post(accounts::reactivate),
        )
        .route(
            "/api/v1/admin/instructors/{id}/verify",
            post(instructors::verify),
        )
        .route(
            "/api/v1/admin/instructors/{id}/reject",
            post(instructors::reject),
        )
        .route(
            "/api/v1/admin/smtp-settings",
            get(smtp::get_settings).put(smtp::put_settings),
        )
        .route("/api/v1/admin/smtp-settings/test", post(smtp::send_test))
        .route("/api/v1/admin/audit-log", get(audit_log::list))
        .route("/api/v1/admin/stats", get(stats::get_stats))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    accounts::create_admin,
    user_list::list,
    accounts::suspend,
    accounts::reactivate,
    instructors::verify,
    instructors::reject,
    smtp::get_settings,
    smtp::put_settings,
    smtp::send_test,
    audit_log::list,
    stats::get_stats,
))]
struct AdminApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <AdminApi as utoipa::OpenApi>::openapi()
}
