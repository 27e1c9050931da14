//! `AuthUser`: the extractor every protected route takes. It accepts a bearer token (mobile) or
//! the access cookie (web, with CSRF on unsafe methods), verifies the JWT, then reads the user
//! and the session in one `BatchGetItem` so a revoked session or suspended account is refused on
//! the very next request. Routes under the per-user limit take `LimitedUser`
//! (`auth/limited.rs`): this guard with the limit's update beside its read.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};

use super::access_token::{self, TokenError};
use super::cookies::{self, ACCESS_COOKIE, CSRF_COOKIE};
use super::csrf::{self, CSRF_HEADER};
use crate::domain::{AccountStatus, Role};
use crate::error::ApiError;
use crate::http::request_context::RequestScope;
use crate::rate_limit::caller::Caller;
use crate::secrets::KeyRing;
use crate::state::AppState;
use crate::store::sessions;
use crate::store::users::UserRecord;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: UserRecord,
    pub session_id: String,
    /// Authenticated by cookie (web) rather than bearer header (mobile).
    pub via_cookie: bool,
}

impl AuthUser {
    pub fn user_id(&self) -> &str {
        &self.user.user_id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The user as rate limits count them.
    pub fn caller(&self) -> Caller<'_> {
        Caller::user(self.user_id(), self.role())
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// 403 unless the user has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Your account is not allowed to do this.".into(),
            ))
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::Unauthorized(detail.to_owned())
}

/// The access token and whether it came from the cookie.
fn credentials(parts: &Parts) -> Option<(String, bool)> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    match bearer {
        Some(token) => Some((token, false)),
        None => cookies::read(&parts.headers, ACCESS_COOKIE).map(|t| (t, true)),
    }
}

pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Double-submit check for a cookie-authenticated unsafe request, plus the Origin allow-list.
pub fn check_csrf(
    parts: &Parts,
    state: &AppState,
    keys: &KeyRing,
    session_id: &str,
) -> Result<(), ApiError> {
    if let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        if !state.config.accepts_origin(origin) {
            return Err(ApiError::Forbidden("This origin is not allowed.".into()));
        }
    }
    let header = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cookie = cookies::read(&parts.headers, CSRF_COOKIE).unwrap_or_default();
    if csrf::verify(keys, session_id, header, &cookie) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Missing or invalid X-CSRF-Token header.".into(),
        ))
    }
}

/// The signing keys, mapped to a 503 when Secrets Manager cannot be read.
pub async fn signing_keys(state: &AppState) -> Result<std::sync::Arc<KeyRing>, ApiError> {
    state.signing_keys.get().await.map_err(|err| {
        tracing::error!(error = %format!("{err:#}"), "signing keys unavailable");
        ApiError::unavailable("The service is briefly unavailable; try again shortly.")
    })
}

/// A verified access token: who it names, and whether it came from the cookie. No I/O beyond
/// the (cached) signing keys, so what follows may run beside other reads.
#[derive(Debug)]
pub(crate) struct Verified {
    pub claims: access_token::AccessClaims,
    pub via_cookie: bool,
}

/// Checks the token (and CSRF for a cookie on an unsafe method), before any table read.
pub(crate) async fn verify_token(parts: &Parts, state: &AppState) -> Result<Verified, ApiError> {
    let (token, via_cookie) =
        credentials(parts).ok_or_else(|| unauthorized("Sign in to continue."))?;
    let now = state.clock.now().secs();
    let mut keys = signing_keys(state).await?;
    let claims = match access_token::verify(&keys, &token, now) {
        Err(TokenError::UnknownKey) => {
            // The secret may have rotated since this instance loaded it.
            keys = state
                .signing_keys
                .reload_for_unknown_version()
                .await
                .map_err(|_| ApiError::unavailable("The service is briefly unavailable."))?;
            access_token::verify(&keys, &token, now)
        }
        other => other,
    }
    .map_err(|err| match err {
        TokenError::Expired => unauthorized("The access token has expired; refresh it."),
        _ => unauthorized("The access token is not valid."),
    })?;

    if via_cookie && is_unsafe(&parts.method) {
        check_csrf(parts, state, &keys, &claims.sid)?;
    }
    Ok(Verified { claims, via_cookie })
}

/// The guard's one read: the user and the session in one `BatchGetItem`, refused when the
/// session has ended or the account is suspended.
pub(crate) async fn load(state: &AppState, verified: Verified) -> Result<AuthUser, ApiError> {
    let Verified { claims, via_cookie } = verified;
    let now = state.clock.now().secs();
    let (user, session) = sessions::get_with_user(
        &state.aws.dynamodb,
        &state.config.table_name,
        &claims.sub,
        &claims.sid,
    )
    .await
    .map_err(ApiError::Internal)?;
    let (Some(user), Some(session)) = (user, session) else {
        return Err(unauthorized("The session has ended; sign in again."));
    };
    if !session.is_live(now, user.sessions_valid_after) {
        return Err(unauthorized("The session has ended; sign in again."));
    }
    if user.status != AccountStatus::Active {
        return Err(ApiError::Forbidden("This account is suspended.".into()));
    }
    Ok(AuthUser {
        user,
        session_id: claims.sid,
        via_cookie,
    })
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let verified = verify_token(parts, state).await?;
        let auth = load(state, verified).await?;
        if let Some(scope) = parts.extensions.get::<RequestScope>() {
            scope.set_user_id(auth.user_id());
        }
        Ok(auth)
    }
}
