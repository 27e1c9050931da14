//! Domain values: request fields are parsed into these at the edge, so nothing downstream
//! validates again.

mod account;
mod address;
mod booking_status;
mod email;
mod error;
mod geo;
mod idempotency_key;
pub mod lesson;
mod licence;
mod money;
mod password;
mod payment_status;
mod person;
mod phone;
mod review;
mod sa_id;
mod smtp;
mod time_off;
mod verification;
mod working_hours;

pub use account::{AccountStatus, Role};
pub use address::{Place, Province, StreetAddress};
pub use booking_status::BookingStatus;
pub use email::Email;
pub use error::DomainError;
pub use geo::Coordinates;
pub use idempotency_key::{IdempotencyKey, IDEMPOTENCY_KEY_MAX_LEN};
pub use lesson::{LessonDuration, LessonSlot};
pub use licence::{LicenceNumber, VehicleDescription};
pub use money::Rands;
pub use password::Password;
pub use payment_status::PaymentStatus;
pub use person::PersonName;
pub use phone::PhoneNumber;
pub use review::{CancelReason, Rating, ReviewComment};
pub use sa_id::SaIdNumber;
pub use smtp::{SmtpSettings, TlsMode};
pub use time_off::{
    TimeOff, TimeOffError, TimeOffPeriod, TimeOffPeriodInput, MAX_TIME_OFF_DAYS_AHEAD,
    MAX_TIME_OFF_PERIODS,
};
pub use verification::Verification;
pub use working_hours::{WorkingHours, WorkingHoursInput, WEEKDAYS};
