//! Users. Item layout (one table, see docs/data-model.md):
//!
//! | item                 | PK               | SK        | GSI1PK          | GSI1SK             |
//! |----------------------|------------------|-----------|-----------------|--------------------|
//! | profile              | `USER#<id>`      | `PROFILE` | `USERS#<ROLE>`  | `<created>#<id>`   |
//! | email uniqueness     | `EMAIL#<email>`  | `UNIQUE`  |                 |                    |
//! | phone uniqueness     | `PHONE#<e164>`   | `UNIQUE`  |                 |                    |
//!
//! The uniqueness items are written in the same transaction as the profile, conditional on not
//! existing, so two registrations with one email cannot both succeed.

mod changes;
mod keys;
mod newest;
pub mod pending;
mod reads;
mod record;
mod writes;

pub use changes::{apply, InstructorChanges, ProfileChanges};
pub use keys::{
    email_pk, phone_pk, profile_key, role_index_pk, unique_key, user_pk, PROFILE_SK, UNIQUE_SK,
};
pub use newest::{continue_below, newest_first, NewestUsers};
pub use reads::{by_claim, find_user_id, get};
pub use record::{
    BookingCounts, InstructorDetails, NewAccount, UserRecord, EARNINGS_PAID,
    REGISTRATION_EMAIL_CLAIM, REGISTRATION_PHONE_CLAIM,
};
pub use writes::{
    activation_update, counter_update, credentials_unchanged, instructor_counter_update,
    password_change_update, reactivation_update, suspension_update, time_off_unchanged,
};
