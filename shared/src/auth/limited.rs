//! `LimitedUser`: the guard of a route with a per-user rate limit, the limit's counter update
//! run beside the guard's `BatchGetItem`. The user id is known from the verified token before
//! any I/O, so the two need not wait for each other: one round trip of latency instead of two.
//! The handler starts only once both have answered, so a write behind this guard still never
//! begins before its limit allowed it.
//!
//! `SignedIn` is the same guard for a route that also reads what is keyed by the token's user
//! (its own items): those reads run beside the guard's and the limit's, and their result is
//! handed over only once both allowed the request.
//!
//! When both refuse, the guard's answer wins: a revoked session or a suspended account answers
//! 401/403 (the client must sign in again, and waiting out a limit would not help), not 429.
//! The counter has moved for that request all the same. When the guard's read fails (500) and
//! the limit refused, 429 wins, as for any read beside a limit.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::guard::{self, AuthUser};
use crate::error::ApiError;
use crate::http::request_context::RequestScope;
use crate::rate_limit::{Caller, RuleName};
use crate::state::AppState;

/// A rule counted per signed-in user, as a type so an extractor can name it.
pub trait UserRule: Send + Sync + 'static {
    const RULE: RuleName;
}

/// `RuleName::User`: every authenticated route's general limit.
#[derive(Debug)]
pub struct PerUser;

impl UserRule for PerUser {
    const RULE: RuleName = RuleName::User;
}

/// `RuleName::BookingCreate`: booking requests per student.
#[derive(Debug)]
pub struct BookingCreate;

impl UserRule for BookingCreate {
    const RULE: RuleName = RuleName::BookingCreate;
}

/// [`AuthUser`] whose request was also counted against `R` (by default the per-user rule).
#[derive(Debug)]
pub struct LimitedUser<R: UserRule = PerUser> {
    auth: AuthUser,
    rule: PhantomData<R>,
}

impl<R: UserRule> LimitedUser<R> {
    pub fn into_inner(self) -> AuthUser {
        self.auth
    }
}

impl<R: UserRule> Deref for LimitedUser<R> {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.auth
    }
}

/// A verified access token whose guard read has not run yet: a route may start what is keyed
/// by the token's user beside that read and the limit ([`SignedIn::beside`]). Only once both
/// allowed the request does the route see what its reads returned.
#[derive(Debug)]
pub struct SignedIn<R: UserRule = PerUser> {
    verified: guard::Verified,
    scope: RequestScope,
    rule: PhantomData<R>,
}

impl<R: UserRule> SignedIn<R> {
    /// The user the token names (not yet checked against their session and account).
    pub fn user_id(&self) -> &str {
        &self.verified.claims.sub
    }

    /// The guard's read, the limit's update and `reads`, at once. The guard's refusal (401,
    /// 403) wins over the limit's (429), which wins over an error of `reads`.
    pub async fn beside<T, E>(
        self,
        state: &AppState,
        reads: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<(LimitedUser<R>, T), ApiError>
    where
        ApiError: From<E>,
    {
        let Self {
            verified, scope, ..
        } = self;
        let (user_id, token_role) = (verified.claims.sub.clone(), verified.claims.role);
        let (loaded, verdict, read) = tokio::join!(
            guard::load(state, verified),
            state
                .limiter
                .count(R::RULE, Caller::user(&user_id, token_role)),
            reads,
        );
        let auth = match loaded {
            Ok(auth) => auth,
            Err(err @ (ApiError::Unauthorized(_) | ApiError::Forbidden(_))) => return Err(err),
            Err(err) => {
                verdict.settle(&scope)?;
                return Err(err);
            }
        };
        scope.set_user_id(auth.user_id());
        // The token's role decided the exemption; the account's role, just read, is the truth.
        let rule = state.limiter.limits().rule(R::RULE);
        if rule.exempts(&auth.caller()) {
            // An admin now (promoted since the token): not limited, whatever the counter said.
        } else if verdict.is_exempt() {
            // The token said admin and the account no longer is one: counted now, after the read.
            state.limiter.check(&scope, R::RULE, auth.caller()).await?;
        } else {
            verdict.settle(&scope)?;
        }
        let limited = LimitedUser {
            auth,
            rule: PhantomData,
        };
        Ok((limited, read.map_err(ApiError::from)?))
    }
}

impl<R: UserRule> FromRequestParts<AppState> for SignedIn<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self {
            verified: guard::verify_token(parts, state).await?,
            scope: parts
                .extensions
                .get::<RequestScope>()
                .cloned()
                .unwrap_or_default(),
            rule: PhantomData,
        })
    }
}

impl<R: UserRule> FromRequestParts<AppState> for LimitedUser<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let signed_in = SignedIn::<R>::from_request_parts(parts, state).await?;
        let (limited, ()) = signed_in
            .beside(state, std::future::ready(Ok::<_, ApiError>(())))
            .await?;
        Ok(limited)
    }
}
