//! `POST /users/me/password`: the current password proves it is the user; the new hash and
//! the revocation of every session (this one included) are one write.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{cookies, password_hash, LimitedUser};
use shared::domain::Password;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::rate_limit::RuleName;
use shared::store::transact::{transact, Write};
use shared::store::users;
use shared::{ApiError, ApiResult, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    current_password: String,
    /// The password rules of registration apply.
    #[schema(format = Password)]
    new_password: String,
}

/// Change the password
///
/// Proves the user with the current password, sets the new one and signs out every session,
/// this one included. 5 attempts per 15 minutes per account, each one counted and admins
/// included; a wrong current password is audited.
#[utoipa::path(
    post,
    path = "/api/v1/users/me/password",
    operation_id = "change_password",
    tag = "users",
    request_body = PasswordChange,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 204, description = "Changed; every session is signed out and the cookies \
            are cleared.",
            headers(("Set-Cookie" = String, description = "Expired session cookies."))),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn change(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    auth: LimitedUser,
    Json(body): Json<PasswordChange>,
) -> ApiResult<Response> {
    // Every attempt guesses the current password, so every attempt counts, before anything
    // else is looked at.
    state
        .limiter
        .check(&scope, RuleName::PasswordChange, auth.caller())
        .await?;
    let mut v = Validator::default();
    let new_password = v.field("new_password", Password::parse(&body.new_password));
    let new_password = v.finish_with(new_password)?;
    let table = &state.config.table_name;
    let now = state.clock.now();
    if !password_hash::verify(body.current_password, Some(auth.user.password_hash.clone())).await {
        AuditEntry {
            actor: Some(auth.user_id().to_owned()),
            action: "account.password_change_failed",
            target: Some(auth.user_id().to_owned()),
            ip: ip.key(),
            outcome: Outcome::Failure,
            detail: Some("wrong current password".into()),
            at: now,
        }
        .record(&state.aws.dynamodb, table)
        .await;
        return Err(ApiError::validation("current_password", "is incorrect"));
    }
    let new_hash = password_hash::hash(new_password.expose().to_owned()).await?;
    let update = users::password_change_update(table, auth.user_id(), new_hash, now)?;
    let audit = AuditEntry {
        actor: Some(auth.user_id().to_owned()),
        action: "account.password_changed",
        target: Some(auth.user_id().to_owned()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: None,
        at: now,
    };
    transact(
        &state.aws.dynamodb,
        vec![update, Write::from(audit.put(table)?)],
    )
    .await?;
    let mut headers = HeaderMap::new();
    cookies::clear_session(&mut headers, state.config.cookie_secure);
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
