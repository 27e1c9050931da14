//! `GET /bookings` (own bookings; admins see all; optional status filter) and
//! `GET /bookings/{id}`. One query per page whatever the page size (for admins one per shard of
//! the admin index, `shared::store::shards`): the list comes from the index of the caller's
//! role, display names are on the booking items.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::auth::{AuthUser, LimitedUser, Role};
use shared::http::openapi as doc;
use shared::http::query::{PathId, Query};
use shared::pagination::{Page, PagedList};
use shared::store::bookings::{self, BookingStatus, BookingsOf};
use shared::{ApiError, ApiResult, AppState};

use crate::access::visible_booking;
use crate::view::BookingView;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only bookings with this status.
    #[param(value_type = Option<BookingStatus>)]
    status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

/// The index and partition that hold the caller's bookings.
/// The caller's own bookings; every booking for admins.
fn bookings_of(auth: &AuthUser) -> BookingsOf<'_> {
    match auth.role() {
        Role::Admin => BookingsOf::Everyone,
        Role::Instructor => BookingsOf::Instructor(auth.user_id()),
        Role::Student => BookingsOf::Student(auth.user_id()),
    }
}

/// List bookings
///
/// A student's or instructor's own bookings; all bookings for admins. Latest lesson first.
#[utoipa::path(
    get,
    path = "/api/v1/bookings",
    operation_id = "list_bookings",
    tag = "bookings",
    params(ListQuery),
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "A page of bookings.", body = Page<BookingView>),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    auth: LimitedUser,
    Query(query): Query<ListQuery>,
) -> ApiResult<JsonResponse<Page<BookingView>>> {
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(BookingStatus::parse(text).ok_or_else(|| {
            ApiError::BadRequest(
                "status must be one of pending, confirmed, completed, cancelled.".into(),
            )
        })?),
    };
    let fingerprint = format!("bookings?status={}", status.map_or("", |s| s.as_str()));
    let list = PagedList::new(&state, auth.user_id(), fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;

    let found = bookings::page(
        &state.aws.dynamodb,
        &state.config.table_name,
        bookings_of(&auth),
        status,
        page.limit,
        page.start_key,
    )
    .await?;
    let items = found.items.into_iter().map(BookingView::from).collect();
    Ok(JsonResponse(
        list.page(items, found.last_key.as_ref()).await?,
    ))
}

/// A booking
///
/// Its student, its instructor and admins see it; anyone else gets 404.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}",
    operation_id = "get_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The booking.", body = BookingView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<BookingView>> {
    let booking = visible_booking(&state, &auth, &id).await?;
    Ok(JsonResponse(BookingView::from(booking)))
}
