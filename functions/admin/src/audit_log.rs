//! `GET /admin/audit-log`: newest first, filtered by actor, UTC day range and action
//! (`shared::store::audit_log`). One `Query` per shard of the log per page (one, by actor).

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::pagination::{Page, PagedList};
use shared::store::audit_log::{self, AuditFilter, AuditRecord};
use shared::{ApiError, ApiResult, AppState};

use crate::guard::Admin;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries of this action (`auth.login`, `account.suspended`, ...).
    action: Option<String>,
    /// Only entries by this user id.
    actor: Option<String>,
    /// First day included, `yyyy-mm-dd` (UTC).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day included, `yyyy-mm-dd` (UTC).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

/// One audited action.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditView {
    audit_id: String,
    #[schema(format = DateTime)]
    at: String,
    /// The acting user's id (empty when unknown, e.g. a failed login for no account).
    actor: String,
    action: String,
    target: Option<String>,
    /// The client IP.
    ip: String,
    /// `success` or `failure`.
    outcome: String,
    detail: Option<String>,
}

impl From<AuditRecord> for AuditView {
    fn from(entry: AuditRecord) -> Self {
        Self {
            audit_id: entry.audit_id,
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            ip: entry.ip,
            outcome: entry.outcome,
            detail: entry.detail,
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn parse_day(name: &str, value: Option<String>) -> ApiResult<Option<jiff::civil::Date>> {
    non_empty(value)
        .map(|v| {
            v.parse::<jiff::civil::Date>()
                .map_err(|_| ApiError::BadRequest(format!("{name} must be a date: yyyy-mm-dd.")))
        })
        .transpose()
}

/// The sort-key range of the days `from..=to`. Keys are `<RFC 3339 time>#<id>`, so `yyyy-mm-dd`
/// sorts before every key of that day and the next day's date after every key of `to`.
fn key_range(
    from: Option<jiff::civil::Date>,
    to: Option<jiff::civil::Date>,
) -> ApiResult<(Option<String>, Option<String>)> {
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(ApiError::BadRequest("from must not be after to.".into()));
        }
    }
    let upper = to
        .map(|to| {
            to.tomorrow()
                .map(|day| day.to_string())
                .map_err(|_| ApiError::BadRequest("to is out of range.".into()))
        })
        .transpose()?;
    Ok((from.map(|d| d.to_string()), upper))
}

/// Read the audit log
///
/// Newest first; by actor, action and UTC day range. Entries are kept a year.
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit-log",
    operation_id = "list_audit_log",
    tag = "admin",
    params(AuditQuery),
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "A page of entries.", body = Page<AuditView>),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<AuditQuery>,
) -> ApiResult<JsonResponse<Page<AuditView>>> {
    let action = non_empty(query.action);
    let actor = non_empty(query.actor);
    let from = parse_day("from", query.from)?;
    let to = parse_day("to", query.to)?;
    let (lower, upper) = key_range(from, to)?;
    let fingerprint = format!(
        "admin/audit-log?action={}&actor={}&from={}&to={}",
        action.as_deref().unwrap_or(""),
        actor.as_deref().unwrap_or(""),
        lower.as_deref().unwrap_or(""),
        upper.as_deref().unwrap_or(""),
    );
    let list = PagedList::new(&state, admin.user_id(), fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;

    let filter = AuditFilter {
        actor,
        action,
        from: lower,
        below: upper,
    };
    let found = audit_log::page(
        &state.aws.dynamodb,
        &state.config.table_name,
        filter,
        page.limit,
        page.start_key,
    )
    .await?;
    let items = found.items.into_iter().map(AuditView::from).collect();
    Ok(JsonResponse(
        list.page(items, found.last_key.as_ref()).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<jiff::civil::Date> {
        Some(text.parse().expect("date"))
    }

    #[test]
    fn a_day_range_covers_whole_days() {
        let (lower, upper) = key_range(day("2026-01-31"), day("2026-01-31")).expect("range");
        let (lower, upper) = (lower.expect("lower"), upper.expect("upper"));
        for key in ["2026-01-31T00:00:00.000Z#a", "2026-01-31T23:59:59.999Z#b"] {
            assert!(lower.as_str() <= key && key < upper.as_str(), "{key}");
        }
        for key in ["2026-01-30T23:59:59.999Z#a", "2026-02-01T00:00:00.000Z#b"] {
            assert!(!(lower.as_str() <= key && key < upper.as_str()), "{key}");
        }
    }

    #[test]
    fn reversed_or_malformed_days_are_400() {
        assert!(key_range(day("2026-02-01"), day("2026-01-01")).is_err());
        assert!(parse_day("from", Some("31/01/2026".into())).is_err());
        assert!(parse_day("from", Some("2026-02-30".into())).is_err());
    }
}
