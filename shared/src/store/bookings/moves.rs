//! A reschedule: the booking moved to a new time in one transaction with its slots. Only the
//! quarter hours the lesson no longer uses are released and only the newly used ones taken (a
//! quarter it keeps is left alone: DynamoDB refuses two operations on one item in one
//! transaction), each under the same conditions as at booking time. The booking update is
//! conditional on the status, start and length that were read, and touches only the attributes
//! the move changes, so whatever else the booking carries stays as it is. Like a new booking,
//! it requires the instructor's time off to be the one the new time was checked against.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::Update;

use super::keys::{booking_key, Party};
use super::record::BookingRecord;
use super::writes::{slot_expiry, slot_put, slot_release};
use crate::domain::lesson::{quarter_key, LessonSlot};
use crate::domain::{BookingStatus, Rands, TimeOff};
use crate::schema::{GSI1, GSI2, GSI3};
use crate::store::attr::{n, s};
use crate::store::transact::Write;
use crate::store::users::{counter_update, instructor_counter_update, time_off_unchanged};

/// Where a booking goes: its new time, the status it then has and, when its length changes,
/// its new price.
#[derive(Debug, Clone)]
pub struct Reschedule {
    pub to: LessonSlot,
    pub status: BookingStatus,
    /// `None` keeps the price (the length is unchanged).
    pub price: Option<Rands>,
    /// The instructor's time off the new time was checked against: the transaction requires
    /// it unchanged.
    pub instructor_time_off: TimeOff,
}

/// Positions in a reschedule transaction, to tell what refused it.
#[derive(Debug, Clone, Default)]
pub struct MovePositions {
    /// The booking itself (it moved, or changed status, since it was read).
    pub booking: usize,
    pub instructor: Vec<usize>,
    pub student: Vec<usize>,
    /// The instructor's profile (its time off changed since the check).
    pub instructor_profile: usize,
}

impl BookingRecord {
    /// The booking as `change` at `now` leaves it.
    pub fn rescheduled(mut self, change: &Reschedule, now: &str) -> Self {
        self.rescheduled_from = Some(self.lesson_start.clone());
        self.lesson_start = quarter_key(change.to.start());
        self.duration_minutes = change.to.duration().minutes();
        self.status = change.status;
        if let Some(price) = change.price {
            self.price = price;
        }
        self.reschedule_count += 1;
        self.updated_at = now.to_owned();
        self
    }
}

/// The quarter keys of `slot`.
fn quarters(slot: &LessonSlot) -> BTreeSet<String> {
    slot.quarters().into_iter().map(quarter_key).collect()
}

