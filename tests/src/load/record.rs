//! Status counts and latencies of each step of the journey, and the problems seen.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Register,
    Mail,
    Verify,
    Login,
    Search,
    Book,
    Cancel,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Mail => "read_mail",
            Self::Verify => "verify",
            Self::Login => "login",
            Self::Search => "search",
            Self::Book => "book",
            Self::Cancel => "cancel",
        }
    }

    /// What a correct server may answer (429 is always allowed).
    fn expected(self) -> &'static [u16] {
        match self {
            Self::Register => &[201],
            Self::Mail => &[200],
            Self::Verify | Self::Login | Self::Search | Self::Cancel => &[200],
            Self::Book => &[201, 409],
        }
    }
}

/// Status counts and latencies of each step, and the problems seen.
#[derive(Default)]
pub struct Record {
    pub statuses: BTreeMap<Step, BTreeMap<u16, u64>>,
    pub latencies: BTreeMap<Step, Vec<Duration>>,
    pub failures: Vec<String>,
}

pub type Shared = Arc<Mutex<Record>>;

pub fn note(record: &Shared, step: Step, status: u16, took: Duration) {
    let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
    *record
        .statuses
        .entry(step)
        .or_default()
        .entry(status)
        .or_default() += 1;
    record.latencies.entry(step).or_default().push(took);
    if status != 429 && !step.expected().contains(&status) {
        record
            .failures
            .push(format!("{}: unexpected status {status}", step.name()));
    }
}

pub fn fail(record: &Shared, message: String) {
    record
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .failures
        .push(message);
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    let at = sorted[rank.min(sorted.len() - 1)];
    (at.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// One entry per step, in the order of the journey.
pub fn step_summary(record: &Record) -> Value {
    let mut steps = Vec::new();
    for (step, statuses) in &record.statuses {
        let mut latencies = record.latencies.get(step).cloned().unwrap_or_default();
        latencies.sort();
        let statuses: serde_json::Map<String, Value> = statuses
            .iter()
            .map(|(status, n)| (status.to_string(), json!(n)))
            .collect();
        steps.push(json!({
            "step": step.name(),
            "statuses": statuses,
            "p50_ms": percentile(&latencies, 50.0),
            "p90_ms": percentile(&latencies, 90.0),
            "p99_ms": percentile(&latencies, 99.0),
            "max_ms": percentile(&latencies, 100.0),
        }));
    }
    Value::Array(steps)
}

pub fn status_count(record: &Record, step: Step, status: u16) -> u64 {
    record
        .statuses
        .get(&step)
        .and_then(|s| s.get(&status))
        .copied()
        .unwrap_or_default()
}

pub fn requests(record: &Record, step: Step) -> u64 {
    record
        .statuses
        .get(&step)
        .map(|s| s.values().sum())
        .unwrap_or_default()
}
