//! `GET /instructors?city=`: verified instructors, by city from the sparse GSI2 listing key
//! (only verified instructors have one). Without a city, all verified instructors from the
//! instructors' GSI1 partition, filtered on verification.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::pagination::{Page, PagedList};
use shared::store::instructors::{self, city_slug, Listing};
use shared::{ApiError, ApiResult, AppState};

use crate::view::{is_listed, InstructorView};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only instructors in this city (case and spacing do not matter).
    city: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

/// Anonymous callers share one cursor owner; the signature still binds the query.
pub const PUBLIC_CALLER: &str = "public";

/// List verified instructors
///
/// By city, or all of them; ordered by last name within a city. 100 a minute per IP.
#[utoipa::path(
    get,
    path = "/api/v1/instructors",
    operation_id = "list_instructors",
    tag = "instructors",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of instructors.", body = Page<InstructorView>),
        (status = 400, response = doc::BadRequest),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> ApiResult<JsonResponse<Page<InstructorView>>> {
    crate::public_read(&state, &scope, &ip, read_list(&state, query)).await
}

async fn read_list(
    state: &AppState,
    query: ListQuery,
) -> ApiResult<JsonResponse<Page<InstructorView>>> {
    let city = query
        .city
        .as_deref()
        .map(city_slug)
        .filter(|c| !c.is_empty());
    if city.as_ref().is_some_and(|c| c.len() > 100) {
        return Err(ApiError::BadRequest("city is too long.".into()));
    }
    let fingerprint = format!("instructors?city={}", city.as_deref().unwrap_or(""));
    let list = PagedList::new(state, PUBLIC_CALLER, fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;
    let (db, table) = (&state.aws.dynamodb, &state.config.table_name);
    let listing = match &city {
        Some(city) => Listing::City(city),
        None => Listing::Everywhere,
    };
    let found = instructors::listed(db, table, listing, page.limit, page.start_key).await?;
    let items = found
        .items
        .iter()
        .filter(|user| is_listed(user))
        .filter_map(InstructorView::of)
        .collect();
    Ok(JsonResponse(
        list.page(items, found.last_key.as_ref()).await?,
    ))
}
