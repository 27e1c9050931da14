//! `POST /admin/instructors/{id}/verify` and `/reject`. Verification adds the sparse listing
//! keys (only verified instructors appear in public listings), rejection removes them; the
//! pending-verification counter and the audit entry move in the same transaction.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Serialize;
use utoipa::ToSchema;

use shared::audit::Outcome;
use shared::error::OrConflict;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::request_context::ClientIp;
use shared::store::instructors::{self, Decision};
use shared::store::transact::{transact, Write};
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

use crate::guard::Admin;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = InstructorVerification)]
pub struct VerificationView {
    user_id: String,
    /// `VERIFIED` or `REJECTED`.
    verification: &'static str,
    /// Whether the instructor now appears in the public listings.
    listed: bool,
}

/// Verify an instructor
///
/// The instructor appears in the public listings from now on.
#[utoipa::path(
    post,
    path = "/api/v1/admin/instructors/{id}/verify",
    operation_id = "verify_instructor",
    tag = "admin",
    params(("id" = String, Path, description = "The instructor's user id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Verified and listed.", body = VerificationView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    ip: ClientIp,
    admin: Admin,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<VerificationView>> {
    decide(&state, &ip, &admin, &id, Decision::Verify).await
}

/// Reject an instructor
///
/// The instructor leaves (or stays out of) the public listings.
#[utoipa::path(
    post,
    path = "/api/v1/admin/instructors/{id}/reject",
    operation_id = "reject_instructor",
    tag = "admin",
    params(("id" = String, Path, description = "The instructor's user id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "Rejected and not listed.", body = VerificationView),
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    ip: ClientIp,
    admin: Admin,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<VerificationView>> {
    decide(&state, &ip, &admin, &id, Decision::Reject).await
}

/// Adds "and the verification is still `read`" to the update's condition, so two admins
/// deciding at once cannot both move the pending counter.
async fn decide(
    state: &AppState,
    ip: &ClientIp,
    admin: &Admin,
    id: &str,
    decision: Decision,
) -> ApiResult<JsonResponse<VerificationView>> {
    let table = &state.config.table_name;
    let user = users::get(&state.aws.dynamodb, table, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Only instructors live under /admin/instructors; anyone else is not found here.
    let Some(instructor) = user.instructor.as_ref() else {
        return Err(ApiError::NotFound);
    };
    let now = state.clock.now();
    let mut items = instructors::decision_writes(table, &user, decision, &now.rfc3339())?;
    let verification = decision.verification().as_str();
    let action = match decision {
        Decision::Verify => "instructor.verified",
        Decision::Reject => "instructor.rejected",
    };
    let audit = admin.audit(
        ip,
        action,
        Some(id),
        Outcome::Success,
        Some(format!(
            "{} -> {verification}",
            instructor.verification.as_str()
        )),
        now,
    );
    items.push(Write::from(audit.put(table)?));
    transact(&state.aws.dynamodb, items)
        .await
        .or_conflict("The instructor's verification changed while this request ran; try again.")?;
    Ok(JsonResponse(VerificationView {
        user_id: user.user_id.clone(),
        verification,
        listed: decision == Decision::Verify,
    }))
}
