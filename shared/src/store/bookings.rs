//! Bookings and the slots that make double booking impossible.
//!
//! | item             | PK                          | SK              | GSI1 / GSI2 / GSI3                          |
//! |------------------|-----------------------------|-----------------|---------------------------------------------|
//! | booking          | `BOOKING#<id>`              | `BOOKING`       | `INSTRUCTOR_BOOKINGS#<i>` / `STUDENT_BOOKINGS#<s>` / `BOOKINGS`, each sorted by `<start>#<id>` |
//! | instructor slot  | `SLOT#INSTRUCTOR#<i>`       | `<quarter UTC>` |                                             |
//! | student slot     | `SLOT#STUDENT#<s>`          | `<quarter UTC>` |                                             |
//!
//! A lesson owns one slot item per quarter hour for its instructor and for its student. They
//! are put in the booking's transaction, each conditional on not existing: two students racing
//! for one slot cannot both win, a 10:30 lesson cannot overlap a 10:00–11:00 one, and a student
//! cannot hold two lessons at once. Cancelling deletes them in the same transaction as the
//! status change, so the slot is free again at once.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::attr::{get_bool, get_n, get_s, n, put_opt, req_n, req_s, s, Item};
use super::users;
use crate::domain::lesson::{quarter_key, LessonSlot};
use crate::schema::{GSI1, GSI2, GSI3, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

/// Slot items outlive their lesson by this much (then TTL removes them).
const SLOT_RETENTION_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    Pending,
    Confirmed,
    Completed,
    Cancelled,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "confirmed" => Some(Self::Confirmed),
            "completed" => Some(Self::Completed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }

    /// The lifecycle: pending → confirmed → completed; pending or confirmed → cancelled;
    /// completed and cancelled are final.
    pub fn can_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Pending, Self::Confirmed)
                | (Self::Confirmed, Self::Completed)
                | (Self::Pending, Self::Cancelled)
                | (Self::Confirmed, Self::Cancelled)
        )
    }

    /// The per-user counter attribute (see `users::BookingCounts`).
    pub fn counter(self) -> &'static str {
        match self {
            Self::Pending => "bookings_pending",
            Self::Confirmed => "bookings_confirmed",
            Self::Completed => "bookings_completed",
            Self::Cancelled => "bookings_cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingRecord {
    pub id: String,
    pub instructor_id: String,
    pub student_id: String,
    pub instructor_name: String,
    pub student_name: String,
    /// Where the booking notices go; kept on the booking so sending one costs no extra read.
    #[serde(skip)]
    pub instructor_email: String,
    #[serde(skip)]
    pub student_email: String,
    /// RFC 3339 UTC.
    pub lesson_start: String,
    pub duration_minutes: i64,
    pub status: BookingStatus,
    pub price_cents: i64,
    pub pickup_address: String,
    pub pickup_latitude: Option<f64>,
    pub pickup_longitude: Option<f64>,
    pub created_at: String,
    pub updated_at: String,
    pub cancel_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub reviewed: bool,
}

pub fn booking_key(id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(format!("BOOKING#{id}"))),
        (SORT_KEY.to_owned(), s("BOOKING")),
    ])
}

pub fn instructor_index_pk(instructor_id: &str) -> String {
    format!("INSTRUCTOR_BOOKINGS#{instructor_id}")
}

pub fn student_index_pk(student_id: &str) -> String {
    format!("STUDENT_BOOKINGS#{student_id}")
}

pub const ALL_BOOKINGS_PK: &str = "BOOKINGS";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Instructor,
    Student,
}

fn slot_key(party: Party, owner: &str, quarter: &str) -> Item {
    let kind = match party {
        Party::Instructor => "INSTRUCTOR",
        Party::Student => "STUDENT",
    };
    Item::from([
        (PARTITION_KEY.to_owned(), s(format!("SLOT#{kind}#{owner}"))),
        (SORT_KEY.to_owned(), s(quarter)),
    ])
}

pub fn slot_pk(party: Party, owner: &str) -> String {
    match slot_key(party, owner, "").remove(PARTITION_KEY) {
        Some(AttributeValue::S(pk)) => pk,
        _ => String::new(),
    }
}

impl BookingRecord {
    pub fn slot(&self) -> anyhow::Result<LessonSlot> {
        let start: jiff::Timestamp = self.lesson_start.parse().context("stored lesson_start")?;
        let duration = crate::domain::LessonDuration::parse(self.duration_minutes)
            .map_err(|e| anyhow::anyhow!("stored duration: {e}"))?;
        Ok(LessonSlot::from_stored(start, duration))
    }

