//! Single-use email tokens (verification 24 h, password reset 1 h). Only the hash is stored:
//! `PK = TOKEN#<sha256>`, `SK = TOKEN`, with the purpose, the user and `expires_at`. Consuming a
//! token deletes it in the same transaction as the change it authorises.

use anyhow::Context;
use aws_sdk_dynamodb::types::{Delete, Put};

use crate::audit::{AuditEntry, Outcome};
use crate::clock::Now;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_n, get_s, n, s, Item};
use crate::store::transact::{transact, TransactError, Write};
use crate::token_secret::{hash_secret, random_token_secret};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    fn lifetime_secs(self) -> i64 {
        match self {
            Self::VerifyEmail => 24 * 3600,
            Self::ResetPassword => 3600,
        }
    }
}

fn key(hash: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(format!("TOKEN#{hash}"))),
        (SORT_KEY.to_owned(), s("TOKEN")),
    ])
}

/// A new token: the secret for the email link and the item to store.
pub fn issue(
    purpose: Purpose,
    user_id: &str,
    table: &str,
    now: Now,
) -> anyhow::Result<(String, Write)> {
    let secret = random_token_secret();
    let mut item = key(&hash_secret(&secret));
    item.insert("purpose".into(), s(purpose.as_str()));
    item.insert("user_id".into(), s(user_id));
    item.insert(
        TTL_ATTRIBUTE.into(),
        n(now.secs() + purpose.lifetime_secs()),
    );
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()?;
    Ok((secret, Write::from(put)))
}

/// A token that was live when read: the user it belongs to, and the hash that names its item.
#[derive(Debug)]
pub struct LiveToken {
    pub user_id: String,
    hash: String,
    /// When it was found live; it is spent only if still live then.
    read_at: Now,
}

/// The live token of this purpose behind a secret (one consistent `GetItem`).
pub async fn find(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    purpose: Purpose,
    secret: &str,
    now: Now,
) -> anyhow::Result<Option<LiveToken>> {
    if secret.is_empty() || secret.len() > 128 {
        return Ok(None);
    }
    let hash = hash_secret(secret);
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(key(&hash)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read an email token")?;
    let Some(item) = output.item() else {
        return Ok(None);
    };
    // TTL deletes late (and never locally): expiry is checked here.
    let live = get_s(item, "purpose") == Some(purpose.as_str())
        && get_n::<i64>(item, TTL_ATTRIBUTE).is_some_and(|exp| exp > now.secs());
    Ok(live
        .then(|| {
            get_s(item, "user_id").map(|user_id| LiveToken {
                user_id: user_id.to_owned(),
                hash,
                read_at: now,
            })
        })
        .flatten())
}

impl LiveToken {
    /// Spends the token on the change it authorises, with the user's audit entry for `action`,
    /// in one transaction, so a token never authorises twice. `Ok(false)`: it was spent or
    /// expired meanwhile, or `change`'s own condition failed; either way the link is dead.
    pub async fn redeem(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        change: Write,
        action: &'static str,
        ip: &str,
    ) -> anyhow::Result<bool> {
        let audit = AuditEntry {
            actor: Some(self.user_id.clone()),
            action,
            target: Some(self.user_id.clone()),
            ip: ip.to_owned(),
            outcome: Outcome::Success,
            detail: None,
            at: self.read_at,
        };
        let items = vec![
            Write::from(consume(table, &self.hash, self.read_at)?),
            change,
            Write::from(audit.put(table)?),
        ];
        match transact(dynamodb, items).await {
            Ok(()) => Ok(true),
            Err(TransactError::ConditionFailed(_)) => Ok(false),
            Err(TransactError::Other(err)) => Err(err),
        }
    }
}

/// Deletes the token, conditional on it still existing: a second use of the same token, even
/// racing the first, fails this condition and so the whole transaction.
fn consume(table: &str, hash: &str, now: Now) -> anyhow::Result<Delete> {
    Ok(Delete::builder()
        .table_name(table)
        .set_key(Some(key(hash)))
        .condition_expression("attribute_exists(PK) AND #exp > :now")
        .expression_attribute_names("#exp", TTL_ATTRIBUTE)
        .expression_attribute_values(":now", n(now.secs()))
        .build()?)
}
