//! The accounts waiting for their email verification, found without walking every user: each
//! gets a marker item in its registration transaction, in one `GSI2` partition sorted by when
//! it registered. The jobs function reads the markers older than 7 days and deletes those
//! accounts (profile, email and phone claims, marker, and the stats counters they moved, in
//! one transaction); a marker whose account was verified meanwhile is simply removed.
//!
//! | item    | PK          | SK                | GSI2PK             | GSI2SK              |
//! |---------|-------------|-------------------|--------------------|---------------------|
//! | marker  | `USER#<id>` | `PENDING_ACCOUNT` | `PENDING_ACCOUNTS` (sharded by the id, `store::shards`) | `<created>#<id>` |

use anyhow::Context;
use aws_sdk_dynamodb::types::{Delete, Put};

use super::keys::{email_pk, phone_pk, profile_key, unique_key, user_pk};
use super::record::UserRecord;
use crate::domain::{AccountStatus, Role, Verification};
use crate::schema::{GSI2, PARTITION_KEY, SORT_KEY};
use crate::store::attr::{get_s, s, Item};
use crate::store::transact::Write;
use crate::store::work_index;

const SK: &str = "PENDING_ACCOUNT";
const INDEX_PK: &str = "PENDING_ACCOUNTS";
/// An account not verified within this is deleted.
pub const VERIFY_WITHIN_SECS: i64 = 7 * 24 * 3600;

fn marker_key(user_id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(user_pk(user_id))),
        (SORT_KEY.to_owned(), s(SK)),
    ])
}

/// The marker of a new pending account, for its registration transaction.
pub fn marker_put(table: &str, user: &UserRecord) -> anyhow::Result<Write> {
    let mut item = marker_key(&user.user_id);
    item.insert("user_id".into(), s(&user.user_id));
    item.insert(
        GSI2.partition_key.into(),
        s(work_index::partition_of(INDEX_PK, &user.user_id)),
    );
    item.insert(
        GSI2.sort_key.into(),
        s(format!("{}#{}", user.created_at, user.user_id)),
    );
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .build()?,
    ))
}

fn marker_delete(table: &str, user_id: &str) -> anyhow::Result<Write> {
    Ok(Write::from(
        Delete::builder()
            .table_name(table)
            .set_key(Some(marker_key(user_id)))
            .build()?,
    ))
}

/// Ids of up to `limit` accounts that registered before `cutoff` (RFC 3339 UTC) and still
/// have a marker (one `Query` per shard).
pub async fn registered_before(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    cutoff: &str,
    limit: i32,
) -> anyhow::Result<Vec<String>> {
    let items = work_index::due(db, table, INDEX_PK, cutoff.to_owned(), limit).await?;
    Ok(items
        .iter()
        .filter_map(|item| get_s(item, "user_id").map(str::to_owned))
        .collect())
}

/// Removes the marker of an account that is no longer pending (one `DeleteItem`).
pub async fn forget(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
) -> anyhow::Result<()> {
    db.delete_item()
        .table_name(table)
        .set_key(Some(marker_key(user_id)))
        .send()
        .await
        .context("Failed to remove a pending-account marker")?;
    Ok(())
}

/// The deletion of a never-verified account: its profile (conditional on still pending), its
/// email and phone claims (conditional on still being its own), its marker, and the stats
/// counters its registration moved, for one transaction.
pub fn deletion_writes(table: &str, user: &UserRecord) -> anyhow::Result<Vec<Write>> {
    let profile = Delete::builder()
        .table_name(table)
        .set_key(Some(profile_key(&user.user_id)))
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":pending", s(AccountStatus::PendingVerification.as_str()))
        .build()?;
    let claim = |pk: String| -> anyhow::Result<Write> {
        Ok(Write::from(
            Delete::builder()
                .table_name(table)
                .set_key(Some(unique_key(pk)))
                .condition_expression("user_id = :me")
                .expression_attribute_values(":me", s(&user.user_id))
                .build()?,
        ))
    };
    let waiting_for_admin = user.role == Role::Instructor
        && user
            .instructor
            .as_ref()
            .is_some_and(|i| i.verification == Verification::Pending);
    Ok(vec![
        Write::from(profile),
        claim(email_pk(user.email.as_str()))?,
        claim(phone_pk(user.phone.as_str()))?,
        marker_delete(table, &user.user_id)?,
        Write::from(crate::store::stats::user_deleted_update(
            table,
            user.role,
            waiting_for_admin,
            &user.user_id,
        )?),
    ])
}
