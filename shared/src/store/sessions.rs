//! Sessions: `PK = USER#<user>`, `SK = SESSION#<session>`, expiring by `expires_at`. A session
//! holds the hash and generation of its current refresh token, and the hashes of the last
//! [`SPENT_KEPT`] tokens it rotated away.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put};

use super::attr::{get_bool, get_n, get_s, n, req_n, req_s, s, Item};
use super::users::{self, UserRecord};
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub session_id: String,
    pub user_id: String,
    pub refresh_generation: u64,
    pub refresh_hash: String,
    /// Hashes of the tokens spent by the latest rotations, newest first. Presenting one of
    /// them is proof that a spent token was kept and replayed; a token too old to be listed
    /// cannot be told from a guess and only gets a 401.
    pub spent_refresh_hashes: Vec<String>,
    /// Epoch milliseconds, compared with the user's `sessions_valid_after`.
    pub created_at_ms: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

/// How many spent refresh tokens a session remembers: at one rotation per 15-minute access
/// token, the last four hours of a client's use.
pub const SPENT_KEPT: usize = 16;

pub const SPENT_ATTRIBUTE: &str = "spent_refresh_hashes";

/// The spent list after one more rotation: `spent_now` first, the oldest dropped past
/// [`SPENT_KEPT`].
pub fn spent_after_rotation(spent_now: &str, earlier: &[String]) -> Vec<String> {
    std::iter::once(spent_now.to_owned())
        .chain(earlier.iter().cloned())
        .take(SPENT_KEPT)
        .collect()
}

pub fn session_key(user_id: &str, session_id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(users::user_pk(user_id))),
        (SORT_KEY.to_owned(), s(format!("SESSION#{session_id}"))),
    ])
}

impl SessionRecord {
    /// Usable at `now` (epoch seconds) for a user whose sessions created up to `valid_after_ms`
    /// were revoked.
    pub fn is_live(&self, now: i64, valid_after_ms: i64) -> bool {
        !self.revoked && self.expires_at > now && self.created_at_ms > valid_after_ms
    }

    pub fn put(&self, table: &str) -> anyhow::Result<Put> {
        let mut item = session_key(&self.user_id, &self.session_id);
        for (name, value) in [
            ("session_id", s(&self.session_id)),
            ("user_id", s(&self.user_id)),
            ("refresh_generation", n(self.refresh_generation)),
            ("refresh_hash", s(&self.refresh_hash)),
            ("created_at_ms", n(self.created_at_ms)),
            (TTL_ATTRIBUTE, n(self.expires_at)),
            ("revoked", AttributeValue::Bool(self.revoked)),
        ] {
            item.insert(name.to_owned(), value);
        }
        Ok(Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()?)
    }
}

impl TryFrom<&Item> for SessionRecord {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        Ok(Self {
            session_id: req_s(item, "session_id")?,
            user_id: req_s(item, "user_id")?,
            refresh_generation: req_n(item, "refresh_generation")?,
            refresh_hash: req_s(item, "refresh_hash")?,
            spent_refresh_hashes: item
                .get(SPENT_ATTRIBUTE)
                .and_then(|v| v.as_l().ok())
                .map(|list| list.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                .unwrap_or_default(),
            created_at_ms: req_n(item, "created_at_ms")?,
            expires_at: get_n(item, TTL_ATTRIBUTE).unwrap_or(0),
            revoked: get_bool(item, "revoked").unwrap_or(false),
        })
    }
}

