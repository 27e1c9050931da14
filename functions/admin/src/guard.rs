//! `Admin`: the extractor every route of this group takes. Authentication is `AuthUser`'s (401
//! without valid credentials); anyone but an admin gets 403.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{password_hash, AuthUser, Role};
use shared::clock::Now;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::RuleName;
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

impl Admin {
    /// Step-up for a change that could turn the system against its users (the SMTP server):
    /// the admin's current password, so a stolen session or token alone is not enough. Every
    /// attempt counts against `smtp_step_up` (no admin bypass); a wrong password is a 403 with
    /// a failure entry `action` in the audit log.
    pub async fn confirm_password(
        &self,
        state: &AppState,
        scope: &RequestScope,
        ip: &ClientIp,
        current_password: String,
        action: &'static str,
        now: Now,
    ) -> Result<(), ApiError> {
        state
            .limiter
            .check(scope, RuleName::SmtpStepUp, self.0.caller())
            .await?;
        let hash = Some(self.0.user.password_hash.clone());
        if password_hash::verify(current_password, hash).await {
            return Ok(());
        }
        self.audit(
            ip,
            action,
            None,
            Outcome::Failure,
            Some("wrong current password".into()),
            now,
        )
        .record(&state.aws.dynamodb, &state.config.table_name)
        .await;
        Err(ApiError::Forbidden(
            "The current password is incorrect.".into(),
        ))
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
