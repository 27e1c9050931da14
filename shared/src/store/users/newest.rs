//! Accounts newest first (`GET /admin/users`), from `GSI1` (`USERS#<ROLE>`,
//! `<created_at>#<id>`), never a scan. Several roles are queried side by side (one `Query`
//! each per page, whatever the data) and merged by creation time; the position to go on from
//! is the sort key of the last account returned, and each partition continues below it. A
//! status filter is a `FilterExpression`: a page may then hold fewer than `limit` accounts.

use super::keys::role_index_pk;
use super::record::UserRecord;
use crate::domain::{AccountStatus, Role};
use crate::schema::GSI1;
use crate::store::attr::Item;
use crate::store::shards::{cursor_below, cursor_key, only_where, IndexRead, SortRange};

/// A merged page of accounts and, when more may follow, the sort key to continue below.
#[derive(Debug, Clone)]
pub struct NewestUsers {
    pub users: Vec<UserRecord>,
    pub continue_below: Option<String>,
}

impl NewestUsers {
    /// The page's position as a cursor key.
    pub fn last_key(&self) -> Option<Item> {
        cursor_key(GSI1, self.continue_below.clone())
    }
}

/// Where a cursor key (from [`NewestUsers::last_key`]) says to continue.
pub fn continue_below(start: Option<&Item>) -> Option<String> {
    cursor_below(start, GSI1)
}

/// The newest accounts of `roles` (with `status`, if given) below `below`, at most `limit`:
/// one `Query` per role, concurrently, merged by `store::shards`.
pub async fn newest_first(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    roles: &[Role],
    status: Option<AccountStatus>,
    below: Option<&str>,
    limit: i32,
) -> anyhow::Result<NewestUsers> {
    let range = SortRange {
        from: None,
        below: below.map(str::to_owned),
    };
    let partitions = roles.iter().map(|role| role_index_pk(*role)).collect();
    let read = IndexRead::newest_page(GSI1, partitions, range, None, limit);
    let merged = read
        .run(
            dynamodb,
            table,
            only_where("status", status.map(AccountStatus::as_str)),
            |item: &Item| UserRecord::try_from(item),
        )
        .await?;
    Ok(NewestUsers {
        users: merged.items,
        continue_below: merged.next,
    })
}
