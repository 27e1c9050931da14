//! One conditional `UpdateItem` per rule check: the counter for (rule, key, window) is
//! incremented only while it is below the limit, so concurrent requests can never overshoot.
//!
//! The SDK retries an update whose answer was lost (a dropped connection, a timed-out
//! attempt), and the lost attempt may have been applied. Each check therefore writes a fresh
//! token with its increment and is conditional on the counter not already holding that token:
//! a retry of an applied increment fails the condition, finds its own token in the old item
//! and counts as done instead of counting the request twice.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::headers::RateLimitSnapshot;
use super::rules::{FailMode, RateLimits, RuleName};
use super::window::Window;
use crate::error::ApiError;
use crate::http::request_context::RequestScope;
use crate::metrics;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

/// The counter and the token of the last check that moved it.
const COUNT: &str = "request_count";
const LAST_ATTEMPT: &str = "last_attempt";

type UpdateError = aws_sdk_dynamodb::error::SdkError<
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::config::http::HttpResponse,
>;

fn condition_failed(
    err: &UpdateError,
) -> Option<&aws_sdk_dynamodb::types::error::ConditionalCheckFailedException> {
    match err.as_service_error()? {
        aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(e) => Some(e),
        _ => None,
    }
}

fn count_in(item: Option<&std::collections::HashMap<String, AttributeValue>>) -> Option<u32> {
    item?.get(COUNT)?.as_n().ok()?.parse().ok()
}

#[derive(Clone, Debug)]
pub struct RateLimiter {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    limits: RateLimits,
}

