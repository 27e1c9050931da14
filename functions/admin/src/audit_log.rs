//! `GET /admin/audit-log`: newest first, filtered by actor (GSI3, one partition per actor), by
//! day range (a key condition on the `<time>#<id>` sort key) and by action (a filter). One
//! `Query` per page.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::pagination::{Page, PagedList};
use shared::schema::{GSI2, GSI3};
use shared::store::attr::{get_s, Item};
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

impl From<&Item> for AuditView {
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

    let (index, partition) = match &actor {
        Some(actor) => (GSI3, format!("AUDIT_ACTOR#{actor}")),
        None => (GSI2, "AUDIT".to_owned()),
    };
    let range = match (&lower, &upper) {
        (None, None) => "",
        (Some(_), None) => " AND #sk >= :lower",
        (None, Some(_)) => " AND #sk < :upper",
        (Some(_), Some(_)) => " AND #sk BETWEEN :lower AND :upper",
    };
    let mut request = state
        .aws
        .dynamodb
        .query()
        .table_name(&state.config.table_name)
        .index_name(index.name)
        .key_condition_expression(format!("#pk = :pk{range}"))
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_values(":pk", AttributeValue::S(partition))
        .scan_index_forward(false)
        .limit(page.limit)
        .set_exclusive_start_key(page.start_key);
    if !range.is_empty() {
        request = request.expression_attribute_names("#sk", index.sort_key);
    }
    if let Some(lower) = lower {
        request = request.expression_attribute_values(":lower", AttributeValue::S(lower));
    }
    if let Some(upper) = upper {
        request = request.expression_attribute_values(":upper", AttributeValue::S(upper));
    }
    if let Some(action) = action {
        // A filter, not a key: a page may hold fewer than `limit` entries, but each page stays
        // one query.
        request = request
            .filter_expression("#action = :action")
            .expression_attribute_names("#action", "action")
            .expression_attribute_values(":action", AttributeValue::S(action));
    }
    let output = request.send().await.map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context("Failed to read the audit log"))
    })?;
    let items = output.items().iter().map(AuditView::from).collect();
    Ok(JsonResponse(
        list.page(items, output.last_evaluated_key()).await?,
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