/// The user and one of their sessions in a single `BatchGetItem`.
pub async fn get_with_user(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
    session_id: &str,
) -> anyhow::Result<(Option<UserRecord>, Option<SessionRecord>)> {
    let keys = KeysAndAttributes::builder()
        .keys(users::profile_key(user_id))
        .keys(session_key(user_id, session_id))
        .consistent_read(true)
        .build()?;
    let mut request = Some(keys);
    let mut items: Vec<Item> = Vec::with_capacity(2);
    // Unprocessed keys are rare (throttling); retry them a couple of times.
    for _ in 0..3 {
        let Some(keys) = request.take() else { break };
        let output = dynamodb
            .batch_get_item()
            .request_items(table, keys)
            .send()
            .await
            .context("Failed to read the session")?;
        if let Some(found) = output.responses().and_then(|r| r.get(table)) {
            items.extend(found.iter().cloned());
        }
        request = output
            .unprocessed_keys()
            .and_then(|u| u.get(table))
            .filter(|k| !k.keys().is_empty())
            .cloned();
    }
    let mut user = None;
    let mut session = None;
    for item in &items {
        match get_s(item, SORT_KEY) {
            Some(users::PROFILE_SK) => user = Some(UserRecord::try_from(item)?),
            Some(sk) if sk.starts_with("SESSION#") => {
                session = Some(SessionRecord::try_from(item)?)
            }
            _ => {}
        }
    }
    Ok((user, session))
}

/// Marks one session revoked (logout, refresh-token reuse). One `UpdateItem`.
pub async fn revoke(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
    session_id: &str,
) -> anyhow::Result<()> {
    dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(session_key(user_id, session_id)))
        .update_expression("SET revoked = :yes")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":yes", AttributeValue::Bool(true))
        .send()
        .await
        .map(|_| ())
        .or_else(|err| {
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception())
            {
                Ok(())
            } else {
                Err(anyhow::Error::new(err).context("Failed to revoke the session"))
            }
        })
}

/// One rotation of a session's refresh token: from the token presented to its successor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation<'a> {
    pub from_generation: u64,
    pub from_hash: &'a str,
    pub to_generation: u64,
    pub to_hash: &'a str,
}

/// Whether a rotation won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotated {
    Done,
    /// Another request rotated the presented token first (or the session was revoked): two
    /// holders of one refresh token.
    Lost,
}

/// Moves `session` to the next refresh token, conditional on the presented one still being
/// current and the session not revoked; the presented hash joins the spent list. One
/// `UpdateItem`.
pub async fn rotate(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    session: &SessionRecord,
    rotation: Rotation<'_>,
) -> anyhow::Result<Rotated> {
    let spent = spent_after_rotation(rotation.from_hash, &session.spent_refresh_hashes);
    let result = dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(session_key(&session.user_id, &session.session_id)))
        .update_expression(
            "SET refresh_generation = :next, refresh_hash = :next_hash, #spent = :spent",
        )
        .condition_expression(
            "refresh_generation = :current AND refresh_hash = :current_hash AND revoked = :no",
        )
        .expression_attribute_values(":next", n(rotation.to_generation))
        .expression_attribute_values(":next_hash", s(rotation.to_hash))
        .expression_attribute_values(":current", n(rotation.from_generation))
        .expression_attribute_names("#spent", SPENT_ATTRIBUTE)
        .expression_attribute_values(
            ":spent",
            AttributeValue::L(spent.into_iter().map(AttributeValue::S).collect()),
        )
        .expression_attribute_values(":current_hash", s(rotation.from_hash))
        .expression_attribute_values(":no", AttributeValue::Bool(false))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Rotated::Done),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(Rotated::Lost)
        }
        Err(err) => Err(anyhow::Error::new(err).context("Failed to rotate the refresh token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spent_list_keeps_the_newest_first_and_no_more_than_its_bound() {
        assert_eq!(spent_after_rotation("a", &[]), ["a"]);
        let full: Vec<String> = (0..SPENT_KEPT).map(|i| format!("h{i}")).collect();
        let next = spent_after_rotation("new", &full);
        assert_eq!(next.len(), SPENT_KEPT);
        assert_eq!(next[0], "new");
        assert_eq!(next[1], "h0");
        assert!(!next.contains(&format!("h{}", SPENT_KEPT - 1)));
    }
}