    pub fn to_item(&self) -> Item {
        let order = format!("{}#{}", self.lesson_start, self.id);
        let mut item = booking_key(&self.id);
        let fields = [
            ("booking_id", s(&self.id)),
            ("instructor_id", s(&self.instructor_id)),
            ("student_id", s(&self.student_id)),
            ("instructor_name", s(&self.instructor_name)),
            ("student_name", s(&self.student_name)),
            ("instructor_email", s(&self.instructor_email)),
            ("student_email", s(&self.student_email)),
            ("lesson_start", s(&self.lesson_start)),
            ("duration_minutes", n(self.duration_minutes)),
            ("status", s(self.status.as_str())),
            ("price_cents", n(self.price_cents)),
            ("pickup_address", s(&self.pickup_address)),
            ("created_at", s(&self.created_at)),
            ("updated_at", s(&self.updated_at)),
            ("reviewed", AttributeValue::Bool(self.reviewed)),
            (
                GSI1.partition_key,
                s(instructor_index_pk(&self.instructor_id)),
            ),
            (GSI1.sort_key, s(&order)),
            (GSI2.partition_key, s(student_index_pk(&self.student_id))),
            (GSI2.sort_key, s(&order)),
            (GSI3.partition_key, s(ALL_BOOKINGS_PK)),
            (GSI3.sort_key, s(&order)),
        ];
        for (name, value) in fields {
            item.insert(name.to_owned(), value);
        }
        put_opt(&mut item, "pickup_latitude", self.pickup_latitude.map(n));
        put_opt(&mut item, "pickup_longitude", self.pickup_longitude.map(n));
        put_opt(
            &mut item,
            "cancel_reason",
            self.cancel_reason.as_ref().map(s),
        );
        put_opt(&mut item, "cancelled_by", self.cancelled_by.as_ref().map(s));
        item
    }
}

impl TryFrom<&Item> for BookingRecord {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        Ok(Self {
            id: req_s(item, "booking_id")?,
            instructor_id: req_s(item, "instructor_id")?,
            student_id: req_s(item, "student_id")?,
            instructor_name: req_s(item, "instructor_name")?,
            student_name: req_s(item, "student_name")?,
            instructor_email: get_s(item, "instructor_email")
                .unwrap_or_default()
                .to_owned(),
            student_email: get_s(item, "student_email").unwrap_or_default().to_owned(),
            lesson_start: req_s(item, "lesson_start")?,
            duration_minutes: req_n(item, "duration_minutes")?,
            status: get_s(item, "status")
                .and_then(BookingStatus::parse)
                .context("booking has no valid status")?,
            price_cents: req_n(item, "price_cents")?,
            pickup_address: req_s(item, "pickup_address")?,
            pickup_latitude: get_n(item, "pickup_latitude"),
            pickup_longitude: get_n(item, "pickup_longitude"),
            created_at: req_s(item, "created_at")?,
            updated_at: req_s(item, "updated_at")?,
            cancel_reason: get_s(item, "cancel_reason").map(str::to_owned),
            cancelled_by: get_s(item, "cancelled_by").map(str::to_owned),
            reviewed: get_bool(item, "reviewed").unwrap_or(false),
        })
    }
}

/// `ADD` to one user's booking counters, for a transaction that changes a booking.
pub fn counter_update(
    table: &str,
    user_id: &str,
    changes: &[(BookingStatus, i64)],
) -> anyhow::Result<Update> {
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(users::profile_key(user_id)));
    let mut adds = Vec::new();
    for (i, (status, delta)) in changes.iter().enumerate() {
        builder = builder
            .expression_attribute_names(format!("#c{i}"), status.counter())
            .expression_attribute_values(format!(":d{i}"), n(delta));
        adds.push(format!("#c{i} :d{i}"));
    }
    Ok(builder
        .update_expression(format!("ADD {}", adds.join(", ")))
        .condition_expression("attribute_exists(PK)")
        .build()?)
}

/// Positions of the slot items in a creation transaction, to tell which party's slot was taken.
#[derive(Debug, Clone)]
pub struct SlotPositions {
    pub instructor: std::ops::Range<usize>,
    pub student: std::ops::Range<usize>,
}

