//! A registration whose email address or phone number belongs to an account answers exactly
//! as a new one does (SPEC §4: registration does not reveal accounts). Instead, the owner of
//! that account hears of it by email, at most once a day: a still-pending account gets a new
//! verification link, any other a notice that someone tried (stored in the outbox, then
//! enqueued).

use shared::auth::AccountStatus;
use shared::clock::Now;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::notices::{queue, Notice};
use shared::rate_limit::{Caller, RuleName};
use shared::store::outbox;
use shared::store::transact::transact;
use shared::store::users;
use shared::AppState;

use crate::resend::send_new_verification;

/// Tells the owner of the account that holds `claim` (an `EMAIL#` or `PHONE#` key). Never
/// fails the registration: what goes wrong is logged.
pub async fn tell_the_owner(state: &AppState, ip: &ClientIp, claim: String, now: Now) {
    if let Err(err) = notify(state, ip, claim, now).await {
        tracing::error!(error = %format!("{err:#}"), "registration notice failed");
    }
}

async fn notify(state: &AppState, ip: &ClientIp, claim: String, now: Now) -> anyhow::Result<()> {
    let db = &state.aws.dynamodb;
    let table = &state.config.table_name;
    let Some(owner) = users::by_claim(db, table, claim).await? else {
        return Ok(());
    };
    // Silent: the caller's answer must not change when the owner was already told today.
    let first_today = state
        .limiter
        .check(
            &RequestScope::default(),
            RuleName::RegistrationNotice,
            Caller::key(owner.email.as_str()),
        )
        .await
        .is_ok();
    if !first_today {
        return Ok(());
    }
    if owner.status == AccountStatus::PendingVerification {
        return send_new_verification(state, ip, &owner, now).await;
    }
    let notice = Notice::registration_attempt(&owner.user_id);
    transact(db, vec![outbox::put(table, &notice, now)?])
        .await
        .map_err(anyhow::Error::from)?;
    queue::enqueue(state, &[notice]).await;
    Ok(())
}
