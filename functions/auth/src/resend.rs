//! `POST /auth/resend-verification`: a new verification link for an account still waiting for
//! one. Like forgot-password it always answers 202 with the same body after the same minimum
//! time, so it tells nobody whether an address has an account or what state it is in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::AccountStatus;
use shared::clock::Now;
use shared::domain::Email;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::notices::{self, queue};
use shared::rate_limit::RuleName;
use shared::store::email_tokens::{self, Purpose};
use shared::store::outbox;
use shared::store::transact::{transact, Write};
use shared::store::users::{self, UserRecord};
use shared::{ApiResult, AppState};

use crate::notice::{self, Notice};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendRequest {
    #[schema(format = "email")]
    email: String,
}

/// Ask for a new verification link
///
/// Always answers 202 with the same body after the same minimum time, whether or not an
/// account exists; an account still waiting for its verification gets an email with a new
/// link (valid 24 hours). 3 an hour per IP (and, silently, per address).
#[utoipa::path(
    post,
    path = "/api/v1/auth/resend-verification",
    operation_id = "resend_verification",
    tag = "auth",
    request_body = ResendRequest,
    responses(
        (status = 202, description = "Accepted; a link is emailed if the account is waiting \
            for one.", body = Notice),
        doc::BodyRejected,
        (status = 403, response = doc::ForeignOrigin),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn resend(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<ResendRequest>,
) -> ApiResult<(StatusCode, JsonResponse<Notice>)> {
    notice::quietly(
        &state,
        &scope,
        &ip,
        &body.email,
        (RuleName::ResendIp, RuleName::ResendAccount),
        "If an account for that address is waiting for verification, we have sent it a new link.",
        |email| {
            let (state, ip) = (&state, &ip);
            async move { resend_for(state, ip, &email).await }
        },
    )
    .await
}

async fn resend_for(state: &AppState, ip: &ClientIp, email: &Email) -> anyhow::Result<()> {
    let db = &state.aws.dynamodb;
    let table = &state.config.table_name;
    let Some(user) = users::by_claim(db, table, users::email_pk(email.as_str())).await? else {
        return Ok(());
    };
    if user.status != AccountStatus::PendingVerification {
        return Ok(());
    }
    send_new_verification(state, ip, &user, state.clock.now()).await
}

/// A new verification token for a pending account, recorded with an audit entry and the
/// notice carrying its link (outbox, then queue). Earlier links stay valid until they expire.
pub(crate) async fn send_new_verification(
    state: &AppState,
    ip: &ClientIp,
    user: &UserRecord,
    now: Now,
) -> anyhow::Result<()> {
    let table = &state.config.table_name;
    let (token, put) = email_tokens::issue(Purpose::VerifyEmail, &user.user_id, table, now)?;
    let audit = AuditEntry {
        actor: None,
        action: "account.verification_resent",
        target: Some(user.user_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: None,
        at: now,
    };
    let notice = notices::Notice::verify_email(&user.user_id, &token);
    transact(
        &state.aws.dynamodb,
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
