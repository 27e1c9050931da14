//! What a function builds once per cold start and lends to every request.

use std::sync::Arc;

use crate::aws::AwsClients;
use crate::clock::Clock;
use crate::config::Config;
use crate::envelope::Envelope;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;
use crate::secrets::CachedKeyRing;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub aws: AwsClients,
    /// JWT and CSRF signing keys (current and previous version).
    pub signing_keys: Arc<CachedKeyRing>,
    /// Cursor-signing keys for pagination.
    pub cursor_keys: Arc<CachedKeyRing>,
    pub limiter: RateLimiter,
    pub mailer: Arc<Mailer>,
    /// "Now" for every request (tests set a fixed one).
    pub clock: Clock,
    /// Stripe, when the function takes or refunds payments (`STRIPE_*`).
    pub payments: Option<Arc<crate::payments::Payments>>,
}

impl AppState {
    /// Clients and caches only: no network call, so a function's init stays short.
    pub async fn build(config: Config) -> Self {
        let aws = AwsClients::connect(&config).await;
        let signing_keys = Arc::new(CachedKeyRing::new(
            aws.secrets.clone(),
            config.jwt_secret_id.clone(),
            config.stage,
        ));
        let cursor_keys = Arc::new(CachedKeyRing::new(
            aws.secrets.clone(),
            config.cursor_secret_id.clone(),
            config.stage,
        ));
        let limiter = RateLimiter::new(
            aws.dynamodb.clone(),
            config.table_name.clone(),
            config.rate_limits.clone(),
        );
        let mailer = Arc::new(
            Mailer::new(config.smtp.clone(), config.dependency_timeout).with_admin_settings(
                aws.dynamodb.clone(),
                config.table_name.clone(),
                Envelope::new(aws.kms.clone(), config.kms_key_id.clone()),
            ),
        );
        let payments = crate::payments::Payments::build(&config, &aws.secrets).map(Arc::new);
        Self {
            config: Arc::new(config),
            aws,
            signing_keys,
            cursor_keys,
            limiter,
            mailer,
            clock: Clock::system(),
            payments,
        }
    }

    /// Loads the signing keys now: functions that authenticate call this during init so a
    /// missing or weak secret stops the cold start with a clear error instead of failing
    /// requests later.
    pub async fn preload_signing_keys(&self) -> anyhow::Result<()> {
        self.signing_keys.get().await.map(|_| ())
    }

    /// The function's payments, or the 503 a function without them answers.
    pub fn payments(&self) -> crate::ApiResult<&crate::payments::Payments> {
        self.payments
            .as_deref()
            .ok_or_else(crate::payments::not_configured)
    }

    /// What `crate::payments::refunds` needs, now.
    pub fn payments_context(&self) -> crate::payments::PaymentsContext<'_> {
        crate::payments::PaymentsContext {
            payments: self.payments.as_deref(),
            dynamodb: &self.aws.dynamodb,
            table: &self.config.table_name,
            now: self.clock.now(),
        }
    }
}
