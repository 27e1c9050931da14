//! How a verified instructor becomes findable. The profile item (`USER#<id>`/`PROFILE`) carries
//! two sparse index keys that exist only while the instructor is verified:
//!
//! | index | partition key             | sort key                 | serves                    |
//! |-------|---------------------------|--------------------------|---------------------------|
//! | GSI2  | `CITY#<city slug>`        | `<last name>#<id>`       | `GET /instructors?city=`  |
//! | GSI3  | `GEO#<geohash, 3 chars>`  | `<geohash, 7 chars>#<id>`| `GET /instructors/nearby` |
//!
//! Unverified or rejected instructors have neither key, so no listing can show them, and no
//! listing needs a filter to hide them.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Update};

use crate::schema::{GSI1, GSI2, GSI3};
use crate::store::attr::{s, Item, QueryPage};
use crate::store::stats;
use crate::store::transact::Write;
use crate::store::users::{self, UserRecord};

/// A geohash cell of this many characters is about 156 km × 156 km at the equator: a nearby
/// search of up to 100 km touches at most 3 × 3 of them.
pub const COARSE_CELL_LEN: usize = 3;
const FINE_CELL_LEN: usize = 7;

pub const VERIFIED: &str = "VERIFIED";
pub const PENDING: &str = "PENDING";
pub const REJECTED: &str = "REJECTED";

/// `Cape Town` → `cape-town`: the city part of the listing key.
pub fn city_slug(city: &str) -> String {
    city.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

pub fn geohash_of(lat: f64, lng: f64, len: usize) -> Option<String> {
    geohash::encode(geohash::Coord { x: lng, y: lat }, len).ok()
}

/// The GSI2/GSI3 attributes of a verified instructor.
pub fn listing_keys(
    user_id: &str,
    city: &str,
    last_name: &str,
    lat: f64,
    lng: f64,
) -> Vec<(&'static str, AttributeValue)> {
    let mut keys = vec![
        (GSI2.partition_key, s(format!("CITY#{}", city_slug(city)))),
        (
            GSI2.sort_key,
            s(format!("{}#{user_id}", last_name.to_lowercase())),
        ),
    ];
    if let (Some(coarse), Some(fine)) = (
        geohash_of(lat, lng, COARSE_CELL_LEN),
        geohash_of(lat, lng, FINE_CELL_LEN),
    ) {
        keys.push((GSI3.partition_key, s(format!("GEO#{coarse}"))));
        keys.push((GSI3.sort_key, s(format!("{fine}#{user_id}"))));
    }
    keys
}

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
    pub fn verification(self) -> &'static str {
        match self {
            Self::Verify => VERIFIED,
            Self::Reject => REJECTED,
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
        .expression_attribute_values(":verification", s(decision.verification()));
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
    let mut writes = vec![Write::from(unless_changed(update, &details.verification))];
    let delta = pending_delta(&details.verification);
    if delta != 0 {
        writes.push(Write::from(stats::pending_verifications_update(
            table, delta,
        )?));
    }
    Ok(writes)
}

fn unless_changed(mut update: Update, read: &str) -> Update {
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
        .insert(":read_verification".into(), s(read));
    update
}

/// How the pending queue changes when an instructor goes from `read` to verified/rejected.
fn pending_delta(read: &str) -> i64 {
    if read == PENDING {
        -1
    } else {
        0
    }
}

/// A page of verified instructors in one city (`GSI2`, `CITY#<slug>`): one `Query`.
pub async fn by_city(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    city_slug: &str,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<UserRecord>> {
    let output = dynamodb
        .query()
        .table_name(table)
        .index_name(GSI2.name)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", GSI2.partition_key)
        .expression_attribute_values(":pk", s(format!("CITY#{city_slug}")))
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .context("Failed to list instructors")?;
    QueryPage::of(
        output.items(),
        output.last_evaluated_key(),
        UserRecord::try_from,
    )
}

/// A page of all verified instructors: the instructors' `GSI1` partition, filtered on
/// verification (a page may hold fewer than `limit`). One `Query`.
pub async fn all_verified(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<UserRecord>> {
    let output = dynamodb
        .query()
        .table_name(table)
        .index_name(GSI1.name)
        .key_condition_expression("#pk = :pk")
        .filter_expression("verification = :verified")
        .expression_attribute_names("#pk", GSI1.partition_key)
        .expression_attribute_values(
            ":pk",
            s(users::role_index_pk(crate::auth::Role::Instructor)),
        )
        .expression_attribute_values(":verified", s(VERIFIED))
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .context("Failed to list instructors")?;
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
            .expression_attribute_values(":pk", s(format!("GEO#{cell}")))
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
        let guarded = unless_changed(update, PENDING);
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
        assert_eq!(pending_delta(PENDING), -1);
        assert_eq!(pending_delta(VERIFIED), 0);
        assert_eq!(pending_delta(REJECTED), 0);
    }

    #[test]
    fn city_slugs_ignore_case_and_spacing() {
        assert_eq!(city_slug("Cape Town"), "cape-town");
        assert_eq!(city_slug("  cape   TOWN "), "cape-town");
    }

    #[test]
    fn listing_keys_place_nearby_instructors_in_the_same_coarse_cell() {
        let cape_town = listing_keys("a", "Cape Town", "Naidoo", -33.9249, 18.4241);
        let same_city = listing_keys("b", "Cape Town", "Botha", -33.93, 18.43);
        let cell = |keys: &[(&str, AttributeValue)]| {
            keys.iter()
                .find(|(n, _)| *n == GSI3.partition_key)
                .and_then(|(_, v)| v.as_s().ok().cloned())
        };
        assert_eq!(cell(&cape_town), cell(&same_city));
        assert!(cell(&cape_town).is_some_and(|c| c.len() == "GEO#".len() + COARSE_CELL_LEN));
    }
}
