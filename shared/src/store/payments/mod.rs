//! A booking's payment: attributes on the booking item, plus two items of its own.
//!
//! | item                  | PK                        | SK               | attributes        |
//! |-----------------------|---------------------------|------------------|-------------------|
//! | booking (attributes)  | `BOOKING#<id>`            | `BOOKING`        | `payment_status`, `payment_intent_id`, `refund_cents`, `refund_pending`, `refund_id` |
//! | intent → booking      | `PAYMENT_INTENT#<pi>`     | `PAYMENT_INTENT` | `booking_id`      |
//! | applied Stripe event  | `STRIPE_EVENT#<evt>`      | `EVENT`          | `expires_at` (TTL, 30 days) |
//!
//! The intent id is put on the booking once, by a write conditional on the booking having none
//! (and being pending or confirmed), in the same transaction as the lookup item the webhook
//! resolves intents with. Every webhook change is one transaction with the event's claim, so an
//! event applies at most once. A cancellation of a paid booking records the refund it owes
//! (`refund_cents`, `refund_pending`) in the cancellation's own transaction; the refund made at
//! Stripe is recorded by a write conditional on it still being pending (see
//! `shared::payments::refunds`).

mod writes;

pub use crate::store::bookings::BookingPayment;
pub use crate::store::users::EARNINGS_PAID;
pub use writes::{
    attach_intent_items, booking_of_intent, cancel_guard, charge_refunded_update, event_claim,
    money_moved, refund_recorded_update, status_update, succeeded_update,
};
