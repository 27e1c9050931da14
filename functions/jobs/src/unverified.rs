//! Accounts never verified, 7 days on: deleted with their email and phone claims (so the
//! address and number can register again) and the stats counters moved back, in one
//! transaction per account. Found through the pending-account markers
//! (`store::users::pending`), never by walking the users.

use shared::audit::{AuditEntry, Outcome};
use shared::auth::AccountStatus;
use shared::clock::Now;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{self, pending};
use shared::AppState;

use crate::run::PAGE_LIMIT;

pub async fn delete_due(state: &AppState, now: Now) -> anyhow::Result<u32> {
    let (db, table) = (&state.aws.dynamodb, state.config.table_name.as_str());
    let cutoff = now.timestamp() - jiff::SignedDuration::from_secs(pending::VERIFY_WITHIN_SECS);
    let cutoff = shared::domain::lesson::quarter_key(cutoff);
    let mut deleted = 0;
    for user_id in pending::registered_before(db, table, &cutoff, PAGE_LIMIT).await? {
        let Some(user) = users::get(db, table, &user_id).await? else {
            pending::forget(db, table, &user_id).await?;
            continue;
        };
        if user.status != AccountStatus::PendingVerification {
            // Verified (or suspended by an admin) meanwhile: not ours to delete.
            pending::forget(db, table, &user_id).await?;
            continue;
        }
        let audit = AuditEntry {
            actor: None,
            action: "account.deleted_unverified",
            target: Some(user.user_id.clone()),
            ip: "system".to_owned(),
            outcome: Outcome::Success,
            detail: Some(user.role.as_str().to_owned()),
            at: now,
        };
        let mut items = pending::deletion_writes(table, &user)?;
        items.push(Write::from(audit.put(table)?));
        match transact(db, items).await {
            Ok(()) => deleted += 1,
            // Verified a moment ago: it stays.
            Err(TransactError::ConditionFailed(_)) => {}
            Err(TransactError::Other(err)) => return Err(err),
        }
    }
    Ok(deleted)
}
