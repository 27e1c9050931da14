//! One cheap read-only call per dependency, run concurrently, each bounded by the dependency
//! timeout so the route never hangs past it.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use shared::{ApiError, AppState};

#[derive(Debug, Serialize)]
struct Check {
    status: &'static str,
    latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
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

pub async fn check_all(state: &AppState) -> Result<Value, ApiError> {
    let config = &state.config;
    let timeout = config.dependency_timeout;
    let (dynamodb, kms, secrets) = tokio::join!(
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
    let checks = [
        ("dynamodb", dynamodb),
        ("kms", kms),
        ("secretsmanager", secrets),
    ];
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, check)| check.error.is_some())
        .map(|(name, _)| *name)
        .collect();
    let checks_json: serde_json::Map<String, Value> = checks
        .into_iter()
        .map(|(name, check)| {
            (
                name.to_owned(),
                serde_json::to_value(check).unwrap_or(Value::Null),
            )
        })
        .collect();
    if failed.is_empty() {
        return Ok(serde_json::json!({ "status": "ok", "checks": checks_json }));
    }
    let mut extra = serde_json::Map::new();
    extra.insert("checks".into(), Value::Object(checks_json));
    Err(ApiError::Unavailable {
        detail: format!("Not ready: {} unavailable.", failed.join(", ")),
        extra: Some(extra),
    })
}
