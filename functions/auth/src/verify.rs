//! `POST /auth/verify`: consumes a verification token and activates the account, in one
//! transaction (the token cannot be used twice, even by two racing requests).

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::auth::AccountStatus;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::store::email_tokens::{self, Purpose};
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

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
        (status = 403, response = doc::ForeignOrigin),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn verify_email(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<VerifyRequest>,
) -> ApiResult<JsonResponse<EmailVerified>> {
    state
        .limiter
        .check(&scope, RuleName::VerifyIp, Caller::key(&ip.key()))
        .await?;
    let now = state.clock.now();
    let db = &state.aws.dynamodb;
    let table = &state.config.table_name;
    let token = email_tokens::find(db, table, Purpose::VerifyEmail, body.token.trim(), now)
        .await?
        .ok_or_else(invalid_token)?;
    let activate = users::activation_update(table, &token.user_id, now)?;
    if !token
        .redeem(db, table, activate, "account.email_verified", &ip.key())
        .await?
    {
        return Err(invalid_token());
    }
    Ok(JsonResponse(EmailVerified {
        user_id: token.user_id,
        status: AccountStatus::Active,
        message: "Your email address is verified; you can sign in.",
    }))
}
