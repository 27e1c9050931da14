//! Every group's routes on one router, the way API Gateway routes them to the functions.

use axum::Router;

use shared::AppState;

pub fn all_routes() -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(instructors::routes())
        .merge(bookings::routes())
        .merge(admin::routes())
}
