//! Counters the admin dashboard reads instead of scanning. Each moves in the same transaction as
//! the write it counts (registration, admin creation, instructor verification, booking), so the
//! numbers never drift from the data.
//!
//! | item              | PK                                 | SK         | attributes                       |
//! |-------------------|------------------------------------|------------|----------------------------------|
//! | totals            | `STATS`, `STATS#<shard>`           | `COUNTERS` | `users_STUDENT`, `users_INSTRUCTOR`, `users_ADMIN`, `pending_verifications`, `revenue_paid_cents` |
//! | one day's bookings| `STATS#BOOKINGS#<yyyy-mm-dd>`, `…#<shard>` | `COUNTERS` | `bookings_created`  |
//!
//! The day is the Africa/Johannesburg calendar day, the one the business runs on. Counters are
//! created by their first `ADD`; a missing item or attribute reads as 0.
//!
//! Each counter is sharded (`store::shards`): a write `ADD`s to the shard of the entity it
//! counts (the account, the instructor, the booking), so a reversal lands where its increment
//! did; a read fetches every shard of both items in one `BatchGetItem` and sums them.

use std::collections::BTreeMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::{KeysAndAttributes, Update};
use serde::Serialize;

use super::attr::{get_n, n, s, Item};
use super::shards;
use crate::domain::Role;
use crate::schema::{PARTITION_KEY, SORT_KEY};

pub const TOTALS_PK: &str = "STATS";
pub const COUNTERS_SK: &str = "COUNTERS";
pub const PENDING_VERIFICATIONS: &str = "pending_verifications";
pub const BOOKINGS_CREATED: &str = "bookings_created";
/// Cents students paid, less refunds (moved by the payment transactions).
pub const REVENUE_PAID: &str = "revenue_paid_cents";
const TIME_ZONE: &str = "Africa/Johannesburg";
const ROLES: [Role; 3] = [Role::Student, Role::Instructor, Role::Admin];

fn key(pk: String) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(pk)),
        (SORT_KEY.to_owned(), s(COUNTERS_SK)),
    ])
}

/// The totals item the entity `id` counts in.
pub fn totals_key(id: &str) -> Item {
    key(shards::key_for(TOTALS_PK, id))
}

fn bookings_day_pk(date: &str) -> String {
    format!("STATS#BOOKINGS#{date}")
}

/// The day's bookings item booking `id` counts in.
pub fn bookings_day_key(date: &str, id: &str) -> Item {
    key(shards::key_for(&bookings_day_pk(date), id))
}

pub fn users_attribute(role: Role) -> String {
    format!("users_{}", role.as_str())
}

/// The Africa/Johannesburg calendar day of `at`, as `yyyy-mm-dd`.
pub fn local_date(at: jiff::Timestamp) -> String {
    match jiff::tz::TimeZone::get(TIME_ZONE) {
        Ok(tz) => at.to_zoned(tz).date().to_string(),
        // The zone database is bundled; South Africa has no daylight saving, so UTC+2 is exact.
        Err(_) => (at + jiff::SignedDuration::from_hours(2))
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    }
}

/// `ADD` of the given deltas to one counter item.
fn add(table: &str, key: Item, deltas: &[(&str, i64)]) -> anyhow::Result<Update> {
    let mut builder = Update::builder().table_name(table).set_key(Some(key));
    let mut parts = Vec::with_capacity(deltas.len());
    for (i, (name, delta)) in deltas.iter().enumerate() {
        builder = builder
            .expression_attribute_names(format!("#c{i}"), *name)
            .expression_attribute_values(format!(":d{i}"), n(delta));
        parts.push(format!("#c{i} :d{i}"));
    }
    Ok(builder
        .update_expression(format!("ADD {}", parts.join(", ")))
        .build()?)
}

/// For the transaction that creates account `user_id` of `role`; an instructor also joins the
/// queue of pending verifications.
pub fn user_created_update(table: &str, role: Role, user_id: &str) -> anyhow::Result<Update> {
    let users = users_attribute(role);
    let mut deltas = vec![(users.as_str(), 1)];
    if role == Role::Instructor {
        deltas.push((PENDING_VERIFICATIONS, 1));
    }
    add(table, totals_key(user_id), &deltas)
}

/// For the transaction that deletes a never-verified account of `role`: what
/// [`user_created_update`] added comes off again (the pending verification too, when the
/// instructor was still waiting for an admin).
pub fn user_deleted_update(
    table: &str,
    role: Role,
    waiting_for_admin: bool,
    user_id: &str,
) -> anyhow::Result<Update> {
    let users = users_attribute(role);
    let mut deltas = vec![(users.as_str(), -1)];
    if waiting_for_admin {
        deltas.push((PENDING_VERIFICATIONS, -1));
    }
    add(table, totals_key(user_id), &deltas)
}

/// For the transaction that verifies or rejects instructor `instructor_id`: `delta` is -1 when
/// the instructor leaves the pending queue, +1 if one ever re-enters it.
pub fn pending_verifications_update(
    table: &str,
    delta: i64,
    instructor_id: &str,
) -> anyhow::Result<Update> {
    add(
        table,
        totals_key(instructor_id),
        &[(PENDING_VERIFICATIONS, delta)],
    )
}

/// For a payment transaction of booking `booking_id`: `delta_cents` more (a payment) or less
/// (a refund) revenue.
pub fn revenue_update(table: &str, delta_cents: i64, booking_id: &str) -> anyhow::Result<Update> {
    add(
        table,
        totals_key(booking_id),
        &[(REVENUE_PAID, delta_cents)],
    )
}

