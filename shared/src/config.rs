//! The one typed configuration of a function, read from the environment once per cold start.
//!
//! Every variable is parsed here and nowhere else. A missing or invalid variable is an error that
//! names it; production additionally refuses settings that are only acceptable on a laptop.

use std::collections::BTreeMap;
use std::time::Duration;

use thiserror::Error;

use crate::domain::SmtpSettings;
use crate::rate_limit::rules::RateLimits;

mod services;

use services::{smtp_settings, stripe_settings};
pub use services::{ServiceEndpoints, StripeSettings};

/// Where the code runs. Only `Local` relaxes the production rules (plain-HTTP URLs, verbose
/// errors, cookies without `Secure`, no HSTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Local,
    Dev,
    Prod,
}

impl Stage {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "local" => Some(Self::Local),
            "dev" => Some(Self::Dev),
            "prod" => Some(Self::Prod),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Dev => "dev",
            Self::Prod => "prod",
        }
    }

    pub fn is_local(self) -> bool {
        self == Self::Local
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("environment variable {name} is not allowed in {stage}: {reason}")]
    Refused {
        name: &'static str,
        stage: &'static str,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub stage: Stage,
    /// The single DynamoDB table.
    pub table_name: String,
    /// KMS key (id, ARN or alias) used for envelope encryption.
    pub kms_key_id: String,
    /// Secrets Manager id of the JWT signing key.
    pub jwt_secret_id: String,
    /// Secrets Manager id of the cursor-signing key.
    pub cursor_secret_id: String,
    /// Base of the links sent by email; never taken from the Host header.
    pub public_url: String,
    /// Browser origins allowed by CORS and by the CSRF origin check.
    pub allowed_origins: Vec<String>,
    /// The origin of the API's own public URL (`API_PUBLIC_URL`): pages the API serves itself
    /// (the API docs) send it, so the origin checks accept it beside `allowed_origins`.
    pub api_origin: Option<String>,
    /// The API's own public base URL (`API_PUBLIC_URL`, no trailing slash): the links the API
    /// hands out to itself (calendar feeds). Unset, those features answer 503.
    pub api_public_url: Option<String>,
    pub log_level: String,
    pub log_format: LogFormat,
    /// Internal error details in problem bodies; local development only.
    pub verbose_errors: bool,
    /// Upper bound for any single call to a dependency (SDK operation timeout, readiness probes).
    pub dependency_timeout: Duration,
    /// Set by Lambda; required so the SDK never falls back to probing instance metadata.
    pub aws_region: String,
    /// The local AWS emulator; refused outside local development.
    pub aws_endpoint_url: Option<String>,
    /// Per-service endpoints of the local emulator, under the SDK's standard names
    /// (`AWS_ENDPOINT_URL_DYNAMODB`, ...); each overrides `aws_endpoint_url` for its service, so
    /// a benchmark can give every service its own host as in AWS. Refused outside local
    /// development.
    pub aws_service_endpoints: ServiceEndpoints,
    /// Rate-limit rules: SPEC defaults with `RATE_LIMITS` overrides.
    pub rate_limits: RateLimits,
    /// The deployment's mail server (`SMTP_*`), used until an admin configures one.
    pub smtp: Option<SmtpSettings>,
    /// `Secure` on session cookies; may be turned off only in local development.
    pub cookie_secure: bool,
    /// The SQS queue of notices (`NOTICES_QUEUE_URL`). Without it notices wait in the outbox
    /// (every enqueue fails, logged) until a deployment with the queue re-enqueues them.
    pub notices_queue_url: Option<String>,
    /// Stripe (`STRIPE_*`), for the functions that take or refund payments.
    pub stripe: Option<StripeSettings>,
}

/// Reads a variable through a lookup function so tests can parse a map instead of the process
/// environment.
struct Source<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Source<'_> {
    fn optional(&self, name: &'static str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }
}

