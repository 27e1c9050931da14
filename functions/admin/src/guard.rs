//! `Admin`: the extractor every route of this group takes. Authentication is `AuthUser`'s (401
//! without valid credentials); anyone but an admin gets 403.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{AuthUser, Role};
use shared::clock::Now;
use shared::http::request_context::ClientIp;
use shared::{ApiError, AppState};

pub struct Admin(pub AuthUser);

impl Admin {
    pub fn user_id(&self) -> &str {
        self.0.user_id()
    }

    /// An audit entry for something this admin did, from `ip`.
    pub fn audit(
        &self,
        ip: &ClientIp,
        action: &'static str,
        target: Option<&str>,
        outcome: Outcome,
        detail: Option<String>,
        at: Now,
    ) -> AuditEntry {
        AuditEntry {
            actor: Some(self.user_id().to_owned()),
            action,
            target: target.map(str::to_owned),
            ip: ip.key(),
            outcome,
            detail,
            at,
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require_role(&[Role::Admin])?;
        Ok(Self(user))
    }
}
