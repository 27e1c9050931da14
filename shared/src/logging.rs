//! `tracing` set-up: JSON lines by default (one per request from the access log), `LOG_LEVEL` and
//! `LOG_FORMAT` honoured, chatty dependencies held at `warn`. Secrets stay out of logs by
//! construction: request headers and bodies are never logged except through [`redact_headers`].

use axum::http::HeaderMap;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Dependencies whose `info`/`debug` output is noise in a request log.
const QUIET: &str = "aws_smithy_runtime=warn,aws_smithy_runtime_api=warn,aws_config=warn,\
                     aws_sdk_dynamodb=warn,aws_sdk_kms=warn,aws_sdk_secretsmanager=warn,\
                     hyper=warn,hyper_util=warn,h2=warn,rustls=warn,lambda_runtime=warn";

/// Builds the filter: a bare level (`debug`) gets the quiet list added; a full directive
/// (`info,shared=debug`) is taken as it is.
pub fn filter_directive(log_level: &str) -> String {
    if log_level.contains('=') {
        log_level.to_owned()
    } else {
        format!("{log_level},{QUIET}")
    }
}

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(filter_directive(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new(filter_directive("info")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.with_ansi(false).try_init(),
    };
}

/// Header names whose values are credentials.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "x-csrf-token",
    "x-api-key",
    "proxy-authorization",
];

/// A loggable copy of request headers with credential values replaced.
pub fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = if SENSITIVE_HEADERS.contains(&name.as_str()) {
                "[redacted]".to_owned()
            } else {
                value.to_str().unwrap_or("[binary]").to_owned()
            };
            (name, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_and_the_rest_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer eyJhbGciOi.secret".parse().unwrap());
        headers.insert("cookie", "__Host-session=abc".parse().unwrap());
        headers.insert("user-agent", "drive-alive-app/3.1".parse().unwrap());
        let logged = format!("{:?}", redact_headers(&headers));
        assert!(!logged.contains("eyJhbGciOi"));
        assert!(!logged.contains("abc"));
        assert!(logged.contains("drive-alive-app/3.1"));
    }

    #[test]
    fn a_bare_level_quietens_dependencies_and_a_directive_is_kept() {
        assert!(filter_directive("debug").starts_with("debug,aws_smithy_runtime=warn"));
        assert_eq!(filter_directive("info,shared=trace"), "info,shared=trace");
    }
}
