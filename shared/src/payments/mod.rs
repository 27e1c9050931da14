//! Payments through Stripe (SPEC §6.1): the client, the webhook signature, the refund policy,
//! and refunding a cancelled booking, for any function with an `AppState`.

pub mod policy;
pub mod refunds;
mod setup;
pub mod signature;
pub mod stripe;

pub use policy::Canceller;
pub use setup::{not_configured, Payments, PaymentsContext};
