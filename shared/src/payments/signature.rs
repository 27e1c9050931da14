//! `Stripe-Signature` verification: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` an
//! HMAC-SHA256 of `"<t>.<raw body>"` under the webhook secret. Any `v1` under any of the
//! secret's live versions (current and previous, so a rotation drops no event) is accepted,
//! compared in constant time, within five minutes of now either way.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far the signed timestamp may be from now (Stripe's own libraries use the same).
pub const TOLERANCE_SECS: i64 = 300;
/// More entries than any real header carries is not a header we read.
const MAX_SIGNATURES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the signed timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// The HMAC-SHA256 of `"<t>.<body>"` under `secret`, lowercase hex (what Stripe sends).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length; the error case cannot occur.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `Stripe-Signature` header that is well formed and recent: what is left to check needs
/// the secret.
#[derive(Debug)]
pub struct Signed<'h> {
    timestamp: i64,
    signatures: Vec<&'h [u8]>,
}

/// Reads `header` at `now` (unix seconds): malformed or stale headers are refused before any
/// secret is loaded.
pub fn parse(header: &str, now: i64) -> Result<Signed<'_>, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed);
        };
        match name {
            "t" => {
                let t = value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed)?;
                if timestamp.replace(t).is_some() {
                    return Err(SignatureError::Malformed);
                }
            }
            "v1" if signatures.len() < MAX_SIGNATURES => signatures.push(value.as_bytes()),
            "v1" => return Err(SignatureError::Malformed),
            // v0 (test-mode legacy) and any future scheme are not ours to accept.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(Signed {
        timestamp,
        signatures,
    })
}

impl Signed<'_> {
    /// Whether any `v1` is the HMAC of `body` under any of `secrets` (constant-time compares).
    pub fn check<'a>(
        &self,
        body: &[u8],
        secrets: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), SignatureError> {
        let mut matched = subtle::Choice::from(0);
        for secret in secrets {
            let expected = sign(secret, self.timestamp, body);
            if expected.is_empty() {
                continue;
            }
            for candidate in &self.signatures {
                matched |= expected.as_bytes().ct_eq(candidate);
            }
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

/// Checks `header` for `body` at `now` (unix seconds) against each of `secrets`.
pub fn verify<'a>(
    header: &str,
    body: &[u8],
    now: i64,
    secrets: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(), SignatureError> {
    parse(header, now)?.check(body, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_0123456789abcdef0123456789abcdef";
    const OLD: &[u8] = b"whsec_fedcba9876543210fedcba9876543210";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    const NOW: i64 = 1_780_000_000;

    fn header(t: i64, sigs: &[String]) -> String {
        let mut parts = vec![format!("t={t}")];
        parts.extend(sigs.iter().map(|s| format!("v1={s}")));
        parts.join(",")
    }

    #[test]
    fn a_signature_under_the_current_or_previous_secret_is_accepted() {
        let current = sign(SECRET, NOW, BODY);
        let previous = sign(OLD, NOW, BODY);
        for signed in [&current, &previous] {
            let h = header(NOW, std::slice::from_ref(signed));
            assert_eq!(verify(&h, BODY, NOW, [SECRET, OLD]), Ok(()));
        }
        let h = header(NOW, std::slice::from_ref(&previous));
        assert_eq!(
            verify(&h, BODY, NOW, [SECRET]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_may_match() {
        let good = sign(SECRET, NOW, BODY);
        let h = header(NOW, &["00".repeat(32), good, "zz".into()]);
        assert_eq!(verify(&h, BODY, NOW, [SECRET]), Ok(()));
        let h = format!("t={NOW},v0=abc,v1={}", sign(SECRET, NOW, BODY));
        assert_eq!(verify(&h, BODY, NOW, [SECRET]), Ok(()));
    }

    #[test]
    fn the_timestamp_must_be_within_five_minutes() {
        for t in [NOW - TOLERANCE_SECS, NOW + TOLERANCE_SECS] {
            let h = header(t, &[sign(SECRET, t, BODY)]);
            assert_eq!(verify(&h, BODY, NOW, [SECRET]), Ok(()), "t={t}");
        }
        for t in [NOW - TOLERANCE_SECS - 1, NOW + TOLERANCE_SECS + 1] {
            let h = header(t, &[sign(SECRET, t, BODY)]);
            assert_eq!(verify(&h, BODY, NOW, [SECRET]), Err(SignatureError::Stale));
        }
    }

    #[test]
    fn a_tampered_body_or_timestamp_does_not_match() {
        let sig = sign(SECRET, NOW, BODY);
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded" }"#;
        let h = header(NOW, std::slice::from_ref(&sig));
        assert_eq!(
            verify(&h, tampered, NOW, [SECRET]),
            Err(SignatureError::Mismatch)
        );
        let h = header(NOW - 1, &[sig]);
        assert_eq!(
            verify(&h, BODY, NOW, [SECRET]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        let sig = sign(SECRET, NOW, BODY);
        for h in [
            String::new(),
            format!("v1={sig}"),
            format!("t={NOW}"),
            format!("t=soon,v1={sig}"),
            format!("t={NOW},t={NOW},v1={sig}"),
            format!("t={NOW},garbage,v1={sig}"),
            header(NOW, &vec![sig.clone(); MAX_SIGNATURES + 1]),
        ] {
            assert_eq!(
                verify(&h, BODY, NOW, [SECRET]),
                Err(SignatureError::Malformed),
                "{h:?}"
            );
        }
    }
}
