//! What a function with payments builds once per cold start.

use std::sync::Arc;

use crate::config::Config;
use crate::payments::stripe::StripeClient;
use crate::secrets::CachedKeyRing;

pub struct Payments {
    pub stripe: StripeClient,
    /// The webhook signing secret: its current and previous version both verify, so rotating
    /// it (Stripe's "roll secret", then a new secret version) drops no delivery.
    pub webhook_secrets: CachedKeyRing,
}

impl Payments {
    /// `None` when the function has no Stripe settings (or, logged, when the TLS client cannot
    /// be built); its payment routes then answer 503.
    pub fn build(config: &Config, secrets: &aws_sdk_secretsmanager::Client) -> Option<Self> {
        let settings = config.stripe.as_ref()?;
        let api_key = Arc::new(CachedKeyRing::new(
            secrets.clone(),
            settings.secret_key_id.clone(),
            config.stage,
        ));
        let stripe = match StripeClient::new(&settings.api_base, config.dependency_timeout, api_key)
        {
            Ok(stripe) => stripe,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "the Stripe client could not be built");
                return None;
            }
        };
        Some(Self {
            stripe,
            webhook_secrets: CachedKeyRing::new(
                secrets.clone(),
                settings.webhook_secret_id.clone(),
                config.stage,
            ),
        })
    }
}

/// What refunding a cancelled booking needs of a function's state (`AppState::payments_context`).
pub struct PaymentsContext<'a> {
    pub payments: Option<&'a Payments>,
    pub dynamodb: &'a aws_sdk_dynamodb::Client,
    pub table: &'a str,
    pub now: crate::clock::Now,
}

impl PaymentsContext<'_> {
    /// The payments, or the 503 a function without them answers.
    pub fn payments(&self) -> crate::ApiResult<&Payments> {
        self.payments.ok_or_else(not_configured)
    }
}

/// The 503 of a function without Stripe settings.
pub fn not_configured() -> crate::ApiError {
    crate::ApiError::unavailable("Payments are not configured here.")
}
