//! AWS SDK clients, built once per cold start with timeouts and a retry policy that together stay
//! well below the Lambda timeout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

use crate::config::Config;

#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub kms: aws_sdk_kms::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// The notices queue (`crate::notices::queue`).
    pub sqs: aws_sdk_sqs::Client,
    /// DynamoDB operations started by this instance (round trips, retries not counted).
    pub dynamodb_calls: CallCounter,
}

impl AwsClients {
    pub async fn connect(config: &Config) -> Self {
        let sdk = sdk_config(config).await;
        let dynamodb_calls = CallCounter::default();
        let endpoints = &config.aws_service_endpoints;
        let mut dynamodb_config =
            aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(dynamodb_calls.clone());
        dynamodb_config.set_endpoint_url(service_endpoint(&sdk, &endpoints.dynamodb));
        let mut kms_config = aws_sdk_kms::config::Builder::from(&sdk);
        kms_config.set_endpoint_url(service_endpoint(&sdk, &endpoints.kms));
        let mut secrets_config = aws_sdk_secretsmanager::config::Builder::from(&sdk);
        secrets_config.set_endpoint_url(service_endpoint(&sdk, &endpoints.secrets_manager));
        let mut sqs_config = aws_sdk_sqs::config::Builder::from(&sdk);
        sqs_config.set_endpoint_url(service_endpoint(&sdk, &endpoints.sqs));
        Self {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb_config.build()),
            kms: aws_sdk_kms::Client::from_conf(kms_config.build()),
            secrets: aws_sdk_secretsmanager::Client::from_conf(secrets_config.build()),
            sqs: aws_sdk_sqs::Client::from_conf(sqs_config.build()),
            dynamodb_calls,
        }
    }
}

/// Counts operations (one per `send()`), so tests and benchmarks can check that a route's
/// round trips do not grow with the data.
#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl aws_sdk_dynamodb::config::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// A service's endpoint: its own from `Config::aws_service_endpoints` when set, else the one
/// every service shares (the local emulator's, or none: the region's).
pub fn service_endpoint(sdk: &aws_config::SdkConfig, own: &Option<String>) -> Option<String> {
    own.clone()
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// Three attempts, each bounded, the whole operation bounded by the dependency timeout.
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    let total = config.dependency_timeout;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(total.min(Duration::from_millis(1000)))
        .operation_attempt_timeout(total.mul_f32(0.6))
        .operation_timeout(total)
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(25))
        .with_max_backoff(Duration::from_millis(250));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(config.aws_region.clone()))
        .timeout_config(timeouts)
        .retry_config(retries);
    if let Some(endpoint) = &config.aws_endpoint_url {
        // The local emulator accepts any credentials; fixed ones keep developers' real AWS
        // credentials out of local runs.
        loader = loader.endpoint_url(endpoint).credentials_provider(
            aws_sdk_dynamodb::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "local-emulator",
            ),
        );
    }
    loader.load().await
}
