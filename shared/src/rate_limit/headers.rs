//! The headers a limited route answers with: IETF `RateLimit-Policy` and `RateLimit`
//! (draft-ietf-httpapi-ratelimit-headers), `Retry-After` on 429, and `X-RateLimit-*`.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::rules::RateLimitRule;
use super::window::Window;

/// The outcome of one rule check, kept so the most restrictive one can be reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSnapshot {
    pub policy: &'static str,
    pub limit: u32,
    pub remaining: u32,
    pub window_secs: u64,
    pub window: Window,
    pub limited: bool,
}

impl RateLimitSnapshot {
    pub fn new(rule: &RateLimitRule, window: Window, used: u32, limited: bool) -> Self {
        Self {
            policy: rule.name.as_str(),
            limit: rule.limit,
            remaining: if limited {
                0
            } else {
                rule.limit.saturating_sub(used)
            },
            window_secs: rule.window_secs,
            window,
            limited,
        }
    }

    /// Of two snapshots, the one a client must respect: limited first, then fewer remaining.
    pub fn more_restrictive(self, other: Self) -> Self {
        let key = |s: &Self| (!s.limited, s.remaining, u64::MAX - s.window.resets_in);
        if key(&other) < key(&self) {
            other
        } else {
            self
        }
    }

    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        put(
            "ratelimit-policy",
            format!(
                "\"{}\";q={};w={}",
                self.policy, self.limit, self.window_secs
            ),
        );
        put(
            "ratelimit",
            format!(
                "\"{}\";r={};t={}",
                self.policy, self.remaining, self.window.resets_in
            ),
        );
        put("x-ratelimit-limit", self.limit.to_string());
        put("x-ratelimit-remaining", self.remaining.to_string());
        put("x-ratelimit-reset", self.window.ends_at.to_string());
        if self.limited {
            put("retry-after", self.window.resets_in.to_string());
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::rules::{RateLimits, RuleName};

    fn snapshot(used: u32, limited: bool) -> RateLimitSnapshot {
        let rule = RateLimits::default().rule(RuleName::LoginIp);
        RateLimitSnapshot::new(&rule, Window::containing(1_000_030, 60), used, limited)
    }

    #[test]
    fn a_limited_answer_carries_retry_after_and_both_header_families() {
        let headers = snapshot(5, true).headers();
        assert_eq!(headers["retry-after"], "50");
        assert_eq!(headers["ratelimit-policy"], "\"login_ip\";q=5;w=60");
        assert_eq!(headers["ratelimit"], "\"login_ip\";r=0;t=50");
        assert_eq!(headers["x-ratelimit-limit"], "5");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["x-ratelimit-reset"], "1000080");
    }

    #[test]
    fn an_allowed_answer_counts_down_and_has_no_retry_after() {
        let headers = snapshot(2, false).headers();
        assert_eq!(headers["x-ratelimit-remaining"], "3");
        assert!(!headers.contains_key("retry-after"));
    }

    #[test]
    fn the_limited_or_tighter_rule_is_reported() {
        let tight = snapshot(4, false);
        let loose = snapshot(1, false);
        assert_eq!(loose.clone().more_restrictive(tight.clone()), tight);
        assert!(tight.more_restrictive(snapshot(5, true)).limited);
    }
}
