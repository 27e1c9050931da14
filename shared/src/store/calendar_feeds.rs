//! Calendar feeds: a secret token per user in the feed's URL.
//!
//! | item              | PK                            | SK              | holds                          |
//! |-------------------|-------------------------------|-----------------|--------------------------------|
//! | feed lookup       | `CALENDAR_FEED#<sha256>`      | `CALENDAR_FEED` | `user_id`, `role`              |
//! | the user's feed   | `USER#<id>`                   | `CALENDAR_FEED` | `token_hash`, `sealed_token`   |
//!
//! The feed URL is looked up by the hash of its token alone (one `GetItem`); the token itself is
//! kept only sealed (KMS envelope, bound to the user), so the owner can be shown the URL again
//! while the table holds nothing that opens a feed. Installing a token puts its lookup item,
//! replaces the user's feed item (conditional on the token it replaces) and deletes the old
//! lookup item, in one transaction: a rotated URL stops working at once.

use anyhow::Context;
use aws_sdk_dynamodb::types::{Delete, Put};
use base64::Engine;

use crate::domain::Role;
use crate::schema::{PARTITION_KEY, SORT_KEY};
use crate::store::attr::{get_s, req_s, s, Item};
use crate::store::transact::Write;
use crate::store::users::user_pk;

const FEED_SK: &str = "CALENDAR_FEED";

fn lookup_key(token_hash: &str) -> Item {
    Item::from([
        (
            PARTITION_KEY.to_owned(),
            s(format!("CALENDAR_FEED#{token_hash}")),
        ),
        (SORT_KEY.to_owned(), s(FEED_SK)),
    ])
}

fn user_feed_key(user_id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(user_pk(user_id))),
        (SORT_KEY.to_owned(), s(FEED_SK)),
    ])
}

/// Whose lessons a feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOwner {
    pub user_id: String,
    pub role: Role,
}

/// A user's current feed token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeed {
    pub token_hash: String,
    /// The envelope-sealed token (`shared::envelope`).
    pub sealed_token: Vec<u8>,
}

/// The owner of the feed whose token hashes to `token_hash` (one `GetItem`).
pub async fn owner(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    token_hash: &str,
) -> anyhow::Result<Option<FeedOwner>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(lookup_key(token_hash)))
        .send()
        .await
        .context("Failed to read a calendar feed")?;
    let Some(item) = output.item() else {
        return Ok(None);
    };
    Ok(Some(FeedOwner {
        user_id: req_s(item, "user_id")?,
        role: get_s(item, "role")
            .and_then(Role::parse)
            .context("calendar feed without a valid role")?,
    }))
}

/// The user's current feed, if they have one (one consistent `GetItem`).
pub async fn of_user(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
) -> anyhow::Result<Option<StoredFeed>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(user_feed_key(user_id)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read the user's calendar feed")?;
    let Some(item) = output.item() else {
        return Ok(None);
    };
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(req_s(item, "sealed_token")?)
        .context("stored sealed feed token")?;
    Ok(Some(StoredFeed {
        token_hash: req_s(item, "token_hash")?,
        sealed_token: sealed,
    }))
}

/// The writes that make `new` the user's feed in place of `replacing` (`None`: they had none).
/// The user's item is conditional on still holding `replacing`, so of two concurrent
/// rotations one fails instead of leaving two working URLs.
pub fn install_writes(
    table: &str,
    owner: &FeedOwner,
    new: &StoredFeed,
    replacing: Option<&StoredFeed>,
) -> anyhow::Result<Vec<Write>> {
    let mut lookup = lookup_key(&new.token_hash);
    lookup.insert("user_id".into(), s(&owner.user_id));
    lookup.insert("role".into(), s(owner.role.as_str()));
    let mut feed = user_feed_key(&owner.user_id);
    feed.insert("token_hash".into(), s(&new.token_hash));
    feed.insert(
        "sealed_token".into(),
        s(base64::engine::general_purpose::STANDARD.encode(&new.sealed_token)),
    );
    let mut replace = Put::builder().table_name(table).set_item(Some(feed));
    replace = match replacing {
        None => replace.condition_expression("attribute_not_exists(PK)"),
        Some(old) => replace
            .condition_expression("token_hash = :old")
            .expression_attribute_values(":old", s(&old.token_hash)),
    };
    let mut writes = vec![
        Write::from(
            Put::builder()
                .table_name(table)
                .set_item(Some(lookup))
                .condition_expression("attribute_not_exists(PK)")
                .build()?,
        ),
        Write::from(replace.build()?),
    ];
    if let Some(old) = replacing {
        writes.push(Write::from(
            Delete::builder()
                .table_name(table)
                .set_key(Some(lookup_key(&old.token_hash)))
                .build()?,
        ));
    }
    Ok(writes)
}
