//! `GET /instructors/{id}/reviews`: newest first, one query per page.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::http::openapi as doc;
use shared::http::query::{PathId, Query};
use shared::http::request_context::{ClientIp, RequestScope};
use shared::pagination::{Page, PagedList};
use shared::store::reviews::{self, ReviewRecord};
use shared::{ApiError, ApiResult, AppState};

use crate::listing::PUBLIC_CALLER;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

/// An instructor's reviews
///
/// Newest first. 100 a minute per IP.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}/reviews",
    operation_id = "list_instructor_reviews",
    tag = "instructors",
    params(("id" = String, Path, description = "The instructor's user id."), ReviewsQuery),
    responses(
        (status = 200, description = "A page of reviews, newest first.",
            body = Page<ReviewRecord>),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    PathId(id): PathId,
    Query(query): Query<ReviewsQuery>,
) -> ApiResult<JsonResponse<Page<ReviewRecord>>> {
    crate::public_read(&state, &scope, &ip, read_reviews(&state, &id, query)).await
}

async fn read_reviews(
    state: &AppState,
    id: &str,
    query: ReviewsQuery,
) -> ApiResult<JsonResponse<Page<ReviewRecord>>> {
    if id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let fingerprint = format!("reviews?instructor={id}");
    let list = PagedList::new(state, PUBLIC_CALLER, fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;
    let found = reviews::for_instructor(
        &state.aws.dynamodb,
        &state.config.table_name,
        id,
        page.limit,
        page.start_key,
    )
    .await?;
    Ok(JsonResponse(
        list.page(found.items, found.last_key.as_ref()).await?,
    ))
}
