//! The library every Drive Alive function uses: configuration, state, the HTTP stack, errors,
//! logging and the table schema.

pub mod audit;
pub mod auth;
pub mod aws;
pub mod clock;
pub mod config;
pub mod domain;
pub mod envelope;
pub mod error;
pub mod http;
pub mod lambda;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod notices;
pub mod pagination;
pub mod payments;
pub mod rate_limit;
pub mod request_units;
pub mod schema;
pub mod secrets;
pub mod state;
pub mod store;
pub mod token_secret;

pub use config::{Config, Stage};
pub use error::{ApiError, ApiResult, FieldError};
pub use state::AppState;
