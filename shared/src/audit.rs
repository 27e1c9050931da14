//! The audit log: who did what to whom, from where, when, and whether it worked. Kept a year
//! (TTL). Item: `PK = AUDIT#<id>`, `SK = AUDIT`; GSI2 (`AUDIT` sharded by the entry's id,
//! `store::shards`, / `<time>#<id>`) lists all entries newest first, GSI3
//! (`AUDIT_ACTOR#<actor>`, `<time>#<id>`) one actor's.

use aws_sdk_dynamodb::types::Put;
use serde::Serialize;

use crate::clock::Now;
use crate::schema::{GSI2, GSI3, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{n, put_opt, s, Item};

const RETENTION_SECS: i64 = 365 * 24 * 3600;
/// The GSI2 partition of every entry, before sharding (`store::shards`).
pub const INDEX_PK: &str = "AUDIT";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The acting user's id; `None` for an anonymous caller (a failed login).
    pub actor: Option<String>,
    pub action: &'static str,
    /// The user or record acted on.
    pub target: Option<String>,
    pub ip: String,
    pub outcome: Outcome,
    /// A short, secret-free note (e.g. the reason of a failure).
    pub detail: Option<String>,
    /// When it happened: the request's reading of the clock.
    pub at: Now,
}

impl AuditEntry {
    pub fn to_item(&self) -> Item {
        let id = uuid::Uuid::new_v4().to_string();
        let at = self.at.rfc3339();
        let order = format!("{at}#{id}");
        let actor = self.actor.clone().unwrap_or_else(|| "anonymous".into());
        let mut item = Item::from([
            (PARTITION_KEY.to_owned(), s(format!("AUDIT#{id}"))),
            (SORT_KEY.to_owned(), s("AUDIT")),
            ("audit_id".to_owned(), s(&id)),
            ("actor".to_owned(), s(&actor)),
            ("action".to_owned(), s(self.action)),
            ("ip".to_owned(), s(&self.ip)),
            ("outcome".to_owned(), s(self.outcome.as_str())),
            ("at".to_owned(), s(&at)),
            (
                GSI2.partition_key.to_owned(),
                s(crate::store::shards::key_for(INDEX_PK, &id)),
            ),
            (GSI2.sort_key.to_owned(), s(&order)),
            (
                GSI3.partition_key.to_owned(),
                s(format!("AUDIT_ACTOR#{actor}")),
            ),
            (GSI3.sort_key.to_owned(), s(&order)),
            (TTL_ATTRIBUTE.to_owned(), n(self.at.secs() + RETENTION_SECS)),
        ]);
        put_opt(&mut item, "target", self.target.as_ref().map(s));
        put_opt(&mut item, "detail", self.detail.as_ref().map(s));
        item
    }

    /// For a transaction that changes something and records it in one step.
    pub fn put(&self, table: &str) -> anyhow::Result<Put> {
        Ok(Put::builder()
            .table_name(table)
            .set_item(Some(self.to_item()))
            .build()?)
    }

    /// Records the entry on its own (one `PutItem`). An audit write that fails is logged
    /// loudly but does not turn the user's request into an error.
    pub async fn record(&self, dynamodb: &aws_sdk_dynamodb::Client, table: &str) {
        let result = dynamodb
            .put_item()
            .table_name(table)
            .set_item(Some(self.to_item()))
            .send()
            .await;
        if let Err(err) = result {
            tracing::error!(action = self.action, error = %crate::error::chain(&err), "failed to write an audit entry");
        }
    }
}
