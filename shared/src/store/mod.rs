//! DynamoDB access for the aggregates more than one function group uses. Each module owns its
//! keys and item layout (docs/architecture.md lists them); every call in here is one round trip.

pub mod attr;
pub mod audit_log;
pub mod bookings;
pub mod calendar_feeds;
pub mod email_tokens;
pub mod idempotency;
pub mod instructors;
pub mod listing;
pub mod notice_receipts;
pub mod outbox;
pub mod payments;
pub mod phone_changes;
pub mod reviews;
pub mod sessions;
pub mod shards;
pub mod smtp_settings;
pub mod stats;
pub mod transact;
pub mod users;
pub mod warmup;
pub mod work_index;

/// The client every store function takes, named for callers outside the store.
pub use aws_sdk_dynamodb::Client as DynamoDb;
