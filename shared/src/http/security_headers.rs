//! The response headers of SPEC §4, on every response including errors and 404s. The same list
//! is used for API Gateway's own responses in `infra/template.yaml` (checked by a test).

use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// Headers sent in every stage.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
         microphone=(), payment=(), usb=(), interest-cohort=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cache-control", "no-store"),
    ("x-xss-protection", "0"),
];

/// HSTS, sent everywhere but local development (browsers would pin plain-HTTP localhost).
pub const HSTS: (&str, &str) = (
    "strict-transport-security",
    "max-age=63072000; includeSubDomains; preload",
);

/// Sets every header, overriding the route's, except a `content-security-policy` the route set
/// itself: the one page this API serves (`GET /api/v1/docs`) has to run its inline scripts and
/// names them in its own policy. Every other response gets `default-src 'none'`.
pub fn apply(headers: &mut HeaderMap, with_hsts: bool) {
    let extra = with_hsts.then_some(HSTS);
    for (name, value) in SECURITY_HEADERS.iter().chain(extra.iter()) {
        let name = HeaderName::from_static(name);
        if name == CONTENT_SECURITY_POLICY && headers.contains_key(&name) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_lowercase_and_values_valid() {
        // from_static panics on invalid input; exercise every entry once.
        let mut headers = HeaderMap::new();
        apply(&mut headers, true);
        assert_eq!(headers.len(), SECURITY_HEADERS.len() + 1);
        assert_eq!(headers["x-frame-options"], "DENY");
    }

    #[test]
    fn a_route_policy_is_kept_and_every_other_header_overridden() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'self'"),
        );
        headers.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
        apply(&mut headers, false);
        assert_eq!(headers[CONTENT_SECURITY_POLICY], "script-src 'self'");
        assert_eq!(headers["x-frame-options"], "DENY");
    }

    #[test]
    fn hsts_is_left_out_locally() {
        let mut headers = HeaderMap::new();
        apply(&mut headers, false);
        assert!(!headers.contains_key("strict-transport-security"));
    }
}
