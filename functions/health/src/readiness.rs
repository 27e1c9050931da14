//! One cheap read-only call per dependency, run concurrently, each bounded by the dependency
//! timeout so the route never hangs past it.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use shared::{ApiError, AppState};

/// One dependency's probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
    latency_ms: f64,
    /// Why it is unavailable (never internal details).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    dynamodb: Check,
    kms: Check,
    secretsmanager: Check,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ok")]
    status: &'static str,
    checks: Checks,
}

async fn probe<T, E, F>(name: &str, timeout: Duration, call: F) -> Check
where
    F: Future<Output = Result<T, E>>,
    E: std::error::Error,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, call).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let error = match outcome {
        Ok(Ok(_)) => None,
        Ok(Err(err)) => {
            tracing::warn!(dependency = name, error = %shared::error::chain(&err), "readiness probe failed");
            Some("the call failed".to_owned())
        }
        Err(_) => Some(format!("no answer within {} ms", timeout.as_millis())),
    };
    Check {
        status: if error.is_none() { "ok" } else { "unavailable" },
        latency_ms,
        error,
    }
}

pub async fn check_all(state: &AppState) -> Result<Readiness, ApiError> {
    let config = &state.config;
    let timeout = config.dependency_timeout;
    let (dynamodb, kms, secretsmanager) = tokio::join!(
        probe(
            "dynamodb",
            timeout,
            state
                .aws
                .dynamodb
                .describe_table()
                .table_name(&config.table_name)
                .send()
        ),
        probe(
            "kms",
            timeout,
            state
                .aws
                .kms
                .describe_key()
                .key_id(&config.kms_key_id)
                .send()
        ),
        probe(
            "secretsmanager",
            timeout,
            state
                .aws
                .secrets
                .describe_secret()
                .secret_id(&config.jwt_secret_id)
                .send()
        ),
    );
    let checks = Checks {
        dynamodb,
        kms,
        secretsmanager,
    };
    let failed: Vec<&str> = [
        ("dynamodb", &checks.dynamodb),
        ("kms", &checks.kms),
        ("secretsmanager", &checks.secretsmanager),
    ]
    .into_iter()
    .filter(|(_, check)| check.error.is_some())
    .map(|(name, _)| name)
    .collect();
    if failed.is_empty() {
        return Ok(Readiness {
            status: "ok",
            checks,
        });
    }
    let mut extra = serde_json::Map::new();
    extra.insert(
        "checks".into(),
        serde_json::to_value(&checks).unwrap_or(Value::Null),
    );
    Err(ApiError::Unavailable {
        detail: format!("Not ready: {} unavailable.", failed.join(", ")),
        extra: Some(extra),
    })
}
