//! `GET /admin/stats`: users by role, pending instructor verifications and today's bookings,
//! read from counter items (one `BatchGetItem`), never by counting items.

use axum::extract::State;
use axum::Json as JsonResponse;

use shared::store::stats::{self, Stats};
use shared::{ApiResult, AppState};

use crate::guard::Admin;

pub async fn get_stats(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<JsonResponse<Stats>> {
    let stats = stats::read(
        &state.aws.dynamodb,
        &state.config.table_name,
        jiff::Timestamp::now(),
    )
    .await?;
    Ok(JsonResponse(stats))
}
