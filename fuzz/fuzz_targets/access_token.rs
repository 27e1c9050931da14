//! `shared::auth::access_token::{key_version, verify}`: the bearer token and the access cookie
//! are client input on every authenticated route.
//!
//! Raw strings must never verify; header and claims signed with a key of the ring reach the
//! JSON decoding and the claim checks, and whatever verifies was signed with the key its `kid`
//! names and is an unexpired access token for this API; an issued token round-trips.
#![no_main]

use drive_alive_fuzz::{b64, clock, foreign_key, hmac_sha256, ring, CURRENT_VERSION};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use shared::auth::access_token::{self, AUDIENCE, ISSUER};
use shared::auth::Role;

#[derive(Arbitrary, Debug)]
enum Case<'a> {
    Raw(&'a str),
    Signed {
        header: &'a [u8],
        claims: &'a [u8],
        key: u8,
    },
    /// Well-formed JSON with fuzzed values, so the claim checks are reached often.
    Shaped {
        alg: &'a str,
        kid: Option<&'a str>,
        typ: &'a str,
        iss: &'a str,
        aud: &'a str,
        role: &'a str,
        exp: i64,
        key: u8,
    },
    RoundTrip {
        user: &'a str,
        session: &'a str,
        role: u8,
        later: u16,
    },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    now: u32,
    case: Case<'a>,
}

fn signed(header: &[u8], claims: &[u8], key: u8) -> String {
    let keys = ring();
    let secret = match key % 3 {
        0 => keys.current.bytes.clone(),
        1 => keys
            .previous
            .as_ref()
            .map(|k| k.bytes.clone())
            .unwrap_or_default(),
        _ => foreign_key(),
    };
    let signing_input = format!("{}.{}", b64(header), b64(claims));
    let tag = hmac_sha256(&secret, &[signing_input.as_bytes()]);
    format!("{signing_input}.{}", b64(&tag))
}

fn check(token: &str, now: i64, key: Option<u8>) {
    let keys = ring();
    let _ = access_token::key_version(token);
    if let Ok(claims) = access_token::verify(&keys, token, now) {
        let key = key.expect("an unsigned token verified");
        assert!(key % 3 != 2, "a token signed with a foreign key verified");
        let kid = access_token::key_version(token).expect("a verified token names its key");
        let expected = if key % 3 == 0 { "v2" } else { "v1" };
        assert_eq!(
            kid, expected,
            "verified with a key other than the one its kid names"
        );
        assert_eq!(claims.typ, "access");
        assert_eq!(claims.iss, ISSUER);
        assert_eq!(claims.aud, AUDIENCE);
        assert!(claims.exp > now);
    }
}

fuzz_target!(|input: Input<'_>| {
    let now = clock(input.now);
    match input.case {
        Case::Raw(token) => check(token, now, None),
        Case::Signed {
            header,
            claims,
            key,
        } => check(&signed(header, claims, key), now, Some(key)),
        Case::Shaped {
            alg,
            kid,
            typ,
            iss,
            aud,
            role,
            exp,
            key,
        } => {
            let header = serde_json::json!({ "alg": alg, "kid": kid, "typ": "JWT" });
            let claims = serde_json::json!({
                "sub": "u1", "role": role, "sid": "s1", "iss": iss, "aud": aud,
                "exp": exp, "iat": now, "jti": "j", "typ": typ,
            });
            let token = signed(
                header.to_string().as_bytes(),
                claims.to_string().as_bytes(),
                key,
            );
            check(&token, now, Some(key));
        }
        Case::RoundTrip {
            user,
            session,
            role,
            later,
        } => {
            let keys = ring();
            let role = [Role::Student, Role::Instructor, Role::Admin][usize::from(role % 3)];
            let Ok((token, claims)) = access_token::issue(&keys, user, role, session, now) else {
                return;
            };
            assert_eq!(
                access_token::key_version(&token).as_deref(),
                Ok(CURRENT_VERSION)
            );
            let later = now + i64::from(later) % access_token::ACCESS_TOKEN_TTL_SECS;
            assert_eq!(access_token::verify(&keys, &token, later), Ok(claims));
        }
    }
});
