//! What the fuzz targets share: a key ring like the one Secrets Manager gives (a current and a
//! previous version), and clocks in the range a Lambda can see.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::secrets::{KeyRing, SigningKey};

pub const CURRENT_VERSION: &str = "v2";
pub const PREVIOUS_VERSION: &str = "v1";

pub fn ring() -> KeyRing {
    KeyRing {
        current: SigningKey {
            version: CURRENT_VERSION.into(),
            bytes: vec![0x5a; 32],
            created_at: None,
        },
        previous: Some(SigningKey {
            version: PREVIOUS_VERSION.into(),
            bytes: vec![0xa5; 48],
            created_at: None,
        }),
    }
}

/// A key that is in neither version of the ring.
pub fn foreign_key() -> Vec<u8> {
    vec![0x11; 32]
}

/// The server's clock comes from the system, never from the client: 2000-01-01 to 2100-01-01.
pub fn clock(raw: u32) -> i64 {
    946_684_800 + i64::from(raw) % (3_155_760_000)
}

pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
