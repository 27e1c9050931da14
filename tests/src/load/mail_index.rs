//! The verification token of every mailbox, read by one poller.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mail::{decode_quoted_printable, token_after};

use super::journey::MAIL_TIMEOUT;

/// The verification token of every mailbox, from the SMTP server's files, read once each by
/// one poller (a scan per waiting user would cost the square of the users).
#[derive(Clone)]
pub struct MailIndex {
    pub tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl MailIndex {
    pub fn start(dir: PathBuf) -> Self {
        let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let index = tokens.clone();
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            loop {
                let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map(|entries| entries.flatten().map(|e| e.path()).collect())
                    .unwrap_or_default();
                for path in entries {
                    if path.extension().is_none_or(|e| e != "eml") || !seen.insert(path.clone()) {
                        continue;
                    }
                    let Ok(message) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    let to = message
                        .lines()
                        .find_map(|l| l.strip_prefix("X-Envelope-To: "))
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if decode_quoted_printable(&message).contains("/verify?token=") {
                        let token = token_after(&message, "/verify?token=");
                        index
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(to, token);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Self { tokens }
    }

    pub async fn token_for(&self, email: &str) -> Option<String> {
        let deadline = Instant::now() + MAIL_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(token) = self
                .tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(email)
            {
                return Some(token.clone());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}