/// Counter keys are hashed: an email address used as a rate-limit key stays out of the table.
fn counter_key(rule: RuleName, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let short = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]);
    format!("RATE#{}#{short}", rule.as_str())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl RateLimiter {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: String, limits: RateLimits) -> Self {
        Self {
            dynamodb,
            table,
            limits,
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Counts one request against `rule` for `caller` (unless the rule exempts them). Records
    /// the outcome on the request scope (its headers go on the response) and answers 429 when
    /// the limit is exhausted.
    pub async fn check(
        &self,
        scope: &RequestScope,
        rule_name: RuleName,
        caller: Caller<'_>,
    ) -> Result<(), ApiError> {
        let verdict = self.count(rule_name, caller).await;
        verdict.settle(scope)
    }

    /// A read route's check, run beside its reads: one round trip of latency instead of two.
    /// The limit's answer comes first: a limited request answers 429 (and a fail-closed rule
    /// whose store is down 503) whatever the reads returned, errors included, and nothing they
    /// read reaches the response. Only for reads: a write must not start before its limit
    /// answers, or a limited request would change something.
    pub async fn check_alongside<T, E>(
        &self,
        scope: &RequestScope,
        rule_name: RuleName,
        caller: Caller<'_>,
        reads: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        let (verdict, read) = tokio::join!(self.count(rule_name, caller), reads);
        verdict.settle(scope)?;
        read.map_err(ApiError::from)
    }

    /// The counter update alone: what it says is recorded on the request by [`Verdict::settle`],
    /// so a caller may run it beside other I/O and decide afterwards.
    pub(crate) async fn count(&self, rule_name: RuleName, caller: Caller<'_>) -> Verdict {
        let rule = self.limits.rule(rule_name);
        if rule.exempts(&caller) {
            return Verdict::Exempt;
        }
        let key = caller.counted_key();
        let window = Window::containing(now_secs(), rule.window_secs);
        let attempt = uuid::Uuid::new_v4().to_string();
        let outcome = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(
                PARTITION_KEY,
                AttributeValue::S(counter_key(rule_name, key)),
            )
            .key(SORT_KEY, AttributeValue::S(format!("W#{}", window.index)))
            .update_expression("ADD #count :one SET #expires = :expires, #last = :attempt")
            .condition_expression(
                "(attribute_not_exists(#count) OR #count < :limit) \
                 AND (attribute_not_exists(#last) OR #last <> :attempt)",
            )
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_names("#last", LAST_ATTEMPT)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":attempt", AttributeValue::S(attempt.clone()))
            .expression_attribute_values(":limit", AttributeValue::N(rule.limit.to_string()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((window.ends_at + 60).to_string()),
            )
            .return_values(ReturnValue::UpdatedNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let err = match outcome {
            Ok(output) => {
                let used = count_in(output.attributes()).unwrap_or(1);
                return Verdict::Allowed(RateLimitSnapshot::new(&rule, window, used, false));
            }
            Err(err) => err,
        };
        if let Some(failed) = condition_failed(&err) {
            let old = failed.item();
            let last = old
                .and_then(|item| item.get(LAST_ATTEMPT))
                .and_then(|v| v.as_s().ok());
            if last == Some(&attempt) {
                // A retry of this very check, whose first attempt was applied.
                let used = count_in(old).unwrap_or(1);
                return Verdict::Allowed(RateLimitSnapshot::new(&rule, window, used, false));
            }
            return Verdict::Limited(RateLimitSnapshot::new(&rule, window, rule.limit, true));
        }
        Verdict::Unavailable {
            rule: rule.name,
            fail_mode: rule.fail_mode,
            chain: crate::error::chain(&err),
        }
    }
}

/// What one counter update said, not yet recorded on the request.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The rule does not count this caller (no I/O was made).
    Exempt,
    Allowed(RateLimitSnapshot),
    Limited(RateLimitSnapshot),
    /// The counter store could not be reached; the rule's fail mode decides.
    Unavailable {
        rule: RuleName,
        fail_mode: FailMode,
        chain: String,
    },
}

impl Verdict {
    pub(crate) fn is_exempt(&self) -> bool {
        matches!(self, Self::Exempt)
    }

    /// Records what [`RateLimiter::count`] said on the request (its headers go on the
    /// response) and answers 429 when the limit is exhausted, 503 when a fail-closed rule's
    /// store is down.
    pub(crate) fn settle(self, scope: &RequestScope) -> Result<(), ApiError> {
        match self {
            Self::Exempt => Ok(()),
            Self::Allowed(snapshot) => {
                scope.record_rate_limit(snapshot);
                Ok(())
            }
            Self::Limited(snapshot) => {
                let headers = snapshot.headers();
                scope.record_rate_limit(snapshot);
                metrics::count("RequestsLimited");
                Err(ApiError::RateLimited(headers))
            }
            Self::Unavailable {
                rule,
                fail_mode: FailMode::Closed,
                chain,
            } => {
                tracing::error!(rule = rule.as_str(), error = %chain, "rate-limit store unavailable; failing closed");
                Err(ApiError::unavailable(
                    "The service is briefly unavailable; try again shortly.",
                ))
            }
            Self::Unavailable {
                rule,
                fail_mode: FailMode::Open,
                chain,
            } => {
                tracing::warn!(rule = rule.as_str(), error = %chain, "rate-limit store unavailable; failing open");
                metrics::count("RateLimitFailOpen");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_keys_hide_the_raw_key_and_separate_rules() {
        let a = counter_key(RuleName::LoginAccount, "thandi@example.co.za");
        let b = counter_key(RuleName::ForgotAccount, "thandi@example.co.za");
        assert!(!a.contains("thandi"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            counter_key(RuleName::LoginAccount, "thandi@example.co.za")
        );
    }

    fn snapshot(limited: bool) -> RateLimitSnapshot {
        let rule = RateLimits::default().rule(RuleName::PublicIp);
        RateLimitSnapshot::new(&rule, Window::containing(1_000_030, 60), 3, limited)
    }

    #[test]
    fn a_limited_verdict_answers_429_with_its_headers_and_records_them() {
        let scope = RequestScope::default();
        let err = Verdict::Limited(snapshot(true)).settle(&scope);
        let Err(ApiError::RateLimited(headers)) = err else {
            panic!("not a 429: {err:?}");
        };
        assert!(headers.contains_key("retry-after"));
        assert!(scope.rate_limit().is_some_and(|s| s.limited));
    }

    #[test]
    fn an_allowed_verdict_records_its_headers_and_an_exempt_one_nothing() {
        let scope = RequestScope::default();
        assert!(Verdict::Exempt.settle(&scope).is_ok());
        assert!(scope.rate_limit().is_none());
        assert!(Verdict::Allowed(snapshot(false)).settle(&scope).is_ok());
        assert!(scope.rate_limit().is_some_and(|s| !s.limited));
    }

    #[test]
    fn an_unreachable_store_fails_by_the_rule_s_mode() {
        let down = |fail_mode| Verdict::Unavailable {
            rule: RuleName::LoginIp,
            fail_mode,
            chain: "connection refused".into(),
        };
        let scope = RequestScope::default();
        assert!(matches!(
            down(FailMode::Closed).settle(&scope),
            Err(ApiError::Unavailable { .. })
        ));
        assert!(down(FailMode::Open).settle(&scope).is_ok());
        assert!(scope.rate_limit().is_none(), "no headers without a count");
    }
}
