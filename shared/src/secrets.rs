//! Signing keys from Secrets Manager: the current version signs, the current and the previous
//! version verify, so rotating a secret needs no redeploy. Cached with an expiry; a token
//! naming an unknown version triggers one early reload.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use base64::Engine;
use tokio::sync::RwLock;

use crate::config::Stage;

/// How long a loaded key ring is trusted before Secrets Manager is asked again.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// The soonest an unknown `kid` may force a reload after the previous load.
const MIN_RELOAD_INTERVAL: Duration = Duration::from_secs(10);
const MIN_KEY_BYTES: usize = 32;
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "secret",
    "placeholder",
    "development",
    "dev-secret",
    "test",
    "password",
    "replace-me",
];

#[derive(Clone)]
pub struct SigningKey {
    /// The secret's VersionId; access tokens carry it as `kid`.
    pub version: String,
    pub bytes: Vec<u8>,
    /// When this version was created (epoch seconds, Secrets Manager's `CreatedDate`).
    pub created_at: Option<i64>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("version", &self.version)
            .field("bytes", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct KeyRing {
    pub current: SigningKey,
    pub previous: Option<SigningKey>,
}

impl KeyRing {
    pub fn find(&self, version: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.version == version)
    }

    pub fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }

    /// Whether a token signed with the previous version, valid for at most `lifetime_secs`,
    /// may still be in use at `now`: only until that long (plus clock skew) after the current
    /// version was created. A current version of unknown age leaves the previous one out.
    pub fn previous_still_signs(&self, now: i64, lifetime_secs: i64) -> bool {
        self.current
            .created_at
            .is_some_and(|created| now <= created + lifetime_secs + CLOCK_SKEW_SECS)
    }
}

/// How far apart the clocks of Secrets Manager and a function may be.
pub const CLOCK_SKEW_SECS: i64 = 60;

/// Key material from a secret string: base64 that decodes to enough bytes, else the raw bytes.
/// Weak material (short, or a known placeholder) is refused outside local development.
pub fn key_material(secret: &str, stage: Stage) -> anyhow::Result<Vec<u8>> {
    let trimmed = secret.trim();
    let lowered = trimmed.to_ascii_lowercase();
    let bytes = match base64::engine::general_purpose::STANDARD.decode(trimmed) {
        Ok(decoded) if decoded.len() >= MIN_KEY_BYTES => decoded,
        _ => trimmed.as_bytes().to_vec(),
    };
    let weak = if bytes.len() < MIN_KEY_BYTES {
        Some(format!(
            "it is {} bytes; at least {MIN_KEY_BYTES} are needed",
            bytes.len()
        ))
    } else if is_placeholder(&lowered) {
        Some("it looks like a placeholder".to_owned())
    } else {
        None
    };
    match weak {
        Some(reason) if !stage.is_local() => Err(anyhow!("the signing key is too weak: {reason}")),
        Some(reason) => {
            tracing::warn!(%reason, "weak signing key accepted in local development");
            Ok(bytes)
        }
        None => Ok(bytes),
    }
}

/// A placeholder, possibly repeated to pass a length check ("changeme-changeme-...").
fn is_placeholder(lowered: &str) -> bool {
    let compact: String = lowered
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    PLACEHOLDERS.iter().any(|p| {
        let p: String = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        !compact.is_empty()
            && compact.len() % p.len() == 0
            && compact == p.repeat(compact.len() / p.len())
    })
}

#[derive(Debug)]
struct Cached {
    ring: Arc<KeyRing>,
    loaded_at: Instant,
}

/// A key ring per secret, shared by all requests of a function instance.
#[derive(Debug)]
pub struct CachedKeyRing {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    stage: Stage,
    cached: RwLock<Option<Cached>>,
}

impl CachedKeyRing {
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: String, stage: Stage) -> Self {
        Self {
            client,
            secret_id,
            stage,
            cached: RwLock::new(None),
        }
    }

    /// The key ring, from cache while it is fresh.
    pub async fn get(&self) -> anyhow::Result<Arc<KeyRing>> {
        if let Some(cached) = self.cached.read().await.as_ref() {
            if cached.loaded_at.elapsed() < CACHE_TTL {
                return Ok(cached.ring.clone());
            }
        }
        self.reload(Duration::ZERO).await
    }

    /// Reloads unless the cache is younger than `min_age` (so a burst of tokens with an
    /// unknown `kid` costs one call, not one each).
    pub async fn reload(&self, min_age: Duration) -> anyhow::Result<Arc<KeyRing>> {
        let mut slot = self.cached.write().await;
        if let Some(cached) = slot.as_ref() {
            if min_age > Duration::ZERO && cached.loaded_at.elapsed() < min_age {
                return Ok(cached.ring.clone());
            }
        }
        let ring = Arc::new(self.load().await?);
        *slot = Some(Cached {
            ring: ring.clone(),
            loaded_at: Instant::now(),
        });
        Ok(ring)
    }

    /// Reload for an unknown key version, rate-limited.
    pub async fn reload_for_unknown_version(&self) -> anyhow::Result<Arc<KeyRing>> {
        self.reload(MIN_RELOAD_INTERVAL).await
    }

    async fn load(&self) -> anyhow::Result<KeyRing> {
        let (current, previous) =
            tokio::join!(self.version("AWSCURRENT"), self.version("AWSPREVIOUS"));
        let current = current?
            .with_context(|| format!("the secret {} has no current version", self.secret_id))?;
        // A secret that was never rotated has no previous version; any other failure matters.
        let previous = previous.unwrap_or_else(|err| {
            tracing::warn!(secret = %self.secret_id, error = %format!("{err:#}"), "previous key version unavailable");
            None
        });
        Ok(KeyRing { current, previous })
    }

    async fn version(&self, stage_label: &str) -> anyhow::Result<Option<SigningKey>> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(stage_label)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(err)
                if stage_label != "AWSCURRENT"
                    && err
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None)
            }
            Err(err) => {
                return Err(anyhow!(crate::error::chain(&err)))
                    .with_context(|| format!("Failed to read the secret {}", self.secret_id))
            }
        };
        let (Some(version), Some(value)) = (output.version_id(), output.secret_string()) else {
            return Ok(None);
        };
        let bytes = key_material(value, self.stage)
            .with_context(|| format!("the secret {} is unusable", self.secret_id))?;
        Ok(Some(SigningKey {
            version: version.to_owned(),
            bytes,
            created_at: output.created_date().map(|d| d.secs()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_keys_are_refused_outside_local_development() {
        let cases = [
            ("short", "too short"),
            (
                "changeme-changeme-changeme-changeme-changeme",
                "placeholder",
            ),
        ];
        for (secret, why) in cases {
            assert!(key_material(secret, Stage::Prod).is_err(), "{why}");
            assert!(key_material(secret, Stage::Local).is_ok(), "{why} locally");
        }
    }

    #[test]
    fn base64_secrets_are_decoded_and_raw_ones_used_as_they_are() {
        let encoded = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        assert_eq!(
            key_material(&encoded, Stage::Prod).expect("strong").len(),
            64
        );
        let raw = "Zq8TnW3xV1bL6pR9sD2fH5jK0mC4gY7uA8eN3oI1tQ6wE";
        assert_eq!(
            key_material(raw, Stage::Prod).expect("strong"),
            raw.as_bytes()
        );
    }
}