/// The booking, its instructor and student slots, and both users' pending counters.
pub fn create_items(
    table: &str,
    booking: &BookingRecord,
    slot: &LessonSlot,
) -> anyhow::Result<(Vec<TransactWriteItem>, SlotPositions)> {
    let expires = slot.end().as_second() + SLOT_RETENTION_SECS;
    let quarters: Vec<String> = slot.quarters().into_iter().map(quarter_key).collect();
    let mut items = vec![TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(booking.to_item()))
                .condition_expression("attribute_not_exists(PK)")
                .build()?,
        )
        .build()];
    let mut slot_put = |party: Party, owner: &str, quarter: &str| -> anyhow::Result<()> {
        let mut item = slot_key(party, owner, quarter);
        item.insert("booking_id".into(), s(&booking.id));
        item.insert(TTL_ATTRIBUTE.into(), n(expires));
        items.push(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()?,
                )
                .build(),
        );
        Ok(())
    };
    for quarter in &quarters {
        slot_put(Party::Instructor, &booking.instructor_id, quarter)?;
    }
    for quarter in &quarters {
        slot_put(Party::Student, &booking.student_id, quarter)?;
    }
    let count = quarters.len();
    for user in [&booking.instructor_id, &booking.student_id] {
        items.push(
            TransactWriteItem::builder()
                .update(counter_update(table, user, &[(BookingStatus::Pending, 1)])?)
                .build(),
        );
    }
    Ok((
        items,
        SlotPositions {
            instructor: 1..1 + count,
            student: 1 + count..1 + 2 * count,
        },
    ))
}

/// A status change, conditional on the status the caller saw, with both users' counters moved.
/// `extra` adds `SET` clauses (name, value) such as the cancel reason.
pub fn transition_items(
    table: &str,
    booking: &BookingRecord,
    to: BookingStatus,
    extra: &[(&str, AttributeValue)],
    now: &str,
) -> anyhow::Result<Vec<TransactWriteItem>> {
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(&booking.id)))
        .condition_expression("#status = :from")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":from", s(booking.status.as_str()))
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":now", s(now));
    let mut sets = vec!["#status = :to".to_owned(), "updated_at = :now".to_owned()];
    for (i, (name, value)) in extra.iter().enumerate() {
        builder = builder
            .expression_attribute_names(format!("#x{i}"), *name)
            .expression_attribute_values(format!(":x{i}"), value.clone());
        sets.push(format!("#x{i} = :x{i}"));
    }
    let update = builder
        .update_expression(format!("SET {}", sets.join(", ")))
        .build()?;
    let mut items = vec![TransactWriteItem::builder().update(update).build()];
    for user in [&booking.instructor_id, &booking.student_id] {
        items.push(
            TransactWriteItem::builder()
                .update(counter_update(
                    table,
                    user,
                    &[(booking.status, -1), (to, 1)],
                )?)
                .build(),
        );
    }
    Ok(items)
}

/// Deletes of every slot the booking holds, each conditional on still being this booking's.
pub fn release_slot_items(
    table: &str,
    booking: &BookingRecord,
) -> anyhow::Result<Vec<TransactWriteItem>> {
    let slot = booking.slot()?;
    let mut items = Vec::new();
    for (party, owner) in [
        (Party::Instructor, &booking.instructor_id),
        (Party::Student, &booking.student_id),
    ] {
        for quarter in slot.quarters() {
            items.push(
                TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(table)
                            .set_key(Some(slot_key(party, owner, &quarter_key(quarter))))
                            .condition_expression("booking_id = :booking")
                            .expression_attribute_values(":booking", s(&booking.id))
                            .build()?,
                    )
                    .build(),
            );
        }
    }
    Ok(items)
}

/// One booking (one consistent `GetItem`).
pub async fn get(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
) -> anyhow::Result<Option<BookingRecord>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(booking_key(id)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read the booking")?;
    output.item().map(BookingRecord::try_from).transpose()
}

/// Bookings in one index partition whose lesson starts in `[from, to)` (RFC 3339 UTC), in
/// start order, at most `limit`, leaving out cancelled ones. One `Query`.
pub async fn in_window(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    index: crate::schema::GlobalIndex,
    partition: &str,
    from: &str,
    to: &str,
    limit: i32,
) -> anyhow::Result<Vec<BookingRecord>> {
    let output = dynamodb
        .query()
        .table_name(table)
        .index_name(index.name)
        .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
        .filter_expression("#status <> :cancelled")
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_names("#sk", index.sort_key)
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":pk", s(partition))
        .expression_attribute_values(":from", s(from))
        // `<start>#<id>`: every id sorts after '#' and before '~'.
        .expression_attribute_values(":to", s(format!("{to}~")))
        .expression_attribute_values(":cancelled", s(BookingStatus::Cancelled.as_str()))
        .limit(limit)
        .send()
        .await
        .context("Failed to query bookings")?;
    output.items().iter().map(BookingRecord::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_only_its_moves() {
        use BookingStatus::*;
        let all = [Pending, Confirmed, Completed, Cancelled];
        let allowed = [
            (Pending, Confirmed),
            (Confirmed, Completed),
            (Pending, Cancelled),
            (Confirmed, Cancelled),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }
}
