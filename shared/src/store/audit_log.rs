//! Reading the audit log (written by `crate::audit`): newest first, by actor (GSI3, one
//! partition per actor) or all entries (GSI2, one partition per shard), by a range of the
//! `<time>#<id>` sort key, and by action (a filter). One `Query` per partition per page.

use anyhow::Context;

use crate::audit::INDEX_PK;
use crate::schema::{GSI2, GSI3};
use crate::store::attr::{get_s, Item, QueryPage};
use crate::store::shards::{self, IndexRead, SortRange};

/// One audited action as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub audit_id: String,
    pub at: String,
    /// The acting user's id (`anonymous` when unknown).
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub ip: String,
    pub outcome: String,
    pub detail: Option<String>,
}

impl From<&Item> for AuditRecord {
    fn from(item: &Item) -> Self {
        let text = |name: &str| get_s(item, name).unwrap_or_default().to_owned();
        Self {
            audit_id: text("audit_id"),
            at: text("at"),
            actor: text("actor"),
            action: text("action"),
            target: get_s(item, "target").map(str::to_owned),
            ip: text("ip"),
            outcome: text("outcome"),
            detail: get_s(item, "detail").map(str::to_owned),
        }
    }
}

/// Which entries to read. `from`/`below` bound the sort key (`<RFC 3339 time>#<id>`), so a
/// `yyyy-mm-dd` is the start of that day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries at or after this key.
    pub from: Option<String>,
    /// Entries before this key.
    pub below: Option<String>,
}

/// A page of entries, newest first: one `Query` of the actor's partition, or one per shard of
/// the whole log (concurrently, merged). `start` is the cursor key of the page before
/// ([`QueryPage::last_key`]): the sort key to go on below.
pub async fn page(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    filter: AuditFilter,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<AuditRecord>> {
    let (index, partitions) = match &filter.actor {
        Some(actor) => (GSI3, vec![format!("AUDIT_ACTOR#{actor}")]),
        None => (GSI2, shards::all_keys(INDEX_PK)),
    };
    let range = SortRange {
        from: filter.from,
        below: filter.below,
    };
    let read = IndexRead::newest_page(index, partitions, range, start.as_ref(), limit);
    let merged = read
        .run(
            dynamodb,
            table,
            shards::only_where("action", filter.action.as_deref()),
            |item: &Item| Ok(AuditRecord::from(item)),
        )
        .await
        .context("Failed to read the audit log")?;
    Ok(merged.into_page(index))
}
