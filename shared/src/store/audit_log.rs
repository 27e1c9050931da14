//! Reading the audit log (written by `crate::audit`): newest first, by actor (GSI3, one
//! partition per actor) or all entries (GSI2), by a range of the `<time>#<id>` sort key, and by
//! action (a filter). One `Query` per page.

use anyhow::Context;

use crate::schema::{GSI2, GSI3};
use crate::store::attr::{get_s, s, Item, QueryPage};

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

/// A page of entries, newest first.
pub async fn page(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    filter: AuditFilter,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<AuditRecord>> {
    let (index, partition) = match &filter.actor {
        Some(actor) => (GSI3, format!("AUDIT_ACTOR#{actor}")),
        None => (GSI2, "AUDIT".to_owned()),
    };
    let range = match (&filter.from, &filter.below) {
        (None, None) => "",
        (Some(_), None) => " AND #sk >= :lower",
        (None, Some(_)) => " AND #sk < :upper",
        (Some(_), Some(_)) => " AND #sk BETWEEN :lower AND :upper",
    };
    let mut request = dynamodb
        .query()
        .table_name(table)
        .index_name(index.name)
        .key_condition_expression(format!("#pk = :pk{range}"))
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_values(":pk", s(partition))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start);
    if !range.is_empty() {
        request = request.expression_attribute_names("#sk", index.sort_key);
    }
    if let Some(lower) = filter.from {
        request = request.expression_attribute_values(":lower", s(lower));
    }
    if let Some(upper) = filter.below {
        request = request.expression_attribute_values(":upper", s(upper));
    }
    if let Some(action) = filter.action {
        // A filter, not a key: a page may hold fewer than `limit` entries, but each page stays
        // one query.
        request = request
            .filter_expression("#action = :action")
            .expression_attribute_names("#action", "action")
            .expression_attribute_values(":action", s(action));
    }
    let output = request
        .send()
        .await
        .context("Failed to read the audit log")?;
    QueryPage::of(output.items(), output.last_evaluated_key(), |item| {
        Ok(AuditRecord::from(item))
    })
}
