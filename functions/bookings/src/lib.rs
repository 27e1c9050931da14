//! The `bookings` group: booking a lesson, the lesson's lifecycle, and its review.

mod access;
mod create;
mod lifecycle;
mod list;
mod payment;
mod reschedule;
mod review;
mod rules;
mod view;
mod webhook;

use axum::routing::{get, post};
use axum::Router;

use shared::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/bookings", post(create::create).get(list::list))
        .route("/api/v1/bookings/{id}", get(list::get_one))
        .route("/api/v1/bookings/{id}/confirm", post(lifecycle::confirm))
        .route("/api/v1/bookings/{id}/complete", post(lifecycle::complete))
        .route("/api/v1/bookings/{id}/cancel", post(lifecycle::cancel))
        .route("/api/v1/bookings/{id}/review", post(review::review))
        .route(
            "/api/v1/bookings/{id}/reschedule",
            post(reschedule::reschedule),
        )
        .route("/api/v1/bookings/{id}/payment", post(payment::pay))
        .route("/api/v1/payments/stripe/webhook", post(webhook::webhook))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create::create,
    list::list,
    list::get_one,
    lifecycle::confirm,
    lifecycle::complete,
    lifecycle::cancel,
    review::review,
    reschedule::reschedule,
    payment::pay,
    webhook::webhook,
))]
struct BookingsApi;

/// This group's operations, for the combined document (`local::openapi::document`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <BookingsApi as utoipa::OpenApi>::openapi()
}
