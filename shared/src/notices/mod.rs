//! Notices: what the system tells a user (verification links, booking news, reminders, phone
//! codes). A route or job stores a notice in the outbox (`store::outbox`) in the transaction of
//! its change and enqueues it; the notifications function renders and sends it by email and
//! SMS, once per channel.

mod notice;
pub mod queue;
pub mod texts;

pub use notice::{BookingEvent, Channel, Notice, NoticeKind};
