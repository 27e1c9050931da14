//! Profile updates for the callers' transactions.

use super::keys::profile_key;
use crate::auth::AccountStatus;
use crate::store::attr::{n, s};

/// A new password hash, and every existing session revoked with it (password change and
/// reset): one update of the profile, for the caller's transaction.
pub fn password_change_update(
    table: &str,
    user_id: &str,
    password_hash: String,
) -> anyhow::Result<aws_sdk_dynamodb::types::Update> {
    Ok(aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(profile_key(user_id)))
        .update_expression(
            "SET password_hash = :hash, sessions_valid_after = :now_ms, updated_at = :now",
        )
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":hash", s(password_hash))
        .expression_attribute_values(":now_ms", n(crate::clock::now_millis()))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .build()?)
}

/// A pending account made active (email verification): one update of the profile, for the
/// caller's transaction. Conditional on the account still pending: verifying never reactivates
/// a suspended one.
pub fn activation_update(
    table: &str,
    user_id: &str,
) -> anyhow::Result<aws_sdk_dynamodb::types::Update> {
    Ok(aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(profile_key(user_id)))
        .update_expression("SET #status = :active, updated_at = :now")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
        .expression_attribute_values(":pending", s(AccountStatus::PendingVerification.as_str()))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .build()?)
}
