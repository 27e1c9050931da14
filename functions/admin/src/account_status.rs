//! Suspension and reactivation, shared by the admin routes and the operator's `admin-accounts`
//! command: one conditional write of the profile (a suspension also ends every session and
//! keeps the status it replaced) with its audit entry.

use shared::audit::{AuditEntry, Outcome};
use shared::auth::AccountStatus;
use shared::clock::Now;
use shared::error::OrConflict;
use shared::store::transact::{transact, Write};
use shared::store::users::{self, UserRecord};
use shared::store::DynamoDb;
use shared::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Suspend,
    Reactivate,
}

impl StatusChange {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "suspend" => Some(Self::Suspend),
            "reactivate" => Some(Self::Reactivate),
            _ => None,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Self::Suspend => "account.suspended",
            Self::Reactivate => "account.reactivated",
        }
    }
}

/// Who asks for the change, for the audit entry: an admin (`actor`) from an IP, or the
/// operator's command (no actor, `ip` names the command).
pub struct Requester {
    pub actor: Option<String>,
    pub ip: String,
}

/// Applies `change` to `user` and answers the account as it now is. Suspending a suspended
/// account, or reactivating an active one, changes nothing; an account waiting for its email
/// verification is not suspended, so it cannot be reactivated (409).
pub async fn apply(
    dynamodb: &DynamoDb,
    table: &str,
    mut user: UserRecord,
    change: StatusChange,
    requester: Requester,
    now: Now,
) -> ApiResult<UserRecord> {
    let (update, status) = match (change, user.status) {
        (StatusChange::Suspend, AccountStatus::Suspended)
        | (StatusChange::Reactivate, AccountStatus::Active) => return Ok(user),
        (StatusChange::Reactivate, AccountStatus::PendingVerification) => {
            return Err(ApiError::Conflict(
                "This account is not suspended; it is waiting for its email address to be \
                 verified."
                    .into(),
            ))
        }
        (StatusChange::Suspend, _) => (
            users::suspension_update(table, &user, now)?,
            AccountStatus::Suspended,
        ),
        (StatusChange::Reactivate, AccountStatus::Suspended) => (
            users::reactivation_update(table, &user, now)?,
            user.status_after_suspension(),
        ),
    };
    let audit = AuditEntry {
        actor: requester.actor,
        action: change.action(),
        target: Some(user.user_id.clone()),
        ip: requester.ip,
        outcome: Outcome::Success,
        detail: Some(format!("{} -> {}", user.status.as_str(), status.as_str())),
        at: now,
    };
    transact(dynamodb, vec![update, Write::from(audit.put(table)?)])
        .await
        .or_conflict("The account changed while this request ran; try again.")?;
    user.suspended_from = match change {
        StatusChange::Suspend => Some(user.status),
        StatusChange::Reactivate => None,
    };
    user.status = status;
    user.updated_at = now.rfc3339();
    Ok(user)
}
