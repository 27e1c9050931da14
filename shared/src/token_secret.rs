//! Random token secrets and their stored form: refresh tokens, email tokens and idempotency
//! keys are kept only as a hash.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random 256-bit value, URL-safe base64.
pub fn random_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token secret (also used for email tokens).
pub fn hash_secret(secret: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}
