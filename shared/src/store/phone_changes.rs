//! A phone number waiting for its SMS code (`PATCH /users/me {"phone"}`, then
//! `POST /users/me/phone/confirm`). Only the code's hash is stored, it lives 10 minutes and
//! allows 5 wrong tries; redeeming it deletes it, so a code works once.
//!
//! | item          | PK          | SK             | TTL                |
//! |---------------|-------------|----------------|--------------------|
//! | pending phone | `USER#<id>` | `PHONE_CHANGE` | 10 minutes later   |

use anyhow::Context;
use aws_sdk_dynamodb::types::Put;
use sha2::{Digest, Sha256};

use crate::clock::Now;
use crate::domain::PhoneNumber;
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_s, n, s, Item};
use crate::store::transact::Write;
use crate::store::users::user_pk;
use crate::store::work_index;

const SK: &str = "PHONE_CHANGE";
pub const CODE_LIFETIME_SECS: i64 = 10 * 60;
pub const MAX_TRIES: i64 = 5;

fn key(user_id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(user_pk(user_id))),
        (SORT_KEY.to_owned(), s(SK)),
    ])
}

/// The stored form of a code: bound to its user, so one hash says nothing of another's code.
fn code_hash(user_id: &str, code: &str) -> String {
    let digest = Sha256::digest(format!("{user_id}:{code}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh 6-digit code.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// The pending change to `phone` with `code` (replacing any earlier one), for the caller's
/// transaction.
pub fn put(
    table: &str,
    user_id: &str,
    phone: &PhoneNumber,
    code: &str,
    now: Now,
) -> anyhow::Result<Write> {
    let mut item = key(user_id);
    item.insert("phone".into(), s(phone.as_str()));
    item.insert("code_hash".into(), s(code_hash(user_id, code)));
    item.insert("tries".into(), n(0));
    item.insert(TTL_ATTRIBUTE.into(), n(now.secs() + CODE_LIFETIME_SECS));
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .build()?,
    ))
}

/// Redeems `code`: deletes the pending change if the code matches, has not expired and has
/// tries left, returning the number it confirms (one conditional `DeleteItem`). A wrong code
/// uses up a try (one more `UpdateItem`) and answers `None`.
pub async fn redeem(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
    code: &str,
    now: Now,
) -> anyhow::Result<Option<PhoneNumber>> {
    let result = db
        .delete_item()
        .table_name(table)
        .set_key(Some(key(user_id)))
        .condition_expression("code_hash = :hash AND tries < :max AND #ttl > :now")
        .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
        .expression_attribute_values(":hash", s(code_hash(user_id, code)))
        .expression_attribute_values(":max", n(MAX_TRIES))
        .expression_attribute_values(":now", n(now.secs()))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await;
    match result {
        Ok(output) => {
            let phone = output
                .attributes()
                .and_then(|item| get_s(item, "phone"))
                .context("the redeemed phone change names no number")?;
            let phone =
                PhoneNumber::parse(phone).map_err(|e| anyhow::anyhow!("stored phone: {e}"))?;
            Ok(Some(phone))
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            count_wrong_try(db, table, user_id).await?;
            Ok(None)
        }
        Err(err) => Err(err).context("Failed to redeem the phone code"),
    }
}

async fn count_wrong_try(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
) -> anyhow::Result<()> {
    let result = db
        .update_item()
        .table_name(table)
        .set_key(Some(key(user_id)))
        .update_expression("ADD tries :one")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":one", n(1))
        .send()
        .await;
    work_index::written(result, "Failed to count a wrong phone code").map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6, "{code}");
            assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
        }
    }

    #[test]
    fn a_code_hash_is_bound_to_its_user() {
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_eq!(code_hash("a", "123456"), code_hash("a", "123456"));
        assert!(!code_hash("a", "123456").contains("123456"));
    }
}