/// For the transaction that creates booking `booking_id` at `created_at`: counts it on that
/// local day.
pub fn booking_created_update(
    table: &str,
    booking_id: &str,
    created_at: jiff::Timestamp,
) -> anyhow::Result<Update> {
    add(
        table,
        bookings_day_key(&local_date(created_at), booking_id),
        &[(BOOKINGS_CREATED, 1)],
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub users_by_role: BTreeMap<&'static str, i64>,
    pub total_users: i64,
    pub pending_verifications: i64,
    /// The local day `bookings_today` counts.
    pub date: String,
    pub bookings_today: i64,
    /// Rand students paid, less refunds.
    #[schema(value_type = f64)]
    pub revenue_paid: crate::domain::Rands,
}

impl Stats {
    /// The sums over the shards of the totals and of the day's bookings.
    fn from_items(totals: &[&Item], day: &[&Item], date: String) -> Self {
        let count = |items: &[&Item], name: &str| {
            items
                .iter()
                .filter_map(|i| get_n::<i64>(i, name))
                .sum::<i64>()
        };
        let users_by_role: BTreeMap<&'static str, i64> = ROLES
            .iter()
            .map(|role| (role.as_str(), count(totals, &users_attribute(*role))))
            .collect();
        Self {
            total_users: users_by_role.values().sum(),
            users_by_role,
            pending_verifications: count(totals, PENDING_VERIFICATIONS),
            date,
            bookings_today: count(day, BOOKINGS_CREATED),
            revenue_paid: crate::domain::Rands::from_cents(count(totals, REVENUE_PAID)),
        }
    }
}

/// Every shard of the totals and of today's bookings in one `BatchGetItem` (2 × `SHARDS`
/// keys, within its 100).
pub async fn read(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    now: jiff::Timestamp,
) -> anyhow::Result<Stats> {
    let date = local_date(now);
    let (totals_pks, day_pks) = (
        shards::all_keys(TOTALS_PK),
        shards::all_keys(&bookings_day_pk(&date)),
    );
    let keys = totals_pks
        .iter()
        .chain(&day_pks)
        .fold(KeysAndAttributes::builder(), |keys, pk| {
            keys.keys(key(pk.clone()))
        })
        .consistent_read(true)
        .build()?;
    let output = dynamodb
        .batch_get_item()
        .request_items(table, keys)
        .send()
        .await
        .context("Failed to read the statistics")?;
    if output
        .unprocessed_keys()
        .and_then(|u| u.get(table))
        .is_some_and(|k| !k.keys().is_empty())
    {
        anyhow::bail!("the statistics read was throttled");
    }
    let items = output
        .responses()
        .and_then(|r| r.get(table))
        .cloned()
        .unwrap_or_default();
    let of = |pks: &[String]| -> Vec<&Item> {
        items
            .iter()
            .filter(|item| {
                item.get(PARTITION_KEY)
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|v| pks.contains(v))
            })
            .collect()
    };
    Ok(Stats::from_items(&of(&totals_pks), &of(&day_pks), date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_johannesburgs() {
        let late_utc: jiff::Timestamp = "2026-03-01T22:30:00Z".parse().expect("timestamp");
        assert_eq!(local_date(late_utc), "2026-03-02");
        let early_utc: jiff::Timestamp = "2026-03-01T21:59:59Z".parse().expect("timestamp");
        assert_eq!(local_date(early_utc), "2026-03-01");
    }

    #[test]
    fn an_instructor_registration_counts_the_user_and_the_pending_verification() {
        let update = user_created_update("t", Role::Instructor, "u1").expect("update");
        assert_eq!(update.update_expression(), "ADD #c0 :d0, #c1 :d1");
        let names = update.expression_attribute_names().expect("names");
        assert_eq!(names["#c0"], "users_INSTRUCTOR");
        assert_eq!(names["#c1"], PENDING_VERIFICATIONS);
        let student = user_created_update("t", Role::Student, "u2").expect("update");
        assert_eq!(student.update_expression(), "ADD #c0 :d0");
    }

    #[test]
    fn missing_counters_read_as_zero() {
        let stats = Stats::from_items(&[], &[], "2026-01-01".into());
        assert_eq!(stats.total_users, 0);
        assert_eq!(stats.users_by_role["STUDENT"], 0);
        assert_eq!(stats.bookings_today, 0);
    }

    #[test]
    fn a_reversal_lands_on_the_shard_of_its_increment_and_reads_sum_the_shards() {
        let created = user_created_update("t", Role::Instructor, "u9").expect("update");
        let deleted = user_deleted_update("t", Role::Instructor, true, "u9").expect("update");
        let verified = pending_verifications_update("t", -1, "u9").expect("update");
        assert_eq!(created.key(), deleted.key());
        assert_eq!(created.key(), verified.key());
        let shard = |pk: &str| -> Item {
            Item::from([
                (PARTITION_KEY.to_owned(), s(pk)),
                ("users_STUDENT".to_owned(), n(2)),
                (PENDING_VERIFICATIONS.to_owned(), n(1)),
                (REVENUE_PAID.to_owned(), n(-500)),
            ])
        };
        let (a, b) = (shard("STATS"), shard("STATS#3"));
        let day = Item::from([(BOOKINGS_CREATED.to_owned(), n(4))]);
        let stats = Stats::from_items(&[&a, &b], &[&day, &day], "2026-01-01".into());
        assert_eq!(stats.users_by_role["STUDENT"], 4);
        assert_eq!(stats.total_users, 4);
        assert_eq!(stats.pending_verifications, 2);
        assert_eq!(stats.bookings_today, 8);
        assert_eq!(stats.revenue_paid.cents(), -1000);
    }
}
