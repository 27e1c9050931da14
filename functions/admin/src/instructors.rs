//! `POST /admin/instructors/{id}/verify` and `/reject`. Verification adds the sparse listing
//! keys (only verified instructors appear in public listings), rejection removes them; the
//! pending-verification counter and the audit entry move in the same transaction.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Serialize;
use utoipa::ToSchema;

use shared::audit::Outcome;
use shared::clock;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::request_context::ClientIp;
use shared::store::instructors::{self, listing_keys, verification_update};
use shared::store::stats;
use shared::store::transact::{transact, TransactError};
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
    decide(&state, &ip, &admin, &id, true).await
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
    decide(&state, &ip, &admin, &id, false).await
}

/// Adds "and the verification is still `read`" to the update's condition, so two admins
/// deciding at once cannot both move the pending counter.
fn unless_changed(mut update: Update, read: &str) -> Update {
    update.condition_expression = Some(match update.condition_expression.take() {
        Some(condition) => format!("({condition}) AND #verification = :read_verification"),
        None => "#verification = :read_verification".to_owned(),
    });
    update
        .expression_attribute_names
        .get_or_insert_with(Default::default)
        .insert("#verification".into(), "verification".into());
    update
        .expression_attribute_values
        .get_or_insert_with(Default::default)
        .insert(":read_verification".into(), AttributeValue::S(read.into()));
    update
}

/// How the pending queue changes when an instructor goes from `read` to verified/rejected.
fn pending_delta(read: &str) -> i64 {
    if read == instructors::PENDING {
        -1
    } else {
        0
    }
}

async fn decide(
    state: &AppState,
    ip: &ClientIp,
    admin: &Admin,
    id: &str,
    verified: bool,
) -> ApiResult<JsonResponse<VerificationView>> {
    let table = &state.config.table_name;
    let user = users::get(&state.aws.dynamodb, table, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Only instructors live under /admin/instructors; anyone else is not found here.
    let Some(instructor) = user.instructor.as_ref() else {
        return Err(ApiError::NotFound);
    };
    let listing = listing_keys(
        &user.user_id,
        &user.city,
        &user.last_name,
        instructor.latitude,
        instructor.longitude,
    );
    let update = verification_update(table, id, verified, listing, &clock::now_rfc3339())?;
    let (action, verification) = if verified {
        ("instructor.verified", instructors::VERIFIED)
    } else {
        ("instructor.rejected", instructors::REJECTED)
    };
    let audit = admin.audit(
        ip,
        action,
        Some(id),
        Outcome::Success,
        Some(format!("{} -> {verification}", instructor.verification)),
    );
    let mut items = vec![
        TransactWriteItem::builder()
            .update(unless_changed(update, &instructor.verification))
            .build(),
        TransactWriteItem::builder().put(audit.put(table)?).build(),
    ];
    let delta = pending_delta(&instructor.verification);
    if delta != 0 {
        items.push(
            TransactWriteItem::builder()
                .update(stats::pending_verifications_update(table, delta)?)
                .build(),
        );
    }
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {}
        Err(TransactError::ConditionFailed(_)) => {
            return Err(ApiError::Conflict(
                "The instructor's verification changed while this request ran; try again.".into(),
            ))
        }
        Err(TransactError::Other(err)) => return Err(ApiError::Internal(err)),
    }
    Ok(JsonResponse(VerificationView {
        user_id: user.user_id.clone(),
        verification,
        listed: verified,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_is_conditional_on_the_verification_read() {
        let update = verification_update("t", "u1", true, vec![], "2026-01-01T00:00:00.000Z")
            .expect("update");
        let guarded = unless_changed(update, instructors::PENDING);
        let condition = guarded.condition_expression().expect("condition");
        assert!(
            condition.ends_with("AND #verification = :read_verification"),
            "{condition}"
        );
        assert!(condition.starts_with('('), "{condition}");
        assert_eq!(
            guarded.expression_attribute_values().expect("values")[":read_verification"],
            AttributeValue::S("PENDING".into())
        );
    }

    #[test]
    fn only_leaving_the_pending_queue_moves_the_counter() {
        assert_eq!(pending_delta(instructors::PENDING), -1);
        assert_eq!(pending_delta(instructors::VERIFIED), 0);
        assert_eq!(pending_delta(instructors::REJECTED), 0);
    }
}
