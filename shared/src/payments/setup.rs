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

/// The function's payments, or the 503 a route without them answers.
pub fn of(state: &crate::AppState) -> crate::ApiResult<&Payments> {
    state
        .payments
        .as_deref()
        .ok_or_else(|| crate::ApiError::unavailable("Payments are not configured here."))
}
