//! `GET /instructors/{id}/reviews`: newest first, one query per page.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;

use shared::http::query::{PathId, Query};
use shared::http::request_context::{ClientIp, RequestScope};
use shared::pagination::{self, Page};
use shared::schema::PARTITION_KEY;
use shared::store::reviews::{reviews_pk, ReviewRecord};
use shared::{ApiError, ApiResult, AppState};

use crate::listing::PUBLIC_CALLER;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewsQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    PathId(id): PathId,
    Query(query): Query<ReviewsQuery>,
) -> ApiResult<JsonResponse<Page<ReviewRecord>>> {
    crate::public_limit(&state, &scope, &ip).await?;
    if id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let fingerprint = format!("reviews?instructor={id}");
    let page = pagination::page_request(
        &state,
        PUBLIC_CALLER,
        &fingerprint,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )
    .await?;
    let output = state
        .aws
        .dynamodb
        .query()
        .table_name(&state.config.table_name)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(":pk", AttributeValue::S(reviews_pk(&id)))
        .scan_index_forward(false)
        .limit(page.limit)
        .set_exclusive_start_key(page.start_key)
        .send()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("Failed to list reviews")))?;
    let items = output
        .items()
        .iter()
        .map(ReviewRecord::try_from)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let next = pagination::next_cursor(
        &state,
        PUBLIC_CALLER,
        &fingerprint,
        output.last_evaluated_key(),
    )
    .await?;
    Ok(JsonResponse(Page::new(items, next)))
}
