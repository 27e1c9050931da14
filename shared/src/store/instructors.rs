//! Verified instructors: the listings they appear in and the admins' decisions on them.
//! The sparse listing keys are built in [`super::listing`].

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Update};

use super::listing::{city_pk, geo_pk};
pub use super::listing::{city_slug, geohash_of, listing_keys, COARSE_CELL_LEN};
use crate::domain::{Role, Verification};
use crate::schema::{GSI1, GSI2, GSI3};
use crate::store::attr::{s, Item, QueryPage};
use crate::store::stats;
use crate::store::transact::Write;
use crate::store::users::{self, UserRecord};

/// An admin's decision on an instructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Listed: the listing keys are added.
    Verify,
    /// Not listed: the listing keys are removed.
    Reject,
}

impl Decision {
    /// The verification the decision leaves.
    pub fn verification(self) -> Verification {
        match self {
            Self::Verify => Verification::Verified,
            Self::Reject => Verification::Rejected,
        }
    }
}

/// The update that marks an instructor verified (listing keys added) or rejected (removed),
/// conditional on the profile being an instructor's.
pub fn verification_update(
    table: &str,
    user_id: &str,
    decision: Decision,
    listing: Vec<(&'static str, AttributeValue)>,
    now: &str,
) -> anyhow::Result<Update> {
    let verified = decision == Decision::Verify;
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(users::profile_key(user_id)))
        .condition_expression("#role = :instructor")
        .expression_attribute_names("#role", "role")
        .expression_attribute_names("#verification", "verification")
        .expression_attribute_values(":instructor", s("INSTRUCTOR"))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":verification", s(decision.verification().as_str()));
    let expression = if verified {
        let mut sets = vec![
            "#verification = :verification".to_owned(),
            "updated_at = :now".to_owned(),
        ];
        for (i, (name, value)) in listing.into_iter().enumerate() {
            builder = builder
                .expression_attribute_names(format!("#k{i}"), name)
                .expression_attribute_values(format!(":k{i}"), value);
            sets.push(format!("#k{i} = :k{i}"));
        }
        format!("SET {}", sets.join(", "))
    } else {
        let index_keys = [
            GSI2.partition_key,
            GSI2.sort_key,
            GSI3.partition_key,
            GSI3.sort_key,
        ];
        format!(
            "SET #verification = :verification, updated_at = :now REMOVE {}",
            index_keys.join(", ")
        )
    };
    Ok(builder.update_expression(expression).build()?)
}

/// The writes of an admin's decision on `user` (an instructor): the verification update, on
/// condition that the verification is still the one read, and the pending-queue counter when
/// the instructor leaves it. The caller adds the audit entry.
pub fn decision_writes(
    table: &str,
    user: &UserRecord,
    decision: Decision,
    now: &str,
) -> anyhow::Result<Vec<Write>> {
    let details = user
        .instructor
        .as_ref()
        .context("only an instructor can be verified")?;
    let listing = listing_keys(
        &user.user_id,
        &user.city,
        &user.last_name,
        details.latitude,
        details.longitude,
    );
    let update = verification_update(table, &user.user_id, decision, listing, now)?;
    let mut writes = vec![Write::from(unless_changed(update, details.verification))];
    let delta = pending_delta(details.verification);
    if delta != 0 {
        writes.push(Write::from(stats::pending_verifications_update(
            table,
            delta,
            &user.user_id,
        )?));
    }
    Ok(writes)
}

fn unless_changed(mut update: Update, read: Verification) -> Update {
    update.condition_expression = Some(match update.condition_expression.take() {
        Some(condition) => format!("({condition}) AND #verification = :read_verification"),
        None => "#verification = :read_verification".to_owned(),
    });
    update
        .expression_attribute_names
        .get_or_insert_with(Default::default)
        .insert("#verification".into(), "verification".into());
    update
        .expression_attribute_values
        .get_or_insert_with(Default::default)
        .insert(":read_verification".into(), s(read.as_str()));
    update
}

/// How the pending queue changes when an instructor goes from `read` to verified/rejected.
fn pending_delta(read: Verification) -> i64 {
    if read == Verification::Pending {
        -1
    } else {
        0
    }
}

/// Which listing a page comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing<'a> {
    /// Verified instructors in one city (`GSI2`, by the city's slug).
    City(&'a str),
    /// All verified instructors: the instructors' `GSI1` partition, filtered on verification
    /// (a page may hold fewer than `limit`).
    Everywhere,
}

/// A page of a listing: one `Query`.
pub async fn listed(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    listing: Listing<'_>,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<UserRecord>> {
    let request = dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .limit(limit)
        .set_exclusive_start_key(start);
    let request = match listing {
        Listing::City(slug) => request
            .index_name(GSI2.name)
            .expression_attribute_names("#pk", GSI2.partition_key)
            .expression_attribute_values(":pk", s(city_pk(slug))),
        Listing::Everywhere => request
            .index_name(GSI1.name)
            .filter_expression("verification = :verified")
            .expression_attribute_names("#pk", GSI1.partition_key)
            .expression_attribute_values(":pk", s(users::role_index_pk(Role::Instructor)))
            .expression_attribute_values(":verified", s(Verification::Verified.as_str())),
    };
    let output = request.send().await.context("Failed to list instructors")?;
    QueryPage::of(
        output.items(),
        output.last_evaluated_key(),
        UserRecord::try_from,
    )
}

/// Every verified instructor listed in one coarse geohash cell (`GSI3`, `GEO#<cell>`), up to
/// `max_pages` `Query` pages.
pub async fn in_cell(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    cell: &str,
    max_pages: usize,
) -> anyhow::Result<Vec<UserRecord>> {
    let mut members = Vec::new();
    let mut start: Option<Item> = None;
    for _ in 0..max_pages {
        let output = dynamodb
            .query()
            .table_name(table)
            .index_name(GSI3.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", GSI3.partition_key)
            .expression_attribute_values(":pk", s(geo_pk(cell)))
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .context("Failed to search a cell")?;
        for item in output.items() {
            members.push(UserRecord::try_from(item)?);
        }
        match output.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => break,
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_is_conditional_on_the_verification_read() {
        let update = verification_update(
            "t",
            "u1",
            Decision::Verify,
            vec![],
            "2026-01-01T00:00:00.000Z",
        )
        .expect("update");
        let guarded = unless_changed(update, Verification::Pending);
        let condition = guarded.condition_expression().expect("condition");
        assert!(
            condition.ends_with("AND #verification = :read_verification"),
            "{condition}"
        );
        assert!(condition.starts_with('('), "{condition}");
        assert_eq!(
            guarded.expression_attribute_values().expect("values")[":read_verification"],
            AttributeValue::S("PENDING".into())
        );
    }

    #[test]
    fn only_leaving_the_pending_queue_moves_the_counter() {
        assert_eq!(pending_delta(Verification::Pending), -1);
        assert_eq!(pending_delta(Verification::Verified), 0);
        assert_eq!(pending_delta(Verification::Rejected), 0);
    }
}
