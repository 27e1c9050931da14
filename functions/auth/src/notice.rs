//! The answer of the routes that must not tell whether an address has an account
//! (forgot-password, resend-verification): always 202, the same body, the same minimum time.

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Serialize;
use utoipa::ToSchema;

use shared::domain::Email;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::{ApiError, ApiResult, AppState};

/// Every such answer takes at least this long, so the work done for a real account (token
/// write, enqueueing the notice) does not show in the timing.
const NOTICE_MIN_DURATION: Duration = Duration::from_millis(800);

/// A sentence for the user; nothing else to read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    pub(crate) message: &'static str,
}

/// Counts `ip_rule` (a 429 is fine: it says nothing about the address), parses the address
/// (422), then runs `work` if the address is within `address_rule`, which is enforced silently:
/// a 429 there would confirm the account exists. Failures of `work` are logged, never
/// answered.
pub async fn quietly<F, Fut>(
    state: &AppState,
    scope: &RequestScope,
    ip: &ClientIp,
    raw_email: &str,
    (ip_rule, address_rule): (RuleName, RuleName),
    message: &'static str,
    work: F,
) -> ApiResult<(StatusCode, JsonResponse<Notice>)>
where
    F: FnOnce(Email) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    state
        .limiter
        .check(scope, ip_rule, Caller::key(&ip.key()))
        .await?;
    let email = Email::parse(raw_email).map_err(|e| ApiError::validation("email", e.message))?;
    let floor = tokio::time::sleep(NOTICE_MIN_DURATION);
    let within_limit = state
        .limiter
        .check(
            &RequestScope::default(),
            address_rule,
            Caller::key(email.as_str()),
        )
        .await
        .is_ok();
    if within_limit {
        if let Err(err) = work(email).await {
            tracing::error!(rule = address_rule.as_str(), error = %format!("{err:#}"), "the emailed notice failed");
        }
    }
    floor.await;
    Ok((StatusCode::ACCEPTED, JsonResponse(Notice { message })))
}
