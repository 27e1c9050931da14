//! The outbox: every notice is stored here in the transaction of the change it reports, so a
//! notice that never reached the queue (SQS down, the function stopped after the commit) is
//! not lost. The notifications function deletes the item once the notice is sent on every
//! channel; the jobs function enqueues again whatever is still here when it falls due.
//!
//! | item   | PK              | SK       | GSI2PK   | GSI2SK                  | TTL            |
//! |--------|-----------------|----------|----------|-------------------------|----------------|
//! | notice | `OUTBOX#<id>`   | `OUTBOX` | `OUTBOX`, `OUTBOX#<shard>` | `<due epoch s, 12 d>#<id>` | a day later |
//!
//! The `OUTBOX` partition of GSI2 is sharded by the notice id (`store::shards`): every notice
//! is written there twice (stored, then deleted once sent), the most writes of any one key. It
//! holds only notices in flight (seconds each), so it stays small.

use anyhow::Context;
use aws_sdk_dynamodb::types::Put;

use crate::clock::Now;
use crate::notices::Notice;
use crate::schema::{GSI2, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_s, n, s, Item};
use crate::store::transact::Write;
use crate::store::work_index;

const SK: &str = "OUTBOX";
const INDEX_PK: &str = "OUTBOX";
/// A notice not sent this long after it was stored (or last enqueued) is enqueued again.
pub const REENQUEUE_AFTER_SECS: i64 = 5 * 60;
/// After this the notice is stale (a link expired, a lesson past): dropped.
const RETENTION_SECS: i64 = 24 * 3600;

fn key(id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(format!("OUTBOX#{id}"))),
        (SORT_KEY.to_owned(), s(SK)),
    ])
}

fn due_key(due_secs: i64, id: &str) -> String {
    format!("{due_secs:012}#{id}")
}

/// The outbox item of `notice`, for the caller's transaction.
pub fn put(table: &str, notice: &Notice, now: Now) -> anyhow::Result<Write> {
    let mut item = key(&notice.id);
    item.insert("notice".into(), s(serde_json::to_string(notice)?));
    item.insert(
        GSI2.partition_key.into(),
        s(work_index::partition_of(INDEX_PK, &notice.id)),
    );
    item.insert(
        GSI2.sort_key.into(),
        s(due_key(now.secs() + REENQUEUE_AFTER_SECS, &notice.id)),
    );
    item.insert(TTL_ATTRIBUTE.into(), n(now.secs() + RETENTION_SECS));
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .build()?,
    ))
}

/// The outbox items of `notices`.
pub fn puts(table: &str, notices: &[Notice], now: Now) -> anyhow::Result<Vec<Write>> {
    notices.iter().map(|n| put(table, n, now)).collect()
}

/// The notice is sent on every channel: its item goes (one `DeleteItem`).
pub async fn remove(db: &aws_sdk_dynamodb::Client, table: &str, id: &str) -> anyhow::Result<()> {
    db.delete_item()
        .table_name(table)
        .set_key(Some(key(id)))
        .send()
        .await
        .context("Failed to remove the outbox item")?;
    Ok(())
}

/// Up to `limit` notices due by `now`, oldest first (one `Query` per shard). Expired ones are skipped
/// (TTL removes them later).
pub async fn due(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    now: Now,
    limit: i32,
) -> anyhow::Result<Vec<Notice>> {
    let items = work_index::due(db, table, INDEX_PK, due_key(now.secs() + 1, ""), limit).await?;
    let mut notices = Vec::new();
    for item in &items {
        let expired = crate::store::attr::get_n::<i64>(item, TTL_ATTRIBUTE)
            .is_some_and(|at| at <= now.secs());
        let Some(raw) = get_s(item, "notice").filter(|_| !expired) else {
            continue;
        };
        match serde_json::from_str::<Notice>(raw) {
            Ok(notice) => notices.push(notice),
            Err(err) => tracing::error!(error = %err, "an outbox item does not parse"),
        }
    }
    Ok(notices)
}

/// Moves the notice's next due time on (after re-enqueueing it), unless it was sent meanwhile
/// (one `UpdateItem`, conditional on the item still being there).
pub async fn postpone(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
    now: Now,
) -> anyhow::Result<()> {
    let result = db
        .update_item()
        .table_name(table)
        .set_key(Some(key(id)))
        .update_expression("SET #sk = :due")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#sk", GSI2.sort_key)
        .expression_attribute_values(":due", s(due_key(now.secs() + REENQUEUE_AFTER_SECS, id)))
        .send()
        .await;
    work_index::written(result, "Failed to postpone the outbox item").map(|_| ())
}
