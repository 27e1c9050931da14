//! The writes of a booking's transactions: creation (booking, slots, counters), status
//! changes and slot releases.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, Update};

use super::keys::{booking_key, slot_key, Party};
use super::record::BookingRecord;
use crate::domain::lesson::{quarter_key, LessonSlot};
use crate::domain::{BookingStatus, TimeOff};
use crate::schema::TTL_ATTRIBUTE;
use crate::store::attr::{n, s};
use crate::store::transact::Write;
use crate::store::users::{counter_update, instructor_counter_update};

/// Slot items outlive their lesson by this much (then TTL removes them).
const SLOT_RETENTION_SECS: i64 = 7 * 24 * 3600;

/// When the slot items of a lesson in `slot` expire.
pub(super) fn slot_expiry(slot: &LessonSlot) -> i64 {
    slot.end().as_second() + SLOT_RETENTION_SECS
}

/// One quarter hour of a lesson taken for `owner`: conditional on being free.
pub(super) fn slot_put(
    table: &str,
    party: Party,
    owner: &str,
    booking_id: &str,
    quarter: &str,
    expires: i64,
) -> anyhow::Result<Write> {
    let mut item = slot_key(party, owner, quarter);
    item.insert("booking_id".into(), s(booking_id));
    item.insert(TTL_ATTRIBUTE.into(), n(expires));
    Ok(Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()?,
    ))
}

/// One quarter hour released, conditional on still being this booking's or gone: TTL removes
/// slots a week after the lesson, and a late cancellation (a no-show) must still go through.
pub(super) fn slot_release(
    table: &str,
    party: Party,
    owner: &str,
    booking_id: &str,
    quarter: &str,
) -> anyhow::Result<Write> {
    Ok(Write::from(
        Delete::builder()
            .table_name(table)
            .set_key(Some(slot_key(party, owner, quarter)))
            .condition_expression("attribute_not_exists(PK) OR booking_id = :booking")
            .expression_attribute_values(":booking", s(booking_id))
            .build()?,
    ))
}

/// Positions of the slot items in a creation transaction, to tell which party's slot was taken.
#[derive(Debug, Clone)]
pub struct SlotPositions {
    pub instructor: std::ops::Range<usize>,
    pub student: std::ops::Range<usize>,
    /// The instructor's counters (refused when their time off changed since the check).
    pub instructor_profile: usize,
}

/// The booking, its instructor and student slots, both users' pending counters (the
/// instructor's conditional on the time off the lesson was checked against,
/// `users::instructor_counter_update`) and its confirmation deadline (`schedule`).
pub fn create_items(
    table: &str,
    booking: &BookingRecord,
    slot: &LessonSlot,
    instructor_time_off: &TimeOff,
) -> anyhow::Result<(Vec<Write>, SlotPositions)> {
    let expires = slot_expiry(slot);
    let quarters: Vec<String> = slot.quarters().into_iter().map(quarter_key).collect();
    let mut items = vec![Write::from(
        Put::builder()
            .table_name(table)
            .set_item(Some(booking.to_item()))
            .condition_expression("attribute_not_exists(PK)")
            .build()?,
    )];
    for (party, owner) in [
        (Party::Instructor, &booking.instructor_id),
        (Party::Student, &booking.student_id),
    ] {
        for quarter in &quarters {
            items.push(slot_put(
                table,
                party,
                owner,
                &booking.id,
                quarter,
                expires,
            )?);
        }
    }
    let count = quarters.len();
    let new = [(BookingStatus::Pending, 1)];
    items.push(Write::from(instructor_counter_update(
        table,
        &booking.instructor_id,
        &new,
        instructor_time_off,
    )?));
    items.push(Write::from(counter_update(
        table,
        &booking.student_id,
        &new,
    )?));
    items.push(super::schedule::deadline_put(table, booking)?);
    Ok((
        items,
        SlotPositions {
            instructor: 1..1 + count,
            student: 1 + count..1 + 2 * count,
            instructor_profile: 1 + 2 * count,
        },
    ))
}

/// A move of a booking's lifecycle, with what the move records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Confirm,
    Complete,
    /// Also frees the booking's slots in the same transaction.
    Cancel {
        reason: String,
        by: String,
    },
}