impl Config {
    /// Parses the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Parses a fixed set of variables (tests, the local server).
    pub fn from_map(vars: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| vars.get(name).cloned())
    }

    fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let src = Source { lookup };
        let stage_raw = src.required("APP_STAGE")?;
        let stage = Stage::parse(&stage_raw).ok_or_else(|| ConfigError::Invalid {
            name: "APP_STAGE",
            reason: format!("expected local, dev or prod, got {stage_raw:?}"),
        })?;

        let public_url = src.required("PUBLIC_URL")?.trim_end_matches('/').to_owned();
        check_url("PUBLIC_URL", &public_url, stage)?;

        let allowed_origins: Vec<String> = src
            .optional("ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        for origin in &allowed_origins {
            if origin == "*" {
                return Err(ConfigError::Invalid {
                    name: "ALLOWED_ORIGINS",
                    reason: "a wildcard cannot be combined with credentials; list the origins"
                        .into(),
                });
            }
            check_url("ALLOWED_ORIGINS", origin, stage)?;
        }

        let api_origin = match src.optional("API_PUBLIC_URL") {
            None => None,
            Some(url) => {
                check_url("API_PUBLIC_URL", &url, stage)?;
                Some(origin_of(&url))
            }
        };

        // Checked with `api_origin` above.
        let api_public_url = src
            .optional("API_PUBLIC_URL")
            .map(|url| url.trim_end_matches('/').to_owned());

        let log_format = match src.optional("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") | Some("text") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT",
                    reason: format!("expected json or pretty, got {other:?}"),
                })
            }
        };

        let verbose_errors = parse_bool("VERBOSE_ERRORS", src.optional("VERBOSE_ERRORS"))?;
        if verbose_errors && !stage.is_local() {
            return Err(ConfigError::Refused {
                name: "VERBOSE_ERRORS",
                stage: stage.as_str(),
                reason: "internal error details are for local development only".into(),
            });
        }

        let timeout_ms = match src.optional("DEPENDENCY_TIMEOUT_MS") {
            None => 3000,
            Some(raw) => match raw.parse::<u64>() {
                Ok(ms) if (50..=25_000).contains(&ms) => ms,
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "DEPENDENCY_TIMEOUT_MS",
                        reason: "expected milliseconds between 50 and 25000".into(),
                    })
                }
            },
        };

        let aws_endpoint_url = src.optional("AWS_ENDPOINT_URL");
        if aws_endpoint_url.is_some() && !stage.is_local() {
            return Err(ConfigError::Refused {
                name: "AWS_ENDPOINT_URL",
                stage: stage.as_str(),
                reason: "AWS endpoints come from the region outside local development".into(),
            });
        }

        let aws_service_endpoints = ServiceEndpoints::from_source(&src, stage)?;

        let rate_limits = RateLimits::default()
            .with_overrides(&src.optional("RATE_LIMITS").unwrap_or_default())
            .map_err(|reason| ConfigError::Invalid {
                name: "RATE_LIMITS",
                reason,
            })?;

        let smtp = smtp_settings(&src, stage)?;
        let stripe = stripe_settings(&src, stage)?;

        let cookie_secure = !matches!(src.optional("COOKIE_SECURE").as_deref(), Some("false"));
        if !cookie_secure && !stage.is_local() {
            return Err(ConfigError::Refused {
                name: "COOKIE_SECURE",
                stage: stage.as_str(),
                reason: "session cookies must be Secure".into(),
            });
        }

        Ok(Self {
            stage,
            table_name: src.required("TABLE_NAME")?,
            kms_key_id: src.required("KMS_KEY_ID")?,
            jwt_secret_id: src.required("JWT_SECRET_ID")?,
            cursor_secret_id: src.required("CURSOR_SECRET_ID")?,
            public_url,
            allowed_origins,
            api_origin,
            api_public_url,
            log_level: src.optional("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            log_format,
            verbose_errors,
            dependency_timeout: Duration::from_millis(timeout_ms),
            aws_region: src.required("AWS_REGION")?,
            aws_endpoint_url,
            aws_service_endpoints,
            rate_limits,
            smtp,
            cookie_secure,
            notices_queue_url: src.optional("NOTICES_QUEUE_URL"),
            stripe,
        })
    }
}

impl Config {
    /// Whether a browser `Origin` header names a page allowed to send credentials here: an
    /// allowed origin or the API's own.
    pub fn accepts_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
            || self.api_origin.as_deref() == Some(origin)
    }
}

/// `scheme://host[:port]` of an absolute URL that `check_url` accepted.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{}", authority.to_ascii_lowercase())
}

fn parse_bool(name: &'static str, raw: Option<String>) -> Result<bool, ConfigError> {
    match raw.as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, got {other:?}"),
        }),
    }
}

