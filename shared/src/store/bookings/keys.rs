//! The keys of bookings and slots, written once.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::schema::{GlobalIndex, GSI1, GSI2, GSI3, PARTITION_KEY, SORT_KEY};
use crate::store::attr::{s, Item};

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

/// The admin index of every booking (GSI3), sharded (`store::shards`): a booking's partition
/// is [`all_bookings_pk`] of its id.
pub const ALL_BOOKINGS_PK: &str = "BOOKINGS";

/// The GSI3 partition of booking `id`: its shard of [`ALL_BOOKINGS_PK`].
pub fn all_bookings_pk(id: &str) -> String {
    crate::store::shards::key_for(ALL_BOOKINGS_PK, id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Instructor,
    Student,
}

pub(super) fn slot_key(party: Party, owner: &str, quarter: &str) -> Item {
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

/// Whose bookings a list reads: each has its own index partition (the admin index one per
/// shard), sorted by lesson start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingsOf<'a> {
    /// Every booking (admins).
    Everyone,
    Instructor(&'a str),
    Student(&'a str),
}

impl BookingsOf<'_> {
    /// The index and its partitions: one per user, every shard of the admin index.
    pub(super) fn partitions(self) -> (GlobalIndex, Vec<String>) {
        match self {
            Self::Everyone => (GSI3, crate::store::shards::all_keys(ALL_BOOKINGS_PK)),
            Self::Instructor(id) => (GSI1, vec![instructor_index_pk(id)]),
            Self::Student(id) => (GSI2, vec![student_index_pk(id)]),
        }
    }
}
