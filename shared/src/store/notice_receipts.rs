//! Which channels a notice was sent on, so a notice delivered twice by the queue (or enqueued
//! again from the outbox) is sent once per channel. A receipt is written after the channel
//! accepted the message: a send that failed leaves none, and the retry sends it.
//!
//! | item    | PK              | SK               | TTL             |
//! |---------|-----------------|------------------|-----------------|
//! | receipt | `NOTICE#<id>`   | `SENT#<channel>` | 30 days later   |

use anyhow::Context;

use crate::clock::Now;
use crate::notices::Channel;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_s, n, s, Item};
use crate::store::work_index;

/// Longer than a message can live in the queue (14 days) plus the outbox's day.
const RETENTION_SECS: i64 = 30 * 24 * 3600;

fn pk(id: &str) -> String {
    format!("NOTICE#{id}")
}

/// The channels `id` was sent on (one `Query`).
pub async fn sent_channels(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
) -> anyhow::Result<Vec<Channel>> {
    let output = db
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(":pk", s(pk(id)))
        .send()
        .await
        .context("Failed to read the notice's receipts")?;
    Ok(output
        .items()
        .iter()
        .filter_map(|item| get_s(item, SORT_KEY)?.strip_prefix("SENT#"))
        .filter_map(Channel::parse)
        .collect())
}

/// Records that `channel` accepted `id` (one conditional `PutItem`). Answers `false` when a
/// receipt was already there (another delivery of the same notice got there first).
pub async fn record(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
    channel: Channel,
    now: Now,
) -> anyhow::Result<bool> {
    let item = Item::from([
        (PARTITION_KEY.to_owned(), s(pk(id))),
        (SORT_KEY.to_owned(), s(format!("SENT#{}", channel.as_str()))),
        ("sent_at".to_owned(), s(now.rfc3339())),
        (TTL_ATTRIBUTE.to_owned(), n(now.secs() + RETENTION_SECS)),
    ]);
    let result = db
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await;
    work_index::written(result, "Failed to record the notice's receipt")
}
