//! CloudWatch embedded-metric-format lines: printed as plain JSON on stdout, which Lambda ships
//! to CloudWatch Logs, where they become metrics without an API call.

use std::time::{SystemTime, UNIX_EPOCH};

pub const NAMESPACE: &str = "DriveAlive";

/// The EMF document for one count of `metric`.
pub fn emf_line(metric: &str, function: &str, timestamp_ms: u128) -> String {
    emf_count_line(metric, function, timestamp_ms, 1)
}

/// The EMF document for `value` counts of `metric` (a job's count per run, zero included, so
/// the metric has a data point every run).
pub fn emf_count_line(metric: &str, function: &str, timestamp_ms: u128, value: u64) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": [{ "Name": metric, "Unit": "Count" }],
            }],
        },
        "Function": function,
        metric: value,
    })
    .to_string()
}

/// Records one occurrence of `metric` (LoginsFailed, RequestsLimited, BookingsCreated, ...).
pub fn count(metric: &str) {
    record(metric, 1);
}

/// Records `value` occurrences of `metric` at once.
pub fn record(metric: &str, value: u64) {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    println!("{}", emf_count_line(metric, &function, now, value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_line_declares_the_metric_and_carries_its_value() {
        let line: serde_json::Value =
            serde_json::from_str(&emf_line("LoginsFailed", "auth", 1_700_000_000_000))
                .expect("valid JSON");
        assert_eq!(line["LoginsFailed"], 1);
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            "LoginsFailed"
        );
    }
}
