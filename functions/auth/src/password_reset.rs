//! Forgotten passwords. `forgot-password` always answers 202 with the same body after the same
//! minimum time, whether or not the account exists; `reset-password` consumes the token, sets
//! the new hash and revokes every session in one transaction.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{password_hash, AccountStatus};
use shared::domain::{Email, Password};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::notices::{self, queue};
use shared::rate_limit::{Caller, RuleName};
use shared::store::email_tokens::{self, Purpose};
use shared::store::outbox;
use shared::store::transact::{transact, Write};
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

use crate::notice::{self, Notice};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    #[schema(format = "email")]
    email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The `token` of the emailed `<PUBLIC_URL>/reset-password?token=...` link.
    token: String,
    /// The password rules of registration apply.
    #[schema(format = Password)]
    new_password: String,
}

/// Ask for a password-reset link
///
/// Always answers 202 with the same body after the same minimum time, whether or not an
/// account exists; an existing, unsuspended account gets an email with a link valid for an
/// hour. 3 an hour per IP (and, silently, per address).
#[utoipa::path(
    post,
    path = "/api/v1/auth/forgot-password",
    operation_id = "forgot_password",
    tag = "auth",
    request_body = ForgotRequest,
    responses(
        (status = 202, description = "Accepted; a link is emailed if the account exists.",
            body = Notice),
        doc::BodyRejected,
        (status = 403, response = doc::ForeignOrigin),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn forgot(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<ForgotRequest>,
) -> ApiResult<(StatusCode, JsonResponse<Notice>)> {
    notice::quietly(
        &state,
        &scope,
        &ip,
        &body.email,
        (RuleName::ForgotIp, RuleName::ForgotAccount),
        "If an account exists for that address, we have sent it a link to reset the password.",
        |email| {
            let (state, ip) = (&state, &ip);
            async move { send_reset_link(state, ip, &email).await }
        },
    )
    .await
}

async fn send_reset_link(state: &AppState, ip: &ClientIp, email: &Email) -> anyhow::Result<()> {
    let db = &state.aws.dynamodb;
    let table = &state.config.table_name;
    let Some(user) = users::by_claim(db, table, users::email_pk(email.as_str())).await? else {
        return Ok(());
    };
    if user.status == AccountStatus::Suspended {
        return Ok(());
    }
    let now = state.clock.now();
    let (token, put) = email_tokens::issue(Purpose::ResetPassword, &user.user_id, table, now)?;
    let audit = AuditEntry {
        actor: Some(user.user_id.clone()),
        action: "auth.password_reset_requested",
        target: Some(user.user_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: None,
        at: now,
    };
    let notice = notices::Notice::password_reset(&user.user_id, &token);
    transact(
        db,
        vec![
            put,
            Write::from(audit.put(table)?),
            outbox::put(table, &notice, now)?,
        ],
    )
    .await
    .map_err(anyhow::Error::from)?;
    queue::enqueue(state, &[notice]).await;
    Ok(())
}

fn invalid_token() -> ApiError {
    ApiError::BadRequest("The reset link is invalid, used or expired.".into())
}

/// Reset the password
///
/// Uses the emailed reset token (once, within an hour), sets the new password and signs out
/// every session of the account. 5 an hour per IP.
#[utoipa::path(
    post,
    path = "/api/v1/auth/reset-password",
    operation_id = "reset_password",
    tag = "auth",
    request_body = ResetRequest,
    responses(
        (status = 200, description = "The password is changed; every session is signed out.",
            body = Notice),
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
pub async fn reset(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<ResetRequest>,
) -> ApiResult<JsonResponse<Notice>> {
    state
        .limiter
        .check(&scope, RuleName::ResetIp, Caller::key(&ip.key()))
        .await?;
    let mut v = Validator::default();
    let password = v.field("new_password", Password::parse(&body.new_password));
    let password = v.finish_with(password)?;
    let now = state.clock.now();
    let db = &state.aws.dynamodb;
    let table = &state.config.table_name;
    let token = email_tokens::find(db, table, Purpose::ResetPassword, body.token.trim(), now)
        .await?
        .ok_or_else(invalid_token)?;
    let new_hash = password_hash::hash(password.expose().to_owned()).await?;
    let update = users::password_change_update(table, &token.user_id, new_hash, now)?;
    if !token
        .redeem(db, table, update, "auth.password_reset", &ip.key())
        .await?
    {
        return Err(invalid_token());
    }
    Ok(JsonResponse(Notice {
        message: "Your password is changed and every session is signed out; sign in with the new password.",
    }))
}
