//! The library every Drive Alive function uses: configuration, state, the HTTP stack, errors,
//! logging and the table schema.

pub mod aws;
pub mod config;
pub mod error;
pub mod http;
pub mod lambda;
pub mod logging;
pub mod schema;
pub mod state;

pub use config::{Config, Stage};
pub use error::{ApiError, ApiResult, FieldError};
pub use state::AppState;
