//! Cursor pagination for every list route. A cursor is the DynamoDB `LastEvaluatedKey`, signed
//! (HMAC-SHA256 with the cursor key from Secrets Manager), bound to the caller and to the query
//! it continues, and expiring. A tampered, foreign, stale or mismatched cursor is a 400.
//!
//! Wire form: `<base64url(payload JSON)>.<base64url(tag)>`, opaque to clients.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::secrets::KeyRing;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 100;
/// A cursor older than this is refused: pages are for browsing, not bookmarks.
pub const CURSOR_TTL_SECS: i64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    pub limit: i32,
    pub start_key: Option<HashMap<String, AttributeValue>>,
}

impl PageRequest {
    /// Where a computed list (not read in key order, e.g. sorted by distance) goes on: the
    /// offset kept in the cursor by [`offset_key`], 0 on the first page.
    pub fn offset(&self) -> usize {
        self.start_key
            .as_ref()
            .and_then(|k| k.get(OFFSET))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

const OFFSET: &str = "offset";

/// The cursor key of a computed list that goes on at `offset`.
pub fn offset_key(offset: usize) -> HashMap<String, AttributeValue> {
    HashMap::from([(OFFSET.to_owned(), AttributeValue::N(offset.to_string()))])
}

/// One page of a list; pass `next_cursor` back as `cursor`, with the same filters, for the next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, next_cursor: Option<String>) -> Self {
        let has_more = next_cursor.is_some();
        Self {
            items,
            next_cursor,
            has_more,
        }
    }
}

/// Key attribute values; our keys are strings and numbers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum KeyValue {
    S(String),
    N(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CursorPayload {
    /// The key to start after.
    k: BTreeMap<String, KeyValue>,
    /// Who may use it.
    c: String,
    /// Which query it continues (route and filters).
    q: String,
    /// Expiry, epoch seconds.
    e: i64,
}

pub fn parse_limit(raw: Option<&str>) -> Result<i32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    match raw.trim().parse::<i32>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ApiError::BadRequest(format!(
            "limit must be a whole number from 1 to {MAX_LIMIT}."
        ))),
    }
}

fn tag(key: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"cursor\x00");
    mac.update(payload);
    Some(mac.finalize().into_bytes().to_vec())
}

