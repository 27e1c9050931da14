//! `POST /auth/verify`: consumes a verification token and activates the account, in one
//! transaction (the token cannot be used twice, even by two racing requests).

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::AccountStatus;
use shared::clock;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::RuleName;
use shared::store::transact::{transact, TransactError};
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

use crate::email_tokens::{self, Purpose};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The `token` of the emailed `<PUBLIC_URL>/verify?token=...` link.
    token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailVerified {
    user_id: String,
    /// `ACTIVE`: the account can sign in.
    status: AccountStatus,
    message: &'static str,
}

fn invalid_token() -> ApiError {
    ApiError::BadRequest("The verification link is invalid, used or expired.".into())
}

/// Verify an email address
///
/// Uses the emailed verification token (once, within 24 hours) and activates the account.
/// 10 an hour per IP.
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify",
    operation_id = "verify_email",
    tag = "auth",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The account is active.", body = EmailVerified),
        (status = 400, description = "The token is invalid, used or expired (or the body is \
            unreadable).", body = shared::http::problem::Problem,
            content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn verify_email(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<VerifyRequest>,
) -> ApiResult<JsonResponse<EmailVerified>> {
    state
        .limiter
        .check(&scope, RuleName::VerifyIp, &ip.key(), false)
        .await?;
    let table = &state.config.table_name;
    let (user_id, hash) = email_tokens::find(
        &state.aws.dynamodb,
        table,
        Purpose::VerifyEmail,
        body.token.trim(),
    )
    .await?
    .ok_or_else(invalid_token)?;

    let activate = Update::builder()
        .table_name(table)
        .set_key(Some(users::profile_key(&user_id)))
        .update_expression("SET #status = :active, updated_at = :now")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(
            ":active",
            AttributeValue::S(AccountStatus::Active.as_str().into()),
        )
        .expression_attribute_values(
            ":pending",
            AttributeValue::S(AccountStatus::PendingVerification.as_str().into()),
        )
        .expression_attribute_values(":now", AttributeValue::S(clock::now_rfc3339()))
        .build()?;
    let audit = AuditEntry {
        actor: Some(user_id.clone()),
        action: "account.email_verified",
        target: Some(user_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: None,
    };
    let items = vec![
        TransactWriteItem::builder()
            .delete(email_tokens::consume(table, &hash)?)
            .build(),
        TransactWriteItem::builder().update(activate).build(),
        TransactWriteItem::builder().put(audit.put(table)?).build(),
    ];
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => Ok(JsonResponse(EmailVerified {
            user_id,
            status: AccountStatus::Active,
            message: "Your email address is verified; you can sign in.",
        })),
        Err(TransactError::ConditionFailed(_)) => Err(invalid_token()),
        Err(TransactError::Other(err)) => Err(ApiError::Internal(err)),
    }
}
