//! Reading profiles and uniqueness claims: one `GetItem` each.

use anyhow::Context;

use super::keys::{profile_key, unique_key};
use super::record::UserRecord;
use crate::store::attr::get_s;

/// The user id behind an email or phone claim (one `GetItem`).
pub async fn find_user_id(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    claim_pk: String,
) -> anyhow::Result<Option<String>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(unique_key(claim_pk)))
        .send()
        .await
        .context("Failed to read an email/phone claim")?;
    Ok(output
        .item()
        .and_then(|item| get_s(item, "user_id"))
        .map(str::to_owned))
}

/// The profile behind an email or phone claim: the claim's `GetItem`, then the profile's.
pub async fn by_claim(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    claim_pk: String,
) -> anyhow::Result<Option<UserRecord>> {
    match find_user_id(dynamodb, table, claim_pk).await? {
        Some(user_id) => get(dynamodb, table, &user_id).await,
        None => Ok(None),
    }
}

/// One user profile (one `GetItem`, strongly consistent so a just-written status counts).
pub async fn get(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user_id: &str,
) -> anyhow::Result<Option<UserRecord>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(profile_key(user_id)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read a user")?;
    output.item().map(UserRecord::try_from).transpose()
}
