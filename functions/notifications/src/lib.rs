//! The `notifications` function: consumes the notices queue (SQS, partial batch failures) and
//! sends each notice by email (SMTP) and SMS (SNS `Publish`), once per channel.

pub mod batch;
pub mod deliver;
mod sms;

pub use batch::handle;
pub use deliver::Notifier;