fn encode_key(key: &HashMap<String, AttributeValue>) -> Option<BTreeMap<String, KeyValue>> {
    key.iter()
        .map(|(name, value)| {
            let value = match value {
                AttributeValue::S(s) => KeyValue::S(s.clone()),
                AttributeValue::N(n) => KeyValue::N(n.clone()),
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .collect()
}

fn decode_key(key: BTreeMap<String, KeyValue>) -> HashMap<String, AttributeValue> {
    key.into_iter()
        .map(|(name, value)| {
            let value = match value {
                KeyValue::S(s) => AttributeValue::S(s),
                KeyValue::N(n) => AttributeValue::N(n),
            };
            (name, value)
        })
        .collect()
}

pub fn sign_cursor(
    keys: &KeyRing,
    caller: &str,
    query: &str,
    last_key: &HashMap<String, AttributeValue>,
    now: i64,
) -> Option<String> {
    let payload = CursorPayload {
        k: encode_key(last_key)?,
        c: caller.to_owned(),
        q: query.to_owned(),
        e: now + CURSOR_TTL_SECS,
    };
    let json = serde_json::to_vec(&payload).ok()?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mac = tag(&keys.current.bytes, &json)?;
    Some(format!("{}.{}", engine.encode(&json), engine.encode(mac)))
}

pub fn verify_cursor(
    keys: &KeyRing,
    caller: &str,
    query: &str,
    cursor: &str,
    now: i64,
) -> Result<HashMap<String, AttributeValue>, ApiError> {
    let invalid = || ApiError::BadRequest("The cursor is invalid or has expired.".into());
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if cursor.len() > 4096 {
        return Err(invalid());
    }
    let (payload, mac) = cursor.split_once('.').ok_or_else(invalid)?;
    let payload = engine.decode(payload).map_err(|_| invalid())?;
    let mac = engine.decode(mac).map_err(|_| invalid())?;
    let authentic = keys
        .all()
        .any(|key| tag(&key.bytes, &payload).is_some_and(|t| bool::from(t.ct_eq(&mac))));
    if !authentic {
        return Err(invalid());
    }
    let payload: CursorPayload = serde_json::from_slice(&payload).map_err(|_| invalid())?;
    if payload.c != caller || payload.q != query || payload.e <= now {
        return Err(invalid());
    }
    Ok(decode_key(payload.k))
}

/// One list as its cursors know it: who is paging, and which query they continue (the route
/// and its filters, as a canonical string). A cursor signed for one list is refused by any
/// other, so a handler names the list once and both reads and answers pages through it.
pub struct PagedList<'a> {
    state: &'a AppState,
    caller: &'a str,
    query_fingerprint: String,
}

impl<'a> PagedList<'a> {
    pub fn new(state: &'a AppState, caller: &'a str, query_fingerprint: String) -> Self {
        Self {
            state,
            caller,
            query_fingerprint,
        }
    }

    /// The page size and start key of a request, from its `limit` and `cursor` parameters.
    pub async fn request(
        &self,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<PageRequest, ApiError> {
        let limit = parse_limit(limit)?;
        let start_key = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => {
                let keys = cursor_keys(self.state).await?;
                Some(verify_cursor(
                    &keys,
                    self.caller,
                    &self.query_fingerprint,
                    cursor,
                    self.state.clock.now().secs(),
                )?)
            }
        };
        Ok(PageRequest { limit, start_key })
    }

    /// The page of `items`, with a cursor for the next one if the read stopped at
    /// `last_evaluated_key` (DynamoDB's, or one the handler built for a merged or computed
    /// list).
    pub async fn page<T>(
        &self,
        items: Vec<T>,
        last_evaluated_key: Option<&HashMap<String, AttributeValue>>,
    ) -> Result<Page<T>, ApiError> {
        let next_cursor = match last_evaluated_key.filter(|k| !k.is_empty()) {
            None => None,
            Some(last) => {
                let keys = cursor_keys(self.state).await?;
                let cursor = sign_cursor(
                    &keys,
                    self.caller,
                    &self.query_fingerprint,
                    last,
                    self.state.clock.now().secs(),
                )
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unsignable pagination key")))?;
                Some(cursor)
            }
        };
        Ok(Page::new(items, next_cursor))
    }
}

async fn cursor_keys(state: &AppState) -> Result<std::sync::Arc<KeyRing>, ApiError> {
    state.cursor_keys.get().await.map_err(|err| {
        tracing::error!(error = %format!("{err:#}"), "cursor keys unavailable");
        ApiError::unavailable("The service is briefly unavailable; try again shortly.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SigningKey;

    fn ring(byte: u8) -> KeyRing {
        KeyRing {
            current: SigningKey {
                version: "v1".into(),
                bytes: vec![byte; 32],
                created_at: None,
            },
            previous: None,
        }
    }

    fn key() -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("PK".to_owned(), AttributeValue::S("USER#1".into())),
            (
                "GSI1SK".to_owned(),
                AttributeValue::S("2026-01-01#1".into()),
            ),
            ("n".to_owned(), AttributeValue::N("42".into())),
        ])
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_cursor_round_trips_for_its_caller_and_query() {
        let keys = ring(1);
        let cursor =
            sign_cursor(&keys, "user-a", "bookings?status=pending", &key(), NOW).expect("sign");
        let decoded = verify_cursor(
            &keys,
            "user-a",
            "bookings?status=pending",
            &cursor,
            NOW + 10,
        );
        assert_eq!(decoded.expect("valid"), key());
    }

    #[test]
    fn tampered_foreign_mismatched_and_stale_cursors_are_400() {
        let keys = ring(1);
        let cursor = sign_cursor(&keys, "user-a", "q1", &key(), NOW).expect("sign");
        let (payload, mac) = cursor.split_once('.').expect("two parts");
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut json: serde_json::Value =
            serde_json::from_slice(&engine.decode(payload).expect("b64")).expect("json");
        json["c"] = "user-b".into();
        let forged = format!("{}.{mac}", engine.encode(json.to_string()));
        let other_key = sign_cursor(&ring(2), "user-a", "q1", &key(), NOW).expect("sign");
        let cases: Vec<(&str, &str, &str, i64)> = vec![
            ("another caller", "user-b", cursor.as_str(), NOW),
            ("another query", "user-a", cursor.as_str(), NOW),
            ("expired", "user-a", cursor.as_str(), NOW + CURSOR_TTL_SECS),
            ("payload edited", "user-b", forged.as_str(), NOW),
            ("signed with another key", "user-a", other_key.as_str(), NOW),
            ("garbage", "user-a", "abc", NOW),
        ];
        for (why, caller, cursor, now) in cases {
            let query = if why == "another query" { "q2" } else { "q1" };
            let err = verify_cursor(&keys, caller, query, cursor, now).expect_err(why);
            assert_eq!(err.status_code().as_u16(), 400, "{why}");
        }
    }

    #[test]
    fn limits_default_to_20_and_stop_at_100() {
        assert_eq!(parse_limit(None).expect("default"), 20);
        assert_eq!(parse_limit(Some("100")).expect("max"), 100);
        for bad in ["101", "0", "-1", "ten", ""] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
    }
}
