//! The sample events in `events/` and their manifest: API Gateway events (function, expected
//! status and any response headers the answer must carry), SQS batches and scheduled events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// What kind of event a sample is: API Gateway (the default), or what the event-driven
/// functions take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    #[default]
    Http,
    /// An SQS batch (the notifications function): `failed_message_ids` must come back as
    /// `batchItemFailures`.
    Sqs,
    /// An EventBridge scheduled event (the jobs function).
    Schedule,
}

#[derive(Debug, Deserialize)]
pub struct EventCase {
    pub file: String,
    pub function: String,
    #[serde(default)]
    pub kind: EventKind,
    /// The expected HTTP status (HTTP events).
    #[serde(default)]
    pub status: u16,
    /// The messages the function must report failed (SQS events).
    #[serde(default)]
    pub failed_message_ids: Vec<String>,
    /// Response headers (lowercase names) and the values they must have.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    events: Vec<EventCase>,
}

pub fn events_dir() -> PathBuf {
    local::stack::workspace_root().join("events")
}

/// The API Gateway events of the manifest.
pub fn manifest() -> Vec<EventCase> {
    of_kind(EventKind::Http)
}

/// The manifest's events of one kind.
pub fn of_kind(kind: EventKind) -> Vec<EventCase> {
    all_cases().into_iter().filter(|c| c.kind == kind).collect()
}

/// Every event of the manifest, whatever its kind.
pub fn all_cases() -> Vec<EventCase> {
    let path = events_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path).expect("read events/manifest.json");
    serde_json::from_str::<Manifest>(&text)
        .expect("parse events/manifest.json")
        .events
}

pub fn read_event(file: &str) -> String {
    std::fs::read_to_string(events_dir().join(file)).expect("read an event file")
}

/// Every `.json` file under `events/` except the manifest, so none can be left out of it.
pub fn all_event_files() -> Vec<String> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("list events/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(base).expect("relative path");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let base = events_dir();
    let mut files = Vec::new();
    walk(&base, &base, &mut files);
    files.retain(|f| f != "manifest.json");
    files.sort();
    files
}
