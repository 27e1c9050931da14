//! `POST /auth/login` with JSON or an OAuth2-style form. The username is an email address or a
//! phone number. Unknown accounts cost the same argon2 work as known ones and get the same
//! answer; the account's status is revealed only to someone who knows its password.

use axum::extract::{Form, FromRequest, Request, State};
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{password_hash, AccountStatus};
use shared::domain::{Email, PhoneNumber};
use shared::http::json::{is_json_content_type, Json};
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{self, UserRecord};
use shared::{metrics, ApiError, ApiResult, AppState};

use crate::session::{new_session, token_response};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email address or phone number.
    username: String,
    #[schema(format = Password)]
    password: String,
}

/// The OAuth2 password-grant form; `grant_type`, `scope` and `client_id` are accepted and
/// ignored, as OAuth2 client libraries send them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The account's email address or phone number.
    username: String,
    #[schema(format = Password)]
    password: String,
    /// `password` if sent.
    #[serde(default)]
    grant_type: Option<String>,
}

const BAD_CREDENTIALS: &str = "The username or password is incorrect.";

async fn read_credentials(state: &AppState, request: Request) -> ApiResult<LoginRequest> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if is_json_content_type(Some(&content_type)) {
        let Json(body) = Json::<LoginRequest>::from_request(request, state).await?;
        return Ok(body);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let Form(form) = Form::<LoginForm>::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status().as_u16() == 413 {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::validation("username", "username and password are required")
                }
            })?;
        if form.grant_type.as_deref().is_some_and(|g| g != "password") {
            return Err(ApiError::validation(
                "grant_type",
                "only the password grant is supported",
            ));
        }
        return Ok(LoginRequest {
            username: form.username,
            password: form.password,
        });
    }
    Err(ApiError::UnsupportedMediaType(
        "Send application/json or application/x-www-form-urlencoded.".into(),
    ))
}

/// The uniqueness key a username points at, if it is a well-formed email or phone number.
fn claim_for(username: &str) -> Option<String> {
    if username.contains('@') {
        Email::parse(username)
            .ok()
            .map(|e| users::email_pk(e.as_str()))
    } else {
        PhoneNumber::parse(username)
            .ok()
            .map(|p| users::phone_pk(p.as_str()))
    }
}

async fn find_user_id(state: &AppState, claim: Option<String>) -> ApiResult<Option<String>> {
    let Some(claim) = claim else { return Ok(None) };
    Ok(users::find_user_id(&state.aws.dynamodb, &state.config.table_name, claim).await?)
}

async fn find_user(state: &AppState, user_id: Option<&str>) -> ApiResult<Option<UserRecord>> {
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    Ok(users::get(&state.aws.dynamodb, &state.config.table_name, user_id).await?)
}

/// Sign in
///
/// With an email address or phone number and the password, as JSON or as an OAuth2
/// password-grant form. Answers the tokens (mobile) and sets the `__Host-` session cookies
/// (web). Unknown accounts and wrong passwords get the same 401. 5 a minute per IP and 20 an
/// hour per account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body(content(
        (LoginRequest = "application/json"),
        (LoginForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Signed in: the tokens, also set as `__Host-da_access`, \
            `__Host-da_refresh` and `__Host-da_csrf` cookies.", body = crate::session::TokenResponse,
            headers(("Set-Cookie" = String, description = "The session cookies (HttpOnly, \
            Secure, SameSite); the CSRF cookie is readable by scripts."))),
        (status = 400, response = doc::BadRequest),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "The password is right but the email address is not \
            verified yet, or the account is suspended; or the request's `Origin` is neither an \
            allowed origin nor the API's own (refused before anything else, no cookies set).",
            body = shared::http::problem::Problem,
            content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, description = "Neither JSON nor a form.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn login(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    request: Request,
) -> ApiResult<Response> {
    let credentials = read_credentials(&state, request).await?;
    let now = state.clock.now();
    let claim = claim_for(credentials.username.trim());
    // Each limit beside the read that follows it, in their order (per IP, then per account),
    // and every write after both: a limited request answers 429 and changes nothing.
    let user_id = state
        .limiter
        .check_alongside(
            &scope,
            RuleName::LoginIp,
            Caller::key(&ip.key()),
            find_user_id(&state, claim.clone()),
        )
        .await?;
    // Counted per account, whichever of its email address or phone number is the username;
    // a username that names no account is counted by itself.
    let account_key = match (&user_id, claim) {
        (Some(user_id), _) => users::user_pk(user_id),
        (None, Some(claim)) => claim,
        (None, None) => credentials.username.trim().to_lowercase(),
    };
    let user = state
        .limiter
        .check_alongside(
            &scope,
            RuleName::LoginAccount,
            Caller::key(&account_key),
            find_user(&state, user_id.as_deref()),
        )
        .await?;
    let password_ok = password_hash::verify(
        credentials.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let table = &state.config.table_name;
    let user = match user {
        Some(user) if password_ok => user,
        other => {
            metrics::count("LoginsFailed");
            AuditEntry {
                actor: other.as_ref().map(|u| u.user_id.clone()),
                action: "auth.login",
                target: other.as_ref().map(|u| u.user_id.clone()),
                ip: ip.key(),
                outcome: Outcome::Failure,
                detail: Some("bad credentials".into()),
                at: now,
            }
            .record(&state.aws.dynamodb, table)
            .await;
            return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
        }
    };
    match user.status {
        AccountStatus::Active => {}
        AccountStatus::PendingVerification => {
            return Err(ApiError::Forbidden(
                "Verify your email address before signing in; the link is in your inbox.".into(),
            ))
        }
        AccountStatus::Suspended => {
            return Err(ApiError::Forbidden(
                "This account is suspended. Contact support.".into(),
            ))
        }
    }

    let session = new_session(&user.user_id, now);
    let audit = AuditEntry {
        actor: Some(user.user_id.clone()),
        action: "auth.login",
        target: Some(user.user_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: None,
        at: now,
    };
    let items = vec![
        users::credentials_unchanged(table, &user)?,
        Write::from(session.record.put(table)?),
        Write::from(audit.put(table)?),
    ];
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {}
        // The password was reset (or every session revoked) after it was checked: the
        // password that was right a moment ago no longer signs in.
        Err(TransactError::ConditionFailed(positions)) if positions == [0] => {
            return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()))
        }
        // Anything else would be a session id collision: a 500 like any other bug.
        Err(err) => return Err(err.into()),
    }
    scope.set_user_id(&user.user_id);
    token_response(
        &state,
        &user,
        &session.record.session_id,
        &session.refresh,
        now,
    )
    .await
}