impl Transition {
    pub fn target(&self) -> BookingStatus {
        match self {
            Self::Confirm => BookingStatus::Confirmed,
            Self::Complete => BookingStatus::Completed,
            Self::Cancel { .. } => BookingStatus::Cancelled,
        }
    }

    /// The attributes the move sets besides the status.
    fn recorded(&self) -> Vec<(&'static str, AttributeValue)> {
        match self {
            Self::Cancel { reason, by } => {
                vec![("cancel_reason", s(reason)), ("cancelled_by", s(by))]
            }
            Self::Confirm | Self::Complete => Vec::new(),
        }
    }
}

impl BookingRecord {
    /// The booking as `transition` at `now` leaves it.
    pub fn after(mut self, transition: &Transition, now: &str) -> Self {
        self.status = transition.target();
        self.updated_at = now.to_owned();
        if let Transition::Cancel { reason, by } = transition {
            self.cancel_reason = Some(reason.clone());
            self.cancelled_by = Some(by.clone());
        }
        self
    }
}

/// A status change, conditional on the status the caller saw, with both users' counters moved
/// and, for a cancellation, the slots released.
pub fn transition_items(
    table: &str,
    booking: &BookingRecord,
    transition: &Transition,
    now: &str,
) -> anyhow::Result<Vec<Write>> {
    transition_items_with(table, booking, transition, now, &Also::default())
}

/// What another aggregate's rule adds to a booking's move, on the booking item itself (one
/// transaction cannot write an item twice): attributes to set, and a condition on attributes
/// as the caller read them. Payments: the refund a cancellation owes, conditional on the
/// payment status it was worked out from. Placeholders are the caller's own (`#p…`, `:p…`).
#[derive(Debug, Clone, Default)]
pub struct Also {
    pub sets: Vec<String>,
    pub condition: Option<String>,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

/// [`transition_items`] with `also` folded into the booking's update.
pub fn transition_items_with(
    table: &str,
    booking: &BookingRecord,
    transition: &Transition,
    now: &str,
    also: &Also,
) -> anyhow::Result<Vec<Write>> {
    let to = transition.target();
    let condition = match &also.condition {
        Some(extra) => format!("#status = :from AND ({extra})"),
        None => "#status = :from".to_owned(),
    };
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(&booking.id)))
        .condition_expression(condition)
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":from", s(booking.status.as_str()))
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":now", s(now));
    for (name, attribute) in &also.names {
        builder = builder.expression_attribute_names(name, attribute);
    }
    for (name, value) in &also.values {
        builder = builder.expression_attribute_values(name, value.clone());
    }
    let mut sets = vec!["#status = :to".to_owned(), "updated_at = :now".to_owned()];
    sets.extend(also.sets.iter().cloned());
    for (i, (name, value)) in transition.recorded().into_iter().enumerate() {
        builder = builder
            .expression_attribute_names(format!("#x{i}"), name)
            .expression_attribute_values(format!(":x{i}"), value);
        sets.push(format!("#x{i} = :x{i}"));
    }
    let update = builder
        .update_expression(format!("SET {}", sets.join(", ")))
        .build()?;
    let mut items = vec![Write::from(update)];
    for user in [&booking.instructor_id, &booking.student_id] {
        items.push(Write::from(counter_update(
            table,
            user,
            &[(booking.status, -1), (to, 1)],
        )?));
    }
    if let Transition::Cancel { .. } = transition {
        items.extend(release_slot_items(table, booking)?);
    }
    Ok(items)
}

/// Deletes of every slot the booking holds (see [`slot_release`]).
fn release_slot_items(table: &str, booking: &BookingRecord) -> anyhow::Result<Vec<Write>> {
    let slot = booking.slot()?;
    let mut items = Vec::new();
    for (party, owner) in [
        (Party::Instructor, &booking.instructor_id),
        (Party::Student, &booking.student_id),
    ] {
        for quarter in slot.quarters() {
            items.push(slot_release(
                table,
                party,
                owner,
                &booking.id,
                &quarter_key(quarter),
            )?);
        }
    }
    Ok(items)
}
