//! AWS SDK clients, built once per cold start with timeouts and a retry policy that together stay
//! well below the Lambda timeout.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

use crate::config::Config;
use crate::request_units::{estimate, ItemMemory, Units};

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
///
/// With [`CallCounter::record_units`] on (tests and the cost bench only), it also keeps a ledger:
/// per operation its name and its request units estimated from the request and response JSON
/// ([`crate::request_units`]). That parses both bodies and copies the request, so production
/// leaves it off and pays one atomic increment per operation, as before.
#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<Ledger>);

#[derive(Debug, Default)]
struct Ledger {
    count: AtomicU64,
    recording: AtomicBool,
    calls: Mutex<Vec<Call>>,
}

/// What the recording ledgers of this process have seen of each item (keyed by table), shared
/// so a function's update or delete is sized by an item another client wrote (in tests the
/// notifier deletes the outbox items the app's routes wrote).
static ITEMS_SEEN: std::sync::LazyLock<Mutex<ItemMemory>> =
    std::sync::LazyLock::new(Mutex::default);

/// One DynamoDB operation in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `GetItem`, `Query`, `TransactWriteItems`, …
    pub operation: String,
    pub units: Units,
}

/// The request of the operation in flight (its last attempt), until its response is read.
#[derive(Debug, Clone)]
struct SentRequest {
    operation: String,
    body: Vec<u8>,
}

impl aws_smithy_types::config_bag::Storable for SentRequest {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl CallCounter {
    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    /// Starts (or stops) keeping the ledger of operations and their estimated units.
    pub fn record_units(&self, on: bool) {
        self.0.recording.store(on, Ordering::Relaxed);
    }

    /// The operations recorded since recording started, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.recorded().clone()
    }

    fn recorded(&self) -> std::sync::MutexGuard<'_, Vec<Call>> {
        // A panic while holding the lock leaves a ledger that is still whole: keep using it.
        self.0
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn recording(&self) -> bool {
        self.0.recording.load(Ordering::Relaxed)
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
        self.0.count.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if self.recording() {
            let request = context.request();
            // `X-Amz-Target: DynamoDB_20120810.GetItem`
            let target = request.headers().get("x-amz-target").unwrap_or_default();
            let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
            let body = request.body().bytes().unwrap_or_default().to_vec();
            cfg.interceptor_state()
                .store_put(SentRequest { operation, body });
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if !self.recording() {
            return Ok(());
        }
        let Some(sent) = cfg.load::<SentRequest>() else {
            return Ok(());
        };
        let parse = |bytes: Option<&[u8]>| -> serde_json::Value {
            bytes
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default()
        };
        let request = parse(Some(&sent.body));
        let response = parse(context.response().and_then(|r| r.body().bytes()));
        let units = {
            let mut memory = ITEMS_SEEN
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            estimate(&sent.operation, &request, &response, &mut memory)
        };
        self.recorded().push(Call {
            operation: sent.operation.clone(),
            units,
        });
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
