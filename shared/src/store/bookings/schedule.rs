//! What the jobs function finds bookings by, without walking them all.
//!
//! | item               | PK                     | SK                | GSI2PK             | GSI2SK               |
//! |--------------------|------------------------|-------------------|--------------------|----------------------|
//! | pending deadline   | `BOOKING#<id>`         | `PENDING_DEADLINE`| `PENDING_BOOKINGS` (sharded by the id, `store::shards`) | `<deadline>#<id>` |
//! | reminder claim     | `REMINDER#<id>#<start>`| `REMINDER`        |                    |                      |
//!
//! The deadline item is written with the booking: the moment it must be confirmed by (48 hours
//! after it was made, or its start if sooner). The jobs function reads the deadlines that have
//! passed and cancels those still pending. The reminder claim is put, conditional on not
//! existing, in the transaction that stores a lesson's reminder notices: one reminder per
//! booking and start, whatever the retries (a rescheduled lesson has a new start).

use anyhow::Context;
use aws_sdk_dynamodb::types::{Delete, Put};

use super::keys::booking_key;
use super::record::BookingRecord;
use crate::schema::{GSI2, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_s, n, s, Item};
use crate::store::transact::Write;
use crate::store::work_index;

const DEADLINE_SK: &str = "PENDING_DEADLINE";
const DEADLINE_INDEX_PK: &str = "PENDING_BOOKINGS";
/// A pending booking not confirmed within this is cancelled.
pub const CONFIRM_WITHIN_SECS: i64 = 48 * 3600;

fn deadline_key(booking_id: &str) -> Item {
    let mut key = booking_key(booking_id);
    key.insert(SORT_KEY.to_owned(), s(DEADLINE_SK));
    key
}

/// When `booking` must be confirmed by: 48 hours after it was made or its start, whichever
/// comes first (RFC 3339 UTC, as both are stored).
pub fn confirm_deadline(booking: &BookingRecord) -> anyhow::Result<jiff::Timestamp> {
    let created: jiff::Timestamp = booking.created_at.parse().context("booking created_at")?;
    let start: jiff::Timestamp = booking
        .lesson_start
        .parse()
        .context("booking lesson_start")?;
    let by = created + jiff::SignedDuration::from_secs(CONFIRM_WITHIN_SECS);
    Ok(by.min(start))
}

/// The deadline item of a new booking, for its creation transaction.
pub fn deadline_put(table: &str, booking: &BookingRecord) -> anyhow::Result<Write> {
    deadline_put_at(table, booking, confirm_deadline(booking)?)
}

/// The deadline item of a booking a student's move made pending again at `now`: 48 hours from
/// then, or its new start if sooner.
pub fn repending_deadline_put(
    table: &str,
    moved: &BookingRecord,
    now: jiff::Timestamp,
) -> anyhow::Result<Write> {
    let start: jiff::Timestamp = moved.lesson_start.parse().context("booking lesson_start")?;
    let by = now + jiff::SignedDuration::from_secs(CONFIRM_WITHIN_SECS);
    deadline_put_at(table, moved, by.min(start))
}

fn deadline_put_at(
    table: &str,
    booking: &BookingRecord,
    deadline: jiff::Timestamp,
) -> anyhow::Result<Write> {
    let mut item = deadline_key(&booking.id);
    item.insert("booking_id".into(), s(&booking.id));
    item.insert(
        GSI2.partition_key.into(),
        s(work_index::partition_of(DEADLINE_INDEX_PK, &booking.id)),
    );
    item.insert(
        GSI2.sort_key.into(),
        s(format!(
            "{}#{}",
            crate::domain::lesson::quarter_key(deadline),
            booking.id
        )),
    );
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .build()?,
    ))
}

/// Removes a booking's deadline item, for the transaction that cancels it (or alone, once the
/// booking is no longer pending).
pub fn deadline_delete(table: &str, booking_id: &str) -> anyhow::Result<Write> {
    Ok(Write::from(
        Delete::builder()
            .table_name(table)
            .set_key(Some(deadline_key(booking_id)))
            .build()?,
    ))
}

/// Ids of up to `limit` bookings whose deadline is at or before `now` (one `Query` per shard).
pub async fn past_deadline(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    now: jiff::Timestamp,
    limit: i32,
) -> anyhow::Result<Vec<String>> {
    let bound = format!("{}~", crate::domain::lesson::quarter_key(now));
    let items = work_index::due(db, table, DEADLINE_INDEX_PK, bound, limit).await?;
    Ok(items
        .iter()
        .filter_map(|item| get_s(item, "booking_id").map(str::to_owned))
        .collect())
}

/// The reminder claim of `booking` at its current start, conditional on not existing, for the
/// transaction that stores its reminder notices. It expires a day after the lesson.
pub fn reminder_claim(table: &str, booking: &BookingRecord) -> anyhow::Result<Write> {
    let start: jiff::Timestamp = booking
        .lesson_start
        .parse()
        .context("booking lesson_start")?;
    let item = Item::from([
        (
            PARTITION_KEY.to_owned(),
            s(format!("REMINDER#{}#{}", booking.id, booking.lesson_start)),
        ),
        (SORT_KEY.to_owned(), s("REMINDER")),
        (TTL_ATTRIBUTE.to_owned(), n(start.as_second() + 24 * 3600)),
    ]);
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(created: &str, start: &str) -> BookingRecord {
        BookingRecord {
            id: "b1".into(),
            instructor_id: "i".into(),
            student_id: "s".into(),
            instructor_name: "I".into(),
            student_name: "S".into(),
            instructor_email: "i@example.co.za".into(),
            student_email: "s@example.co.za".into(),
            lesson_start: start.into(),
            duration_minutes: 60,
            status: crate::domain::BookingStatus::Pending,
            price: crate::domain::Rands::from_cents(30_000),
            pickup_address: "1 Main Road".into(),
            pickup_latitude: None,
            pickup_longitude: None,
            created_at: created.into(),
            updated_at: created.into(),
            cancel_reason: None,
            cancelled_by: None,
            reviewed: false,
            rescheduled_from: None,
            reschedule_count: 0,
            payment: Default::default(),
        }
    }

    #[test]
    fn a_booking_must_be_confirmed_within_48_hours_or_by_its_start() {
        let far = booking("2026-03-01T08:00:00Z", "2026-03-10T08:00:00Z");
        assert_eq!(
            quarter_key_of(confirm_deadline(&far).expect("deadline")),
            "2026-03-03T08:00:00Z"
        );
        let soon = booking("2026-03-01T08:00:00Z", "2026-03-02T09:00:00Z");
        assert_eq!(
            quarter_key_of(confirm_deadline(&soon).expect("deadline")),
            "2026-03-02T09:00:00Z"
        );
    }

    fn quarter_key_of(at: jiff::Timestamp) -> String {
        crate::domain::lesson::quarter_key(at)
    }
}