/// The booking update, the slot releases and takes, and both users' counters when the status
/// changes (else a check of the instructor's time off): at most 1 + 2 × (16 + 16) + 2 = 67
/// writes, inside DynamoDB's 100.
pub fn reschedule_items(
    table: &str,
    booking: &BookingRecord,
    change: &Reschedule,
    now: &str,
) -> anyhow::Result<(Vec<Write>, MovePositions)> {
    let instructor_time_off = &change.instructor_time_off;
    let from = booking.slot()?;
    let new_start = quarter_key(change.to.start());
    let order = format!("{new_start}#{}", booking.id);
    let mut sets = vec![
        "lesson_start = :start",
        "duration_minutes = :duration",
        "#status = :to",
        "rescheduled_from = :old_start",
        "updated_at = :now",
        "#gsi1sk = :order",
        "#gsi2sk = :order",
        "#gsi3sk = :order",
    ];
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(&booking.id)))
        .condition_expression(
            "#status = :from AND lesson_start = :old_start AND duration_minutes = :old_duration",
        )
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#gsi1sk", GSI1.sort_key)
        .expression_attribute_names("#gsi2sk", GSI2.sort_key)
        .expression_attribute_names("#gsi3sk", GSI3.sort_key)
        .expression_attribute_values(":from", s(booking.status.as_str()))
        .expression_attribute_values(":to", s(change.status.as_str()))
        .expression_attribute_values(":old_start", s(&booking.lesson_start))
        .expression_attribute_values(":old_duration", n(booking.duration_minutes))
        .expression_attribute_values(":start", s(&new_start))
        .expression_attribute_values(":duration", n(change.to.duration().minutes()))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":order", s(&order))
        .expression_attribute_values(":one", n(1));
    if let Some(price) = change.price {
        // A new price only while no payment intent holds the old one (one created since the
        // booking was read makes this a 409).
        sets.push("price_cents = :price");
        update = update
            .condition_expression(
                "#status = :from AND lesson_start = :old_start AND duration_minutes = \
                 :old_duration AND attribute_not_exists(payment_intent_id)",
            )
            .expression_attribute_values(":price", n(price.cents()));
    }
    let update = update
        .update_expression(format!("SET {} ADD reschedule_count :one", sets.join(", ")))
        .build()?;
    let mut items = vec![Write::from(update)];
    let mut positions = MovePositions::default();

    let (old, new) = (quarters(&from), quarters(&change.to));
    let expires = slot_expiry(&change.to);
    for (party, owner) in [
        (Party::Instructor, &booking.instructor_id),
        (Party::Student, &booking.student_id),
    ] {
        for quarter in old.difference(&new) {
            items.push(slot_release(table, party, owner, &booking.id, quarter)?);
        }
        for quarter in new.difference(&old) {
            items.push(slot_put(
                table,
                party,
                owner,
                &booking.id,
                quarter,
                expires,
            )?);
            let taken = match party {
                Party::Instructor => &mut positions.instructor,
                Party::Student => &mut positions.student,
            };
            taken.push(items.len() - 1);
        }
    }
    // The instructor's profile once: with the counters when the status moves, else alone.
    positions.instructor_profile = items.len();
    if change.status != booking.status {
        let moved = [(booking.status, -1), (change.status, 1)];
        items.push(Write::from(instructor_counter_update(
            table,
            &booking.instructor_id,
            &moved,
            instructor_time_off,
        )?));
        items.push(Write::from(counter_update(
            table,
            &booking.student_id,
            &moved,
        )?));
    } else {
        items.push(time_off_unchanged(
            table,
            &booking.instructor_id,
            instructor_time_off,
        )?);
    }
    Ok((items, positions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LessonDuration;

    fn booking(start: &str, minutes: i64) -> BookingRecord {
        BookingRecord {
            id: "b1".into(),
            instructor_id: "i1".into(),
            student_id: "s1".into(),
            instructor_name: "I".into(),
            student_name: "S".into(),
            instructor_email: String::new(),
            student_email: String::new(),
            lesson_start: start.into(),
            duration_minutes: minutes,
            status: BookingStatus::Confirmed,
            price: Rands::from_cents(35_000),
            pickup_address: "1 Road".into(),
            pickup_latitude: None,
            pickup_longitude: None,
            created_at: String::new(),
            updated_at: String::new(),
            cancel_reason: None,
            cancelled_by: None,
            reviewed: false,
            rescheduled_from: None,
            reschedule_count: 0,
            payment: Default::default(),
        }
    }

    fn slot(start: &str, minutes: i64) -> LessonSlot {
        LessonSlot::from_stored(
            start.parse().expect("start"),
            LessonDuration::parse(minutes).expect("duration"),
        )
    }

    #[test]
    fn a_move_by_half_an_hour_touches_only_the_quarters_that_change() {
        let b = booking("2026-03-03T08:00:00Z", 60);
        let change = Reschedule {
            to: slot("2026-03-03T08:30:00Z", 60),
            status: BookingStatus::Confirmed,
            price: None,
            instructor_time_off: TimeOff::default(),
        };
        let (items, positions) = reschedule_items("t", &b, &change, "now").expect("items");
        // The update, then per party two releases (08:00, 08:15) and two takes (09:00, 09:15);
        // the status is unchanged, so no counters, only the time-off check.
        assert_eq!(items.len(), 1 + 2 * (2 + 2) + 1);
        assert_eq!(positions.booking, 0);
        assert_eq!(positions.instructor, vec![3, 4]);
        assert_eq!(positions.student, vec![7, 8]);
        assert_eq!(positions.instructor_profile, 9);
    }

    #[test]
    fn a_student_move_of_a_confirmed_lesson_moves_the_counters() {
        let b = booking("2026-03-03T08:00:00Z", 60);
        let change = Reschedule {
            to: slot("2026-03-04T08:00:00Z", 90),
            status: BookingStatus::Pending,
            price: Some(Rands::from_cents(52_500)),
            instructor_time_off: TimeOff::default(),
        };
        let (items, _) = reschedule_items("t", &b, &change, "now").expect("items");
        assert_eq!(items.len(), 1 + 2 * (4 + 6) + 2);
        let moved = b.rescheduled(&change, "now");
        assert_eq!(
            moved.rescheduled_from.as_deref(),
            Some("2026-03-03T08:00:00Z")
        );
        assert_eq!(moved.lesson_start, "2026-03-04T08:00:00Z");
        assert_eq!(moved.reschedule_count, 1);
        assert_eq!(moved.price.cents(), 52_500);
        assert_eq!(moved.status, BookingStatus::Pending);
    }
}
