//! Accounts newest first (`GET /admin/users`), from `GSI1` (`USERS#<ROLE>`,
//! `<created_at>#<id>`), never a scan. Several roles are queried side by side (one `Query`
//! each per page, whatever the data) and merged by creation time; the position to go on from
//! is the sort key of the last account returned, and each partition continues below it. A
//! status filter is a `FilterExpression`: a page may then hold fewer than `limit` accounts.

use anyhow::Context;

use super::keys::role_index_pk;
use super::record::UserRecord;
use crate::domain::{AccountStatus, Role};
use crate::schema::GSI1;
use crate::store::attr::{get_s, s, Item};

/// A merged page of accounts and, when more may follow, the sort key to continue below.
#[derive(Debug, Clone)]
pub struct NewestUsers {
    pub users: Vec<UserRecord>,
    pub continue_below: Option<String>,
}

impl NewestUsers {
    /// The page's position as a cursor key.
    pub fn last_key(&self) -> Option<Item> {
        self.continue_below
            .as_ref()
            .map(|key| Item::from([(GSI1.sort_key.to_owned(), s(key))]))
    }
}

/// Where a cursor key (from [`NewestUsers::last_key`]) says to continue.
pub fn continue_below(start: Option<&Item>) -> Option<String> {
    start
        .and_then(|key| get_s(key, GSI1.sort_key))
        .map(str::to_owned)
}

/// The newest accounts of `roles` (with `status`, if given) below `below`, at most `limit`:
/// one `Query` per role, concurrently.
pub async fn newest_first(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    roles: &[Role],
    status: Option<AccountStatus>,
    below: Option<&str>,
    limit: i32,
) -> anyhow::Result<NewestUsers> {
    let pages = futures::future::try_join_all(
        roles
            .iter()
            .map(|role| query_role(dynamodb, table, *role, status, below, limit)),
    )
    .await?;
    let (users, continue_below) = merge(pages, usize::try_from(limit).unwrap_or(0));
    Ok(NewestUsers {
        users,
        continue_below,
    })
}

/// One `Query` of a role's partition, newest first, below `below` if given.
async fn query_role(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    role: Role,
    status: Option<AccountStatus>,
    below: Option<&str>,
    limit: i32,
) -> anyhow::Result<PartitionPage<UserRecord>> {
    let mut request = dynamodb
        .query()
        .table_name(table)
        .index_name(GSI1.name)
        .expression_attribute_names("#pk", GSI1.partition_key)
        .expression_attribute_values(":pk", s(role_index_pk(role)))
        .scan_index_forward(false)
        .limit(limit);
    request = match below {
        None => request.key_condition_expression("#pk = :pk"),
        Some(below) => request
            .key_condition_expression("#pk = :pk AND #sk < :after")
            .expression_attribute_names("#sk", GSI1.sort_key)
            .expression_attribute_values(":after", s(below)),
    };
    if let Some(status) = status {
        request = request
            .filter_expression("#status = :status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()));
    }
    let output = request.send().await.context("Failed to list users")?;
    let mut items = Vec::new();
    for item in output.items() {
        if let Some(key) = get_s(item, GSI1.sort_key) {
            items.push((key.to_owned(), UserRecord::try_from(item)?));
        }
    }
    let stopped_at = output
        .last_evaluated_key()
        .and_then(|key| get_s(key, GSI1.sort_key))
        .map(str::to_owned);
    Ok(PartitionPage { items, stopped_at })
}

/// One partition's answer: its items (sort key, item), newest first, and where it stopped if
/// it has more.
#[derive(Debug)]
struct PartitionPage<T> {
    items: Vec<(String, T)>,
    stopped_at: Option<String>,
}

/// Merges partition pages into one page of at most `limit`, newest first. An item is safe to
/// return only if it is not older than the point where a partition with more items stopped
/// (that partition may hold unseen items in between). Returns the items and, when more may
/// follow, the sort key to continue below.
fn merge<T>(pages: Vec<PartitionPage<T>>, limit: usize) -> (Vec<T>, Option<String>) {
    let frontier = pages.iter().filter_map(|p| p.stopped_at.clone()).max();
    let mut eligible: Vec<(String, T)> = pages
        .into_iter()
        .flat_map(|p| p.items)
        .filter(|(key, _)| frontier.as_ref().is_none_or(|f| key >= f))
        .collect();
    eligible.sort_by(|a, b| b.0.cmp(&a.0));
    if eligible.len() > limit {
        eligible.truncate(limit);
        let after = eligible.last().map(|(key, _)| key.clone());
        return (eligible.into_iter().map(|(_, item)| item).collect(), after);
    }
    (
        eligible.into_iter().map(|(_, item)| item).collect(),
        frontier,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str], stopped_at: Option<&str>) -> PartitionPage<String> {
        PartitionPage {
            items: keys
                .iter()
                .map(|k| (k.to_string(), k.to_string()))
                .collect(),
            stopped_at: stopped_at.map(str::to_owned),
        }
    }

    fn keys(items: &[String]) -> Vec<String> {
        items.to_vec()
    }

    #[test]
    fn exhausted_partitions_merge_newest_first() {
        let (items, next) = merge(vec![page(&["5", "2"], None), page(&["4", "1"], None)], 10);
        assert_eq!(keys(&items), ["5", "4", "2", "1"]);
        assert_eq!(next, None);
    }

    #[test]
    fn a_full_page_continues_below_its_last_item() {
        let (items, next) = merge(vec![page(&["5", "2"], None), page(&["4", "1"], None)], 3);
        assert_eq!(keys(&items), ["5", "4", "2"]);
        assert_eq!(next.as_deref(), Some("2"));
    }

    #[test]
    fn nothing_older_than_where_a_partition_stopped_is_returned() {
        // The first partition stopped at 4 (it may hold 3 unseen), so 2 and 1 must wait.
        let (items, next) = merge(
            vec![page(&["6", "4"], Some("4")), page(&["5", "2", "1"], None)],
            5,
        );
        assert_eq!(keys(&items), ["6", "5", "4"]);
        assert_eq!(next.as_deref(), Some("4"));
    }

    #[test]
    fn a_filtered_empty_page_still_moves_on() {
        let (items, next) = merge(vec![page(&[], Some("7")), page(&[], None)], 5);
        assert!(items.is_empty());
        assert_eq!(next.as_deref(), Some("7"));
    }
}
