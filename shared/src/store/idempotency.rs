//! Claims on idempotency keys: what a keyed POST created, so that a repeat of it is answered
//! with the same resource.
//!
//! | item  | PK                    | SK                                   | attributes |
//! |-------|-----------------------|--------------------------------------|------------|
//! | claim | `IDEMPOTENCY#<user>`  | `<operation>#<SHA-256 of the key>`   | `request_hash`, `resource_id`, `notified`, `expires_at` |
//!
//! The claim is put in the same transaction as the resource, conditional on no live claim for
//! that key: either both are written or neither, and of two concurrent requests with one key
//! exactly one creates anything. The loser (or a later retry) finds the claim and answers with
//! its resource. A claim lives a day; an expired one may be taken again (TTL deletes late, so
//! the condition and the read both check `expires_at`).
//!
//! `notified` is set once the notice about the new resource went out. A request that stored
//! its resource but failed before its notice (the case a client retries) leaves it unset, and
//! the repeat sends the notice then.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::attr::{get_bool, get_n, get_s, n, s, Item};
use crate::domain::IdempotencyKey;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::token_secret::hash_secret;

/// How long a key is remembered.
pub const RETENTION_SECS: i64 = 24 * 3600;

/// The hash of a request's meaningful content, to tell a true repeat from a reused key.
/// Fields are length-prefixed, so `("ab", "c")` and `("a", "bc")` differ.
pub fn fingerprint(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// What a claim says: the request it was made for and what that request created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub request_hash: String,
    pub resource_id: String,
    /// Whether the notice about the resource was sent.
    pub notified: bool,
}

/// One user's key for one operation: everything needed to claim it or read the claim.
#[derive(Debug, Clone)]
pub struct ClaimKey<'a> {
    pub user_id: &'a str,
    pub operation: &'static str,
    pub key: &'a IdempotencyKey,
}

impl ClaimKey<'_> {
    /// The claim item's key. The client's key is stored hashed, like any client token.
    fn item_key(&self) -> Item {
        let hashed = hash_secret(self.key.as_str());
        Item::from([
            (
                PARTITION_KEY.to_owned(),
                s(format!("IDEMPOTENCY#{}", self.user_id)),
            ),
            (
                SORT_KEY.to_owned(),
                s(format!("{}#{hashed}", self.operation)),
            ),
        ])
    }

    /// The conditional `Put` for the transaction that creates `resource_id`, not yet notified.
    pub fn put(
        &self,
        table: &str,
        request_hash: &str,
        resource_id: &str,
        now_secs: i64,
    ) -> anyhow::Result<Put> {
        let mut item = self.item_key();
        item.insert("request_hash".into(), s(request_hash));
        item.insert("resource_id".into(), s(resource_id));
        item.insert(NOTIFIED.into(), AttributeValue::Bool(false));
        item.insert(TTL_ATTRIBUTE.into(), n(now_secs + RETENTION_SECS));
        Ok(Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #expires <= :now")
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now_secs))
            .build()?)
    }

    /// The live claim on this key, if any (one consistent `GetItem`).
    pub async fn get(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        now_secs: i64,
    ) -> anyhow::Result<Option<Claim>> {
        let output = dynamodb
            .get_item()
            .table_name(table)
            .set_key(Some(self.item_key()))
            .consistent_read(true)
            .send()
            .await
            .context("Failed to read the idempotency key")?;
        Ok(output.item().and_then(|item| live_claim(item, now_secs)))
    }

    /// Records that the notice went out (one `UpdateItem`).
    pub async fn mark_notified(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
    ) -> anyhow::Result<()> {
        dynamodb
            .update_item()
            .table_name(table)
            .set_key(Some(self.item_key()))
            .update_expression("SET #notified = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#notified", NOTIFIED)
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await
            .context("Failed to record the notice on the idempotency key")?;
        Ok(())
    }
}

const NOTIFIED: &str = "notified";

fn live_claim(item: &Item, now_secs: i64) -> Option<Claim> {
    let expires: i64 = get_n(item, TTL_ATTRIBUTE)?;
    if expires <= now_secs {
        return None;
    }
    Some(Claim {
        request_hash: get_s(item, "request_hash")?.to_owned(),
        resource_id: get_s(item, "resource_id")?.to_owned(),
        notified: get_bool(item, NOTIFIED).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> IdempotencyKey {
        IdempotencyKey::parse(text.as_bytes()).unwrap_or_else(|why| panic!("{text}: {why}"))
    }

    #[test]
    fn fingerprints_separate_fields() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["a", ""]), fingerprint(&["a"]));
    }

    fn claim_key<'a>(user_id: &'a str, operation: &'static str, key: &'a IdempotencyKey) -> Item {
        ClaimKey {
            user_id,
            operation,
            key,
        }
        .item_key()
    }

    #[test]
    fn claims_are_per_user_and_operation_and_hide_the_key() {
        let k = key("my-secret-looking-key");
        let a = claim_key("user-1", "create_booking", &k);
        let b = claim_key("user-2", "create_booking", &k);
        let c = claim_key("user-1", "other", &k);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let sort = a.get(SORT_KEY).and_then(|v| v.as_s().ok());
        assert!(sort.is_some_and(|sk| !sk.contains("my-secret")), "{a:?}");
    }

    #[test]
    fn an_expired_claim_is_no_claim() {
        let mut item = claim_key("u", "op", &key("k"));
        item.insert("request_hash".into(), s("h"));
        item.insert("resource_id".into(), s("r"));
        item.insert(TTL_ATTRIBUTE.into(), n(1_000));
        assert_eq!(
            live_claim(&item, 999),
            Some(Claim {
                request_hash: "h".into(),
                resource_id: "r".into(),
                notified: false,
            })
        );
        assert_eq!(live_claim(&item, 1_000), None);
    }
}
