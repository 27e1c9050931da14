//! The sample API Gateway events in `events/` and their manifest (function, expected status and
//! any response headers the answer must carry).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct EventCase {
    pub file: String,
    pub function: String,
    pub status: u16,
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

pub fn manifest() -> Vec<EventCase> {
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
