//! Short-lived access JWTs: HS256 only, `kid` = the signing secret's version, issuer, audience,
//! expiry and `typ` checked, so a refresh token or any other JWT is never taken for one.

use serde::{Deserialize, Serialize};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::domain::Role;
use crate::secrets::KeyRing;

pub const ISSUER: &str = "drive-alive-api";
pub const AUDIENCE: &str = "drive-alive-app";
pub const ACCESS_TOKEN_TTL_SECS: i64 = 15 * 60;
const TYP_ACCESS: &str = "access";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub role: Role,
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is malformed or its signature is invalid")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token was signed with an unknown key version")]
    UnknownKey,
}

pub fn issue(
    keys: &KeyRing,
    user_id: &str,
    role: Role,
    session_id: &str,
    now: i64,
) -> anyhow::Result<(String, AccessClaims)> {
    let claims = AccessClaims {
        sub: user_id.to_owned(),
        role,
        sid: session_id.to_owned(),
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        exp: now + ACCESS_TOKEN_TTL_SECS,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        typ: TYP_ACCESS.to_owned(),
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(keys.current.version.clone());
    header.typ = Some("JWT".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(&keys.current.bytes),
    )?;
    Ok((token, claims))
}

/// The key version a token names, read without trusting anything else in it.
pub fn key_version(token: &str) -> Result<String, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
    if header.alg != Algorithm::HS256 {
        return Err(TokenError::Invalid);
    }
    header.kid.ok_or(TokenError::Invalid)
}

pub fn verify(keys: &KeyRing, token: &str, now: i64) -> Result<AccessClaims, TokenError> {
    let version = key_version(token)?;
    let key = keys.find(&version).ok_or(TokenError::UnknownKey)?;
    // The previous version signed access tokens only until the rotation: after their
    // lifetime, none of them can still be valid. (CSRF tokens and refresh keep accepting it.)
    if key.version != keys.current.version && !keys.previous_still_signs(now, ACCESS_TOKEN_TTL_SECS)
    {
        return Err(TokenError::Expired);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    // We check expiry ourselves against `now`, so tests and clocks agree on one source.
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<AccessClaims>(
        token,
        &DecodingKey::from_secret(&key.bytes),
        &validation,
    )
    .map_err(|_| TokenError::Invalid)?;
    let claims = data.claims;
    if claims.typ != TYP_ACCESS {
        return Err(TokenError::Invalid);
    }
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SigningKey;
    use base64::Engine;

    fn ring(version: &str, byte: u8) -> KeyRing {
        KeyRing {
            current: SigningKey {
                version: version.into(),
                bytes: vec![byte; 64],
                created_at: None,
            },
            previous: None,
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn tamper_payload(token: &str) -> String {
        let parts: Vec<&str> = token.split('.').collect();
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: serde_json::Value =
            serde_json::from_slice(&engine.decode(parts[1]).expect("b64")).expect("json");
        claims["role"] = "ADMIN".into();
        let payload = engine.encode(claims.to_string());
        format!("{}.{}.{}", parts[0], payload, parts[2])
    }

    fn unsigned(kid: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
        let payload = engine.encode(
            serde_json::json!({"sub":"u1","role":"ADMIN","sid":"s","iss":ISSUER,"aud":AUDIENCE,
                "exp":NOW+600,"iat":NOW,"jti":"j","typ":"access"})
            .to_string(),
        );
        format!("{header}.{payload}.")
    }

    #[test]
    fn a_fresh_token_verifies_with_its_claims() {
        let keys = ring("v1", 1);
        let (token, claims) = issue(&keys, "u1", Role::Student, "s1", NOW).expect("issue");
        assert_eq!(verify(&keys, &token, NOW + 60), Ok(claims));
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let keys = ring("v1", 1);
        let (token, _) = issue(&keys, "u1", Role::Student, "s1", NOW).expect("issue");
        let (other_key_token, _) =
            issue(&ring("v1", 2), "u1", Role::Student, "s1", NOW).expect("issue");
        let (unknown_kid, _) =
            issue(&ring("v9", 1), "u1", Role::Student, "s1", NOW).expect("issue");
        let cases: Vec<(&str, String, i64, TokenError)> = vec![
            (
                "expired",
                token.clone(),
                NOW + ACCESS_TOKEN_TTL_SECS,
                TokenError::Expired,
            ),
            (
                "tampered payload",
                tamper_payload(&token),
                NOW,
                TokenError::Invalid,
            ),
            ("other key", other_key_token, NOW, TokenError::Invalid),
            ("unknown kid", unknown_kid, NOW, TokenError::UnknownKey),
            ("alg none", unsigned("v1"), NOW, TokenError::Invalid),
            ("garbage", "abc.def.ghi".into(), NOW, TokenError::Invalid),
        ];
        for (why, token, now, expected) in cases {
            assert_eq!(verify(&keys, &token, now), Err(expected), "{why}");
        }
    }

    #[test]
    fn the_previous_key_version_verifies_only_for_a_token_lifetime_after_rotation() {
        let old = ring("v1", 1);
        let rotated = KeyRing {
            current: SigningKey {
                version: "v2".into(),
                bytes: vec![2; 64],
                created_at: Some(NOW),
            },
            previous: Some(old.current.clone()),
        };
        // Issued before the rotation: verifies for the rest of its lifetime.
        let (token, _) = issue(&old, "u1", Role::Student, "s1", NOW - 60).expect("issue");
        assert!(verify(&rotated, &token, NOW + 600).is_ok());
        // Issued by an instance that had not reloaded yet: not beyond the bound.
        let (late, _) = issue(&old, "u1", Role::Student, "s1", NOW + 200).expect("issue");
        assert!(verify(&rotated, &late, NOW + 900).is_ok());
        let bound = NOW + ACCESS_TOKEN_TTL_SECS + crate::secrets::CLOCK_SKEW_SECS;
        assert_eq!(verify(&rotated, &late, bound + 1), Err(TokenError::Expired));
        // A current version of unknown age accepts no previous-version access token.
        let unknown_age = KeyRing {
            current: SigningKey {
                created_at: None,
                ..rotated.current.clone()
            },
            previous: rotated.previous.clone(),
        };
        assert_eq!(verify(&unknown_age, &token, NOW), Err(TokenError::Expired));
    }
}
