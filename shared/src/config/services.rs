//! The settings of the services a function talks to, parsed from the environment for
//! [`super::Config`]: the local emulator's per-service endpoints, the deployment's SMTP server
//! and Stripe.

use super::{check_url, ConfigError, Source, Stage};
use crate::domain::{SmtpSettings, TlsMode};

/// One endpoint per AWS service the functions call (`None`: `aws_endpoint_url`, or the region's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceEndpoints {
    pub dynamodb: Option<String>,
    pub kms: Option<String>,
    pub secrets_manager: Option<String>,
    pub sqs: Option<String>,
    pub sns: Option<String>,
}

impl ServiceEndpoints {
    const VARIABLES: [&'static str; 5] = [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_KMS",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_SNS",
    ];

    pub(super) fn from_source(src: &Source<'_>, stage: Stage) -> Result<Self, ConfigError> {
        let [dynamodb, kms, secrets_manager, sqs, sns] = Self::VARIABLES.map(|name| {
            let value = src.optional(name);
            match value {
                Some(_) if !stage.is_local() => Err(ConfigError::Refused {
                    name,
                    stage: stage.as_str(),
                    reason: "AWS endpoints come from the region outside local development".into(),
                }),
                _ => Ok(value),
            }
        });
        Ok(Self {
            dynamodb: dynamodb?,
            kms: kms?,
            secrets_manager: secrets_manager?,
            sqs: sqs?,
            sns: sns?,
        })
    }
}

/// Where Stripe is and which secrets hold its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSettings {
    /// `STRIPE_API_BASE`: `https://api.stripe.com` unless pointed at localstripe (local only).
    pub api_base: String,
    /// `STRIPE_SECRET_KEY_ID`: the Secrets Manager id of the API secret key.
    pub secret_key_id: String,
    /// `STRIPE_WEBHOOK_SECRET_ID`: the Secrets Manager id of the webhook signing secret.
    pub webhook_secret_id: String,
}

pub(super) fn smtp_settings(
    src: &Source<'_>,
    stage: Stage,
) -> Result<Option<SmtpSettings>, ConfigError> {
    let Some(host) = src.optional("SMTP_HOST") else {
        return Ok(None);
    };
    let port = match src.optional("SMTP_PORT") {
        None => 587,
        Some(raw) => raw
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(ConfigError::Invalid {
                name: "SMTP_PORT",
                reason: "expected a port number".into(),
            })?,
    };
    let tls_raw = src
        .optional("SMTP_TLS_MODE")
        .unwrap_or_else(|| "starttls".into());
    let tls_mode = TlsMode::parse(&tls_raw).ok_or_else(|| ConfigError::Invalid {
        name: "SMTP_TLS_MODE",
        reason: format!("expected starttls, tls or none, got {tls_raw:?}"),
    })?;
    if tls_mode == TlsMode::None && stage == Stage::Prod {
        return Err(ConfigError::Refused {
            name: "SMTP_TLS_MODE",
            stage: stage.as_str(),
            reason: "mail must be encrypted in transit".into(),
        });
    }
    Ok(Some(SmtpSettings {
        host,
        port,
        tls_mode,
        username: src.optional("SMTP_USERNAME"),
        password: None,
        from_address: src
            .optional("SMTP_FROM")
            .unwrap_or_else(|| "Drive Alive <no-reply@drivealive.co.za>".into()),
    }))
}

/// Stripe is configured by naming its secret key's secret; the webhook secret comes with it.
pub(super) fn stripe_settings(
    src: &Source<'_>,
    stage: Stage,
) -> Result<Option<StripeSettings>, ConfigError> {
    let Some(secret_key_id) = src.optional("STRIPE_SECRET_KEY_ID") else {
        return Ok(None);
    };
    let webhook_secret_id = src.required("STRIPE_WEBHOOK_SECRET_ID")?;
    let api_base = src
        .optional("STRIPE_API_BASE")
        .unwrap_or_else(|| "https://api.stripe.com".into())
        .trim_end_matches('/')
        .to_owned();
    check_url("STRIPE_API_BASE", &api_base, stage)?;
    Ok(Some(StripeSettings {
        api_base,
        secret_key_id,
        webhook_secret_id,
    }))
}
