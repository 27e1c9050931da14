//! `POST /auth/logout`: ends the session with whichever credential the client still has. The
//! access token lives 15 minutes and the refresh token 30 days, so a client idle for a quarter
//! of an hour can still sign out with the refresh token alone (a JSON body from a mobile app,
//! the cookie plus `X-CSRF-Token` from a browser).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use shared::auth::cookies::{self, REFRESH_COOKIE};
use shared::auth::guard::{check_csrf, signing_keys};
use shared::auth::refresh_token::RefreshToken;
use shared::auth::AuthUser;
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::store::sessions;
use shared::{ApiResult, AppState};

use crate::session::{refresh_token_in_body, session_ended};

/// The session a logout ends.
struct Ending {
    user_id: String,
    session_id: String,
}

/// Sign out
///
/// Ends this session at once (its access token is refused from the next request, its refresh
/// token no longer refreshes) and clears the cookies. Works with the access token (bearer, or
/// the cookie with CSRF) or with the refresh token alone: `{"refresh_token"}` in the body
/// (mobile) or the `__Host-da_refresh` cookie with `X-CSRF-Token` (web), so an expired access
/// token does not stop a sign-out. 100 a minute per IP, and 60 an hour per session once the
/// credential is proven.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    request_body(content = Option<crate::session::RefreshRequest>,
        description = "Optional: the refresh token, for a client whose access token has \
            expired."),
    security(
        ("bearer" = []),
        ("access_cookie" = [], "csrf_token" = []),
        ("refresh_cookie" = [], "csrf_token" = []),
        ()
    ),
    responses(
        (status = 204, description = "Signed out; the session is revoked and the cookies are \
            cleared.",
            headers(("Set-Cookie" = String, description = "Expired session cookies."))),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn logout(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    request: Request,
) -> ApiResult<Response> {
    let (mut parts, body) = request.into_parts();
    // An explicit credential first: the body's refresh token, then a bearer token; a browser's
    // refresh cookie outlives its access cookie, so it goes before the access cookie.
    let reads = async {
        ApiResult::Ok(match refresh_token_in_body(&state, &parts, body).await? {
            Some(text) => by_refresh_token(&state, &parts, &text, false).await?,
            None if parts.headers.contains_key(header::AUTHORIZATION) => {
                by_access_token(&mut parts, &state).await?
            }
            None => match cookies::read(&parts.headers, REFRESH_COOKIE) {
                Some(text) => by_refresh_token(&state, &parts, &text, true).await?,
                None => by_access_token(&mut parts, &state).await?,
            },
        })
    };
    // The per-IP limit beside the session's read; the revocation waits for both limits.
    let ending = state
        .limiter
        .check_alongside(&scope, RuleName::RefreshIp, Caller::key(&ip.key()), reads)
        .await?;
    state
        .limiter
        .check(&scope, RuleName::Session, Caller::key(&ending.session_id))
        .await?;
    sessions::revoke(
        &state.aws.dynamodb,
        &state.config.table_name,
        &ending.user_id,
        &ending.session_id,
    )
    .await?;
    let mut headers = HeaderMap::new();
    cookies::clear_session(&mut headers, state.config.cookie_secure);
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

async fn by_access_token(parts: &mut Parts, state: &AppState) -> ApiResult<Ending> {
    let auth = AuthUser::from_request_parts(parts, state).await?;
    Ok(Ending {
        user_id: auth.user_id().to_owned(),
        session_id: auth.session_id,
    })
}

/// The session a refresh token proves: its current token, or one of the spent ones it
/// remembers (ending a session needs the secret, never just its id).
async fn by_refresh_token(
    state: &AppState,
    parts: &Parts,
    text: &str,
    via_cookie: bool,
) -> ApiResult<Ending> {
    let presented = RefreshToken::parse(text).ok_or_else(session_ended)?;
    if via_cookie {
        let keys = signing_keys(state).await?;
        check_csrf(parts, state, &keys, &presented.session_id)?;
    }
    let (_, session) = sessions::get_with_user(
        &state.aws.dynamodb,
        &state.config.table_name,
        &presented.user_id,
        &presented.session_id,
    )
    .await?;
    let session = session.ok_or_else(session_ended)?;
    let hash = presented.hash();
    let current =
        presented.generation == session.refresh_generation && hash == session.refresh_hash;
    if !current && !session.spent_refresh_hashes.contains(&hash) {
        return Err(session_ended());
    }
    Ok(Ending {
        user_id: session.user_id,
        session_id: session.session_id,
    })
}