/// URLs must be absolute http(s); outside local development only https is accepted.
fn check_url(name: &'static str, url: &str, stage: Stage) -> Result<(), ConfigError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !stage.is_local() {
            return Err(ConfigError::Refused {
                name,
                stage: stage.as_str(),
                reason: format!("{url} is not https"),
            });
        }
        rest
    } else {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("{url:?} is not an http(s) URL"),
        });
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("{url:?} has no host"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BTreeMap<String, String> {
        [
            ("APP_STAGE", "prod"),
            ("AWS_REGION", "af-south-1"),
            ("TABLE_NAME", "drive-alive"),
            ("KMS_KEY_ID", "alias/drive-alive"),
            ("JWT_SECRET_ID", "drive-alive/jwt"),
            ("CURSOR_SECRET_ID", "drive-alive/cursor"),
            ("PUBLIC_URL", "https://app.drivealive.co.za/"),
            (
                "ALLOWED_ORIGINS",
                "https://app.drivealive.co.za, https://admin.drivealive.co.za",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn with(changes: &[(&str, Option<&str>)]) -> Result<Config, ConfigError> {
        let mut vars = base();
        for (k, v) in changes {
            match v {
                Some(v) => vars.insert((*k).to_owned(), (*v).to_owned()),
                None => vars.remove(*k),
            };
        }
        Config::from_map(&vars)
    }

    #[test]
    fn production_settings_parse() {
        let config = with(&[]).expect("valid configuration");
        assert_eq!(config.stage, Stage::Prod);
        assert_eq!(config.public_url, "https://app.drivealive.co.za");
        assert_eq!(config.allowed_origins.len(), 2);
        assert_eq!(config.dependency_timeout, Duration::from_millis(3000));
        assert!(!config.verbose_errors);
    }

    #[test]
    fn each_missing_variable_is_named() {
        for name in [
            "APP_STAGE",
            "TABLE_NAME",
            "KMS_KEY_ID",
            "JWT_SECRET_ID",
            "CURSOR_SECRET_ID",
            "PUBLIC_URL",
            "AWS_REGION",
        ] {
            let err = with(&[(name, None)]).expect_err(name);
            assert_eq!(err, ConfigError::Missing(name), "{name}");
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn production_refuses_what_only_a_laptop_may_use() {
        let cases: &[(&str, &str, &str)] = &[
            ("VERBOSE_ERRORS", "true", "verbose errors"),
            (
                "PUBLIC_URL",
                "http://app.drivealive.co.za",
                "plain-http public URL",
            ),
            (
                "ALLOWED_ORIGINS",
                "http://localhost:5173",
                "plain-http origin",
            ),
            (
                "AWS_ENDPOINT_URL",
                "http://127.0.0.1:5000",
                "an emulator endpoint",
            ),
            (
                "AWS_ENDPOINT_URL_DYNAMODB",
                "https://127.0.0.1:5001",
                "one service's emulator endpoint",
            ),
        ];
        for (name, value, why) in cases {
            let err = with(&[(name, Some(value))]).expect_err(why);
            assert!(matches!(err, ConfigError::Refused { .. }), "{why}: {err}");
        }
    }

    #[test]
    fn local_stage_allows_http_and_verbose_errors() {
        let config = with(&[
            ("APP_STAGE", Some("local")),
            ("PUBLIC_URL", Some("http://127.0.0.1:3000")),
            ("ALLOWED_ORIGINS", Some("http://localhost:5173")),
            ("VERBOSE_ERRORS", Some("true")),
        ])
        .expect("local configuration");
        assert!(config.verbose_errors);
    }

    #[test]
    fn the_api_public_url_adds_its_origin_to_the_accepted_ones() {
        let config = with(&[(
            "API_PUBLIC_URL",
            Some("https://API.drivealive.co.za/api/v1/docs"),
        )])
        .expect("valid configuration");
        assert_eq!(
            config.api_origin.as_deref(),
            Some("https://api.drivealive.co.za")
        );
        assert!(config.accepts_origin("https://api.drivealive.co.za"));
        assert!(config.accepts_origin("https://admin.drivealive.co.za"));
        assert!(!config.accepts_origin("https://evil.example"));
        let without = with(&[]).expect("valid configuration");
        assert!(!without.accepts_origin("https://api.drivealive.co.za"));
        let err = with(&[("API_PUBLIC_URL", Some("http://api.drivealive.co.za"))])
            .expect_err("plain http in production");
        assert!(matches!(err, ConfigError::Refused { .. }), "{err}");
    }

    #[test]
    fn stripe_is_configured_by_its_secrets_and_reached_over_https() {
        assert_eq!(with(&[]).expect("valid").stripe, None);
        let key = (
            "STRIPE_SECRET_KEY_ID",
            Some("drive-alive/stripe-secret-key"),
        );
        let hook = (
            "STRIPE_WEBHOOK_SECRET_ID",
            Some("drive-alive/stripe-webhook-secret"),
        );
        let stripe = with(&[key, hook]).expect("valid").stripe.expect("stripe");
        assert_eq!(stripe.api_base, "https://api.stripe.com");
        assert_eq!(
            with(&[key]).expect_err("no webhook secret"),
            ConfigError::Missing("STRIPE_WEBHOOK_SECRET_ID")
        );
        let local = ("STRIPE_API_BASE", Some("http://127.0.0.1:8420"));
        let err = with(&[key, hook, local]).expect_err("plain http in production");
        assert!(matches!(err, ConfigError::Refused { .. }), "{err}");
    }

    #[test]
    fn malformed_values_are_rejected_with_their_name() {
        let cases: &[(&str, &str)] = &[
            ("APP_STAGE", "staging"),
            ("ALLOWED_ORIGINS", "*"),
            ("PUBLIC_URL", "app.drivealive.co.za"),
            ("LOG_FORMAT", "xml"),
            ("VERBOSE_ERRORS", "yes"),
            ("DEPENDENCY_TIMEOUT_MS", "0"),
            ("DEPENDENCY_TIMEOUT_MS", "soon"),
        ];
        for (name, value) in cases {
            let err = with(&[(name, Some(value))]).expect_err(value);
            assert!(err.to_string().contains(name), "{name}={value}: {err}");
        }
    }
}
