//! Signed double-submit CSRF tokens: `<nonce>.<HMAC(key, session id, nonce)>`. The browser
//! echoes the readable cookie in `X-CSRF-Token`; a token minted for another session, or by
//! anyone without the key, does not verify.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::secrets::KeyRing;

pub const CSRF_HEADER: &str = "x-csrf-token";

fn mac(key: &[u8], session_id: &str, nonce: &str) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"csrf\x00");
    mac.update(session_id.as_bytes());
    mac.update(b"\x00");
    mac.update(nonce.as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

pub fn issue(keys: &KeyRing, session_id: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut nonce = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let nonce = engine.encode(nonce);
    let tag = mac(&keys.current.bytes, session_id, &nonce).unwrap_or_default();
    format!("{nonce}.{}", engine.encode(tag))
}

/// True when `header` equals `cookie` and carries a valid tag for this session under the
/// current or the previous key.
pub fn verify(keys: &KeyRing, session_id: &str, header: &str, cookie: &str) -> bool {
    if header.is_empty() || !bool::from(header.as_bytes().ct_eq(cookie.as_bytes())) {
        return false;
    }
    let Some((nonce, tag)) = header.split_once('.') else {
        return false;
    };
    let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    keys.all().any(|key| {
        mac(&key.bytes, session_id, nonce).is_some_and(|expected| bool::from(expected.ct_eq(&tag)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SigningKey;

    fn ring(byte: u8) -> KeyRing {
        KeyRing {
            current: SigningKey {
                version: "v".into(),
                bytes: vec![byte; 32],
                created_at: None,
            },
            previous: None,
        }
    }

    #[test]
    fn only_the_matching_signed_token_for_this_session_passes() {
        let keys = ring(1);
        let token = issue(&keys, "s1");
        let other_session = issue(&keys, "s2");
        let other_key = issue(&ring(2), "s1");
        assert!(verify(&keys, "s1", &token, &token));
        let cases = [
            (
                "header differs from cookie",
                token.as_str(),
                other_session.as_str(),
            ),
            (
                "token of another session",
                other_session.as_str(),
                other_session.as_str(),
            ),
            (
                "token signed with another key",
                other_key.as_str(),
                other_key.as_str(),
            ),
            ("empty", "", ""),
            ("unsigned", "nonce", "nonce"),
        ];
        for (why, header, cookie) in cases {
            assert!(!verify(&keys, "s1", header, cookie), "{why}");
        }
    }
}
