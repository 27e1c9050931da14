//! `GET /admin/stats`: users by role, pending instructor verifications and today's bookings,
//! read from counter items (one `BatchGetItem`), never by counting items.

use axum::extract::State;
use axum::Json as JsonResponse;

use shared::http::openapi as doc;
use shared::store::stats::{self, Stats};
use shared::{ApiResult, AppState};

use crate::guard::Admin;

/// Dashboard counters
///
/// Accounts by role, instructors waiting for verification and today's bookings.
#[utoipa::path(
    get,
    path = "/api/v1/admin/stats",
    operation_id = "get_stats",
    tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The counters.", body = Stats),
        doc::AccessDenied,
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_stats(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<JsonResponse<Stats>> {
    let stats = stats::read(
        &state.aws.dynamodb,
        &state.config.table_name,
        state.clock.now().timestamp(),
    )
    .await?;
    Ok(JsonResponse(stats))
}
