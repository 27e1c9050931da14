//! `GET /bookings` (own bookings; admins see all; optional status filter) and
//! `GET /bookings/{id}`. One query per page whatever the page size: the list comes from the
//! index of the caller's role, display names are on the booking items.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::auth::{AuthUser, Role};
use shared::http::openapi as doc;
use shared::http::query::{PathId, Query};
use shared::http::request_context::RequestScope;
use shared::pagination::{Page, PagedList};
use shared::rate_limit::RuleName;
use shared::schema::{GlobalIndex, GSI1, GSI2, GSI3};
use shared::store::bookings::{self, BookingRecord, BookingStatus};
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
fn index_for(auth: &AuthUser) -> (GlobalIndex, String) {
    match auth.role() {
        Role::Admin => (GSI3, bookings::ALL_BOOKINGS_PK.to_owned()),
        Role::Instructor => (GSI1, bookings::instructor_index_pk(auth.user_id())),
        Role::Student => (GSI2, bookings::student_index_pk(auth.user_id())),
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
    scope: RequestScope,
    auth: AuthUser,
    Query(query): Query<ListQuery>,
) -> ApiResult<JsonResponse<Page<BookingView>>> {
    state
        .limiter
        .check(&scope, RuleName::User, auth.user_id(), auth.is_admin())
        .await?;
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

    let (index, partition) = index_for(&auth);
    let mut request = state
        .aws
        .dynamodb
        .query()
        .table_name(&state.config.table_name)
        .index_name(index.name)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_values(":pk", AttributeValue::S(partition))
        .scan_index_forward(false)
        .limit(page.limit)
        .set_exclusive_start_key(page.start_key);
    if let Some(status) = status {
        // A filter, not a key: a page may hold fewer than `limit` items, but the cost stays
        // one query per page.
        request = request
            .filter_expression("#status = :status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", AttributeValue::S(status.as_str().into()));
    }
    let output = request.send().await.map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context("Failed to list bookings"))
    })?;
    let items = output
        .items()
        .iter()
        .map(BookingRecord::try_from)
        .map(|r| r.map(BookingView::from))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(JsonResponse(
        list.page(items, output.last_evaluated_key()).await?,
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
    scope: RequestScope,
    auth: AuthUser,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<BookingView>> {
    state
        .limiter
        .check(&scope, RuleName::User, auth.user_id(), auth.is_admin())
        .await?;
    let booking = visible_booking(&state, &auth, &id).await?;
    Ok(JsonResponse(BookingView::from(booking)))
}
