//! Domain values: request fields are parsed into these at the edge, so nothing downstream
//! validates again.

mod address;
mod email;
mod error;
mod geo;
mod licence;
mod money;
mod password;
mod person;
mod phone;
mod sa_id;

pub use address::{Place, Province, StreetAddress};
pub use email::Email;
pub use error::DomainError;
pub use geo::Coordinates;
pub use licence::{LicenceNumber, VehicleDescription};
pub use money::Rands;
pub use password::Password;
pub use person::PersonName;
pub use phone::PhoneNumber;
pub use sa_id::SaIdNumber;
