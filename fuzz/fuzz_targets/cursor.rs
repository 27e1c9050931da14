//! `shared::pagination::verify_cursor`: a cursor is client input on every list route.
//!
//! Raw strings must never verify; payloads signed with the real key reach the JSON decoding,
//! and whatever verifies must belong to the caller and query it is presented for and be
//! unexpired; a cursor the server signed round-trips exactly.
#![no_main]

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use drive_alive_fuzz::{b64, clock, foreign_key, hmac_sha256, ring};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use shared::pagination::{sign_cursor, verify_cursor};

#[derive(Arbitrary, Debug)]
enum Case<'a> {
    /// Whatever a client sends.
    Raw(&'a str),
    /// A payload signed with a key of the ring (or a foreign one), so the JSON is reached.
    Signed { payload: &'a [u8], key: u8 },
    /// A page key the server signed itself.
    RoundTrip {
        key: Vec<(String, bool, String)>,
        later: u16,
    },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    caller: &'a str,
    query: &'a str,
    now: u32,
    case: Case<'a>,
}

fuzz_target!(|input: Input<'_>| {
    let keys = ring();
    let now = clock(input.now);
    match input.case {
        Case::Raw(cursor) => {
            // Without the key there is no valid tag: nothing a client makes up verifies.
            assert!(verify_cursor(&keys, input.caller, input.query, cursor, now).is_err());
        }
        Case::Signed { payload, key } => {
            let secret = match key % 3 {
                0 => keys.current.bytes.clone(),
                1 => keys
                    .previous
                    .as_ref()
                    .map(|k| k.bytes.clone())
                    .unwrap_or_default(),
                _ => foreign_key(),
            };
            let cursor = format!(
                "{}.{}",
                b64(payload),
                b64(&hmac_sha256(&secret, &[b"cursor\x00", payload]))
            );
            let result = verify_cursor(&keys, input.caller, input.query, &cursor, now);
            if let Ok(start_key) = result {
                assert!(key % 3 != 2, "a cursor signed with a foreign key verified");
                let json: serde_json::Value =
                    serde_json::from_slice(payload).expect("a verified payload is JSON");
                assert_eq!(json["c"].as_str(), Some(input.caller), "foreign caller");
                assert_eq!(json["q"].as_str(), Some(input.query), "another query");
                assert!(json["e"].as_i64().is_some_and(|e| e > now), "expired");
                assert!(start_key
                    .values()
                    .all(|v| matches!(v, AttributeValue::S(_) | AttributeValue::N(_))));
            }
        }
        Case::RoundTrip { key, later } => {
            let last: HashMap<String, AttributeValue> = key
                .into_iter()
                .map(|(name, number, value)| {
                    let value = if number {
                        AttributeValue::N(value)
                    } else {
                        AttributeValue::S(value)
                    };
                    (name, value)
                })
                .collect();
            let Some(cursor) = sign_cursor(&keys, input.caller, input.query, &last, now) else {
                return;
            };
            let later = now + i64::from(later % 3600);
            match verify_cursor(&keys, input.caller, input.query, &cursor, later) {
                Ok(decoded) => assert_eq!(decoded, last),
                // Only a very large page key makes a cursor over the 4 KiB limit.
                Err(_) => assert!(cursor.len() > 4096, "a fresh cursor was refused"),
            }
            let other = format!("{}x", input.caller);
            assert!(verify_cursor(&keys, &other, input.query, &cursor, later).is_err());
        }
    }
});
