//! `GET /admin/users?role=&status=`: newest accounts first, from GSI1 (`USERS#<ROLE>`,
//! `<created_at>#<id>`), never a scan.
//!
//! With a role, one `Query` per page. Without one, the three role partitions are queried side
//! by side (three `Query` calls per page, whatever the data) and merged by creation time; the
//! cursor is the sort key of the last account returned, and each partition continues below it.
//! A status filter is a `FilterExpression`: a page may then hold fewer than `limit` accounts.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::auth::{AccountStatus, Role};
use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::pagination::{self, Page, PagedList};
use shared::schema::GSI1;
use shared::store::attr::{get_s, Item};
use shared::store::users::UserRecord;
use shared::{ApiError, ApiResult, AppState};

use crate::guard::Admin;
use crate::view::AdminUserView;

const ALL_ROLES: [Role; 3] = [Role::Student, Role::Instructor, Role::Admin];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only accounts of this role (case does not matter).
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Only accounts with this status (case does not matter).
    #[param(value_type = Option<AccountStatus>)]
    status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

/// One partition's answer: its items (sort key, item), newest first, and where it stopped if
/// it has more.
#[derive(Debug)]
struct PartitionPage {
    items: Vec<(String, Item)>,
    stopped_at: Option<String>,
}

/// Merges partition pages into one page of at most `limit`, newest first. An item is safe to
/// return only if it is not older than the point where a partition with more items stopped
/// (that partition may hold unseen items in between). Returns the items and, when more may
/// follow, the sort key to continue below.
fn merge(pages: Vec<PartitionPage>, limit: usize) -> (Vec<Item>, Option<String>) {
    let frontier = pages.iter().filter_map(|p| p.stopped_at.clone()).max();
    let mut eligible: Vec<(String, Item)> = pages
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

fn parse_filters(query: &UserListQuery) -> ApiResult<(Option<Role>, Option<AccountStatus>)> {
    let role = match query.role.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(Role::parse(&text.to_ascii_uppercase()).ok_or_else(|| {
            ApiError::BadRequest("role must be one of STUDENT, INSTRUCTOR, ADMIN.".into())
        })?),
    };
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            AccountStatus::parse(&text.to_ascii_uppercase()).ok_or_else(|| {
                ApiError::BadRequest(
                    "status must be one of PENDING_VERIFICATION, ACTIVE, SUSPENDED.".into(),
                )
            })?,
        ),
    };
    Ok((role, status))
}

/// One `Query` of a role's partition, newest first, below `after` if given.
async fn query_role(
    state: &AppState,
    role: Role,
    status: Option<AccountStatus>,
    after: Option<&str>,
    limit: i32,
) -> ApiResult<PartitionPage> {
    let mut request = state
        .aws
        .dynamodb
        .query()
        .table_name(&state.config.table_name)
        .index_name(GSI1.name)
        .expression_attribute_names("#pk", GSI1.partition_key)
        .expression_attribute_values(":pk", AttributeValue::S(format!("USERS#{}", role.as_str())))
        .scan_index_forward(false)
        .limit(limit);
    request = match after {
        None => request.key_condition_expression("#pk = :pk"),
        Some(after) => request
            .key_condition_expression("#pk = :pk AND #sk < :after")
            .expression_attribute_names("#sk", GSI1.sort_key)
            .expression_attribute_values(":after", AttributeValue::S(after.to_owned())),
    };
    if let Some(status) = status {
        request = request
            .filter_expression("#status = :status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", AttributeValue::S(status.as_str().into()));
    }
    let output = request
        .send()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("Failed to list users")))?;
    let items = output
        .items()
        .iter()
        .filter_map(|item| get_s(item, GSI1.sort_key).map(|key| (key.to_owned(), item.clone())))
        .collect();
    let stopped_at = output
        .last_evaluated_key()
        .and_then(|key| get_s(key, GSI1.sort_key))
        .map(str::to_owned);
    Ok(PartitionPage { items, stopped_at })
}

/// List accounts
///
/// Newest first, optionally by role and status.
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "list_users",
    tag = "admin",
    params(UserListQuery),
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "A page of accounts.", body = Page<AdminUserView>),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<UserListQuery>,
) -> ApiResult<JsonResponse<Page<AdminUserView>>> {
    let (role, status) = parse_filters(&query)?;
    let fingerprint = format!(
        "admin/users?role={}&status={}",
        role.map_or("", Role::as_str),
        status.map_or("", AccountStatus::as_str)
    );
    let list = PagedList::new(&state, admin.user_id(), fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;
    let after = page
        .start_key
        .as_ref()
        .and_then(|key| get_s(key, GSI1.sort_key))
        .map(str::to_owned);
    let roles: Vec<Role> = match role {
        Some(role) => vec![role],
        None => ALL_ROLES.to_vec(),
    };
    let pages = futures::future::try_join_all(
        roles
            .into_iter()
            .map(|role| query_role(&state, role, status, after.as_deref(), page.limit)),
    )
    .await?;
    let limit = usize::try_from(page.limit).unwrap_or(pagination::DEFAULT_LIMIT as usize);
    let (items, continue_below) = merge(pages, limit);
    let users = items
        .iter()
        .map(|item| UserRecord::try_from(item).map(|user| AdminUserView::from(&user)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cursor_key: Option<HashMap<String, AttributeValue>> = continue_below
        .map(|key| HashMap::from([(GSI1.sort_key.to_owned(), AttributeValue::S(key))]));
    Ok(JsonResponse(list.page(users, cursor_key.as_ref()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str], stopped_at: Option<&str>) -> PartitionPage {
        PartitionPage {
            items: keys
                .iter()
                .map(|k| {
                    (
                        k.to_string(),
                        Item::from([("k".to_owned(), AttributeValue::S(k.to_string()))]),
                    )
                })
                .collect(),
            stopped_at: stopped_at.map(str::to_owned),
        }
    }

    fn keys(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| get_s(i, "k"))
            .map(str::to_owned)
            .collect()
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
