//! `GET /admin/users?role=&status=`: newest accounts first, from GSI1 (`USERS#<ROLE>`,
//! `<created_at>#<id>`), never a scan.
//!
//! With a role, one `Query` per page; without one, the three role partitions side by side,
//! merged (`shared::store::users::newest_first`).

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::auth::{AccountStatus, Role};
use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::pagination::{Page, PagedList};
use shared::store::users;
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
    let roles: Vec<Role> = match role {
        Some(role) => vec![role],
        None => ALL_ROLES.to_vec(),
    };
    let below = users::continue_below(page.start_key.as_ref());
    let found = users::newest_first(
        &state.aws.dynamodb,
        &state.config.table_name,
        &roles,
        status,
        below.as_deref(),
        page.limit,
    )
    .await?;
    let views = found.users.iter().map(AdminUserView::from).collect();
    Ok(JsonResponse(
        list.page(views, found.last_key().as_ref()).await?,
    ))
}
