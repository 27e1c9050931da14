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

pub const ALL_BOOKINGS_PK: &str = "BOOKINGS";

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

/// Whose bookings a list reads: each has its own index partition, sorted by lesson start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingsOf<'a> {
    /// Every booking (admins).
    Everyone,
    Instructor(&'a str),
    Student(&'a str),
}

impl BookingsOf<'_> {
    pub(super) fn partition(self) -> (GlobalIndex, String) {
        match self {
            Self::Everyone => (GSI3, ALL_BOOKINGS_PK.to_owned()),
            Self::Instructor(id) => (GSI1, instructor_index_pk(id)),
            Self::Student(id) => (GSI2, student_index_pk(id)),
        }
    }
}
