//! Issuing sessions (login and refresh share it), rotating refresh tokens, and logout.

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::access_token::{self, ACCESS_TOKEN_TTL_SECS};
use shared::auth::cookies::{self, SessionCookies, REFRESH_COOKIE, REFRESH_TTL_SECS};
use shared::auth::guard::{check_csrf, signing_keys};
use shared::auth::refresh_token::RefreshToken;
use shared::auth::{csrf, AccountStatus, Role};
use shared::clock::Now;
use shared::http::json::{is_json_content_type, Json};
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::store::sessions::{self, Rotated, Rotation, SessionRecord};
use shared::store::users::UserRecord;
use shared::{ApiError, ApiResult, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`.
    access_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    token_type: &'static str,
    /// Seconds the access token is valid (900).
    expires_in: i64,
    /// Opaque; send it to `/auth/refresh` for new tokens. Single use.
    refresh_token: String,
    /// Seconds the session lasts without a refresh.
    refresh_expires_in: i64,
    user_role: Role,
    user_id: String,
}

/// A new session for `user`: the stored record plus the tokens to hand out.
pub struct NewSession {
    pub record: SessionRecord,
    pub refresh: RefreshToken,
}

pub fn new_session(user_id: &str, now: Now) -> NewSession {
    let session_id = uuid::Uuid::new_v4().simple().to_string();
    let refresh = RefreshToken::generate(user_id, &session_id, 0);
    NewSession {
        record: SessionRecord {
            session_id,
            user_id: user_id.to_owned(),
            refresh_generation: 0,
            refresh_hash: refresh.hash(),
            spent_refresh_hashes: Vec::new(),
            created_at_ms: now.millis(),
            expires_at: now.secs() + REFRESH_TTL_SECS,
            revoked: false,
        },
        refresh,
    }
}

/// The 200 answer of login and refresh: tokens in the body (mobile) and cookies (web).
pub async fn token_response(
    state: &AppState,
    user: &UserRecord,
    session_id: &str,
    refresh: &RefreshToken,
    now: Now,
) -> ApiResult<Response> {
    let keys = signing_keys(state).await?;
    let (access, _) = access_token::issue(&keys, &user.user_id, user.role, session_id, now.secs())?;
    let refresh_text = refresh.expose();
    let csrf_token = csrf::issue(&keys, session_id);
    let mut headers = HeaderMap::new();
    cookies::set_session(
        &mut headers,
        &SessionCookies {
            access_token: &access,
            refresh_token: &refresh_text,
            csrf_token: &csrf_token,
        },
        state.config.cookie_secure,
    );
    let body = TokenResponse {
        access_token: access,
        token_type: "bearer",
        expires_in: ACCESS_TOKEN_TTL_SECS,
        refresh_token: refresh_text,
        refresh_expires_in: REFRESH_TTL_SECS,
        user_role: user.role,
        user_id: user.user_id.clone(),
    };
    Ok((headers, JsonResponse(body)).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Mobile apps send it here; web apps leave it out and send the `__Host-da_refresh`
    /// cookie with `X-CSRF-Token`.
    refresh_token: Option<String>,
}

pub(crate) fn session_ended() -> ApiError {
    ApiError::Unauthorized("The session has ended; sign in again.".into())
}

/// Refresh the tokens
///
/// With the refresh token from the body (mobile) or the cookie (web, with CSRF). Each use
/// rotates it; presenting a spent one ends the whole session. 100 a minute per IP, and 60 an
/// hour per session once the token is proven.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    operation_id = "refresh_session",
    tag = "auth",
    request_body(content = Option<RefreshRequest>,
        description = "Optional: without a refresh token in a JSON body, the refresh cookie is \
            used."),
    security((), ("refresh_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "New tokens (and cookies); the presented refresh token \
            is spent.", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "The renewed session cookies."))),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn refresh(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    request: Request,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let (parts, body) = request.into_parts();
    let reads = async {
        let (presented, via_cookie) = presented_token(&state, &parts, body).await?;
        if via_cookie {
            let keys = signing_keys(&state).await?;
            check_csrf(&parts, &state, &keys, &presented.session_id)?;
        }
        let (user, session) = live_session(&state, &presented, now).await?;
        ApiResult::Ok((presented, user, session))
    };
    // Per IP until the token is proven (the session id in it is anyone's to copy), counted
    // beside the session's read: a limited request answers 429 whatever the token was, and
    // nothing below (a rotation, a revocation) starts before the limit has answered.
    let (presented, user, session) = state
        .limiter
        .check_alongside(&scope, RuleName::RefreshIp, Caller::key(&ip.key()), reads)
        .await?;
    // Revoke only on proof: a token one of the latest rotations spent, secret included.
    // Revoking on an id and a number alone would let anyone who learnt them end someone
    // else's session.
    let presented_hash = presented.hash();
    let replayed = presented.generation < session.refresh_generation
        && session.spent_refresh_hashes.contains(&presented_hash);
    if replayed {
        revoke_for_reuse(&state, &ip, &user, &session, now).await?;
        return Err(session_ended());
    }
    if presented.generation != session.refresh_generation || presented_hash != session.refresh_hash
    {
        return Err(session_ended());
    }
    state
        .limiter
        .check(&scope, RuleName::Session, Caller::key(&session.session_id))
        .await?;
    let next = RefreshToken::generate(
        &user.user_id,
        &session.session_id,
        session.refresh_generation + 1,
    );
    let rotation = Rotation {
        from_generation: presented.generation,
        from_hash: &presented_hash,
        to_generation: next.generation,
        to_hash: &next.hash(),
    };
    match sessions::rotate(
        &state.aws.dynamodb,
        &state.config.table_name,
        &session,
        rotation,
    )
    .await?
    {
        Rotated::Done => token_response(&state, &user, &session.session_id, &next, now).await,
        Rotated::Lost => {
            revoke_for_reuse(&state, &ip, &user, &session, now).await?;
            Err(session_ended())
        }
    }
}

/// The `refresh_token` of a JSON body, if the request has one (a JSON `null` body, like no
/// body, has none).
pub(crate) async fn refresh_token_in_body(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
) -> ApiResult<Option<String>> {
    let has_json_body = is_json_content_type(
        parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    if !has_json_body {
        return Ok(None);
    }
    let Json(body) = Json::<Option<RefreshRequest>>::from_request(
        Request::from_parts(parts.clone(), body),
        state,
    )
    .await?;
    Ok(body.and_then(|b| b.refresh_token))
}

/// The refresh token of the request, from a JSON body or else the cookie, and whether it came
/// from the cookie (which then needs the CSRF check).
async fn presented_token(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
) -> ApiResult<(RefreshToken, bool)> {
    let (text, via_cookie) = match refresh_token_in_body(state, parts, body).await? {
        Some(text) => (text, false),
        None => (
            cookies::read(&parts.headers, REFRESH_COOKIE).ok_or_else(session_ended)?,
            true,
        ),
    };
    let presented = RefreshToken::parse(&text).ok_or_else(session_ended)?;
    Ok((presented, via_cookie))
}

/// The user and session the token names, if the session is live and the account active.
async fn live_session(
    state: &AppState,
    presented: &RefreshToken,
    now: Now,
) -> ApiResult<(UserRecord, SessionRecord)> {
    let (user, session) = sessions::get_with_user(
        &state.aws.dynamodb,
        &state.config.table_name,
        &presented.user_id,
        &presented.session_id,
    )
    .await?;
    let (Some(user), Some(session)) = (user, session) else {
        return Err(session_ended());
    };
    if !session.is_live(now.secs(), user.sessions_valid_after) {
        return Err(session_ended());
    }
    if user.status != AccountStatus::Active {
        return Err(ApiError::Forbidden("This account is suspended.".into()));
    }
    Ok((user, session))
}

async fn revoke_for_reuse(
    state: &AppState,
    ip: &ClientIp,
    user: &UserRecord,
    session: &SessionRecord,
    now: Now,
) -> ApiResult<()> {
    sessions::revoke(
        &state.aws.dynamodb,
        &state.config.table_name,
        &user.user_id,
        &session.session_id,
    )
    .await?;
    tracing::warn!(user_id = %user.user_id, session_id = %session.session_id, "refresh token reuse; session revoked");
    AuditEntry {
        actor: Some(user.user_id.clone()),
        action: "session.refresh_reuse_revoked",
        target: Some(session.session_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Failure,
        detail: None,
        at: now,
    }
    .record(&state.aws.dynamodb, &state.config.table_name)
    .await;
    Ok(())
}
