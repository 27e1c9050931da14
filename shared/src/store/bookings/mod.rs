//! Bookings and the slots that make double booking impossible.
//!
//! | item             | PK                          | SK              | GSI1 / GSI2 / GSI3                          |
//! |------------------|-----------------------------|-----------------|---------------------------------------------|
//! | booking          | `BOOKING#<id>`              | `BOOKING`       | `INSTRUCTOR_BOOKINGS#<i>` / `STUDENT_BOOKINGS#<s>` / `BOOKINGS` (sharded by the id, `store::shards`), each sorted by `<start>#<id>` |
//! | instructor slot  | `SLOT#INSTRUCTOR#<i>`       | `<quarter UTC>` |                                             |
//! | student slot     | `SLOT#STUDENT#<s>`          | `<quarter UTC>` |                                             |
//!
//! A lesson owns one slot item per quarter hour for its instructor and for its student. They
//! are put in the booking's transaction, each conditional on not existing: two students racing
//! for one slot cannot both win, a 10:30 lesson cannot overlap a 10:00–11:00 one, and a student
//! cannot hold two lessons at once. Cancelling deletes them in the same transaction as the
//! status change, so the slot is free again at once. A reschedule releases the quarters the
//! lesson leaves and takes the ones it newly uses in one transaction (`moves.rs`).

mod keys;
mod moves;
mod payment;
mod reads;
mod record;
pub mod schedule;
mod writes;

pub use crate::domain::BookingStatus;
pub use crate::store::users::counter_update;
pub use keys::{
    booking_key, instructor_index_pk, slot_pk, student_index_pk, BookingsOf, Party, ALL_BOOKINGS_PK,
};
pub use moves::{reschedule_items, MovePositions, Reschedule};
pub use payment::BookingPayment;
pub use reads::{all_in_window, get, in_window, page, taken_quarters};
pub use record::BookingRecord;
pub use writes::{
    create_items, transition_items, transition_items_with, Also, SlotPositions, Transition,
};
