//! The web-session inputs: `shared::auth::cookies::read` (the `Cookie` headers),
//! `shared::auth::refresh_token::RefreshToken::parse` (the refresh cookie or body field) and
//! `shared::auth::csrf::verify` (the `X-CSRF-Token` header against the CSRF cookie).
#![no_main]

use axum::http::{header, HeaderMap, HeaderValue};
use drive_alive_fuzz::{b64, foreign_key, hmac_sha256, ring};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use shared::auth::cookies::{self, ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE};
use shared::auth::csrf;
use shared::auth::refresh_token::RefreshToken;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    cookie_headers: Vec<&'a [u8]>,
    name: &'a str,
    refresh: &'a str,
    /// A refresh token in its wire shape with fuzzed parts, so the checks past the prefix and
    /// the lengths are reached.
    shaped_refresh: (&'a str, &'a str, &'a str, &'a str),
    session_id: &'a str,
    csrf_header: &'a str,
    csrf_cookie: &'a str,
    nonce: &'a str,
    key: u8,
}

fuzz_target!(|input: Input<'_>| {
    // Cookies: any header bytes the HTTP layer lets through.
    let mut headers = HeaderMap::new();
    for raw in &input.cookie_headers {
        if let Ok(value) = HeaderValue::from_bytes(raw) {
            headers.append(header::COOKIE, value);
        }
    }
    for name in [ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE, input.name] {
        if let Some(value) = cookies::read(&headers, name) {
            assert!(
                !value.contains(';'),
                "a cookie value runs into the next cookie"
            );
            let found = headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains(&format!("{name}={value}")));
            assert!(found, "{name}={value} is not in any Cookie header");
        }
    }

    // Refresh tokens: whatever parses is one token with one spelling.
    let (user, session, generation, secret) = input.shaped_refresh;
    let padded = format!(
        "{secret}{}",
        "A".repeat(32usize.saturating_sub(secret.len()))
    );
    let shaped = format!("rt1.{user}.{session}.{generation}.{padded}");
    for text in [input.refresh, shaped.as_str()] {
        if let Some(token) = RefreshToken::parse(text) {
            assert_eq!(
                token.expose(),
                text.trim(),
                "a refresh token has more than one spelling"
            );
            assert_eq!(RefreshToken::parse(&token.expose()), Some(token.clone()));
            assert!(!token.hash().is_empty());
        }
    }

    // CSRF: a made-up token never passes; a signed one passes only for its own session and
    // only when the header and the cookie agree.
    let keys = ring();
    assert!(
        !csrf::verify(
            &keys,
            input.session_id,
            input.csrf_header,
            input.csrf_cookie
        ),
        "an unsigned CSRF token verified"
    );
    let secret = match input.key % 3 {
        0 => keys.current.bytes.clone(),
        1 => keys
            .previous
            .as_ref()
            .map(|k| k.bytes.clone())
            .unwrap_or_default(),
        _ => foreign_key(),
    };
    let tag = hmac_sha256(
        &secret,
        &[
            b"csrf\x00",
            input.session_id.as_bytes(),
            b"\x00",
            input.nonce.as_bytes(),
        ],
    );
    let token = format!("{}.{}", input.nonce, b64(&tag));
    let valid = csrf::verify(&keys, input.session_id, &token, &token);
    // A nonce containing '.' splits elsewhere; otherwise the ring's keys must verify it.
    if !input.nonce.contains('.') {
        assert_eq!(
            valid,
            input.key % 3 != 2,
            "signed token: key {}",
            input.key % 3
        );
    }
    if valid {
        let other_session = format!("{}.", input.session_id);
        assert!(!csrf::verify(&keys, &other_session, &token, &token));
        assert!(
            !csrf::verify(&keys, input.session_id, &token, input.csrf_cookie)
                || token == input.csrf_cookie
        );
    }
    let issued = csrf::issue(&keys, input.session_id);
    assert!(csrf::verify(&keys, input.session_id, &issued, &issued));
});
