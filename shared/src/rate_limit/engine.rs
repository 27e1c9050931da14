//! One conditional `UpdateItem` per rule check: the counter for (rule, key, window) is
//! incremented only while it is below the limit, so concurrent requests can never overshoot.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::headers::RateLimitSnapshot;
use super::rules::{FailMode, RateLimits, RuleName};
use super::window::Window;
use crate::error::ApiError;
use crate::http::request_context::RequestScope;
use crate::metrics;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

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

    /// Counts one request against `rule` for `key`. Records the outcome on the request scope
    /// (its headers go on the response) and answers 429 when the limit is exhausted.
    pub async fn check(
        &self,
        scope: &RequestScope,
        rule_name: RuleName,
        key: &str,
        is_admin: bool,
    ) -> Result<(), ApiError> {
        let rule = self.limits.rule(rule_name);
        if is_admin && rule.admin_bypass {
            return Ok(());
        }
        let window = Window::containing(now_secs(), rule.window_secs);
        let outcome = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(
                PARTITION_KEY,
                AttributeValue::S(counter_key(rule_name, key)),
            )
            .key(SORT_KEY, AttributeValue::S(format!("W#{}", window.index)))
            .update_expression("ADD #count :one SET #expires = :expires")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "request_count")
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(rule.limit.to_string()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((window.ends_at + 60).to_string()),
            )
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match outcome {
            Ok(output) => {
                let used = output
                    .attributes()
                    .and_then(|a| a.get("request_count"))
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1);
                scope.record_rate_limit(RateLimitSnapshot::new(&rule, window, used, false));
                Ok(())
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let snapshot = RateLimitSnapshot::new(&rule, window, rule.limit, true);
                let headers = snapshot.headers();
                scope.record_rate_limit(snapshot);
                metrics::count("RequestsLimited");
                Err(ApiError::RateLimited(headers))
            }
            Err(err) => {
                let chain = crate::error::chain(&err);
                match rule.fail_mode {
                    FailMode::Closed => {
                        tracing::error!(rule = rule.name.as_str(), error = %chain, "rate-limit store unavailable; failing closed");
                        Err(ApiError::unavailable(
                            "The service is briefly unavailable; try again shortly.",
                        ))
                    }
                    FailMode::Open => {
                        tracing::warn!(rule = rule.name.as_str(), error = %chain, "rate-limit store unavailable; failing open");
                        metrics::count("RateLimitFailOpen");
                        Ok(())
                    }
                }
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
}
