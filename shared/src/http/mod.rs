//! HTTP plumbing shared by every function group: the middleware stack, the JSON extractor,
//! problem documents, CORS and security headers.

pub mod body_limit;
pub mod cors;
pub mod idempotency;
pub mod json;
pub mod openapi;
mod openapi_schemas;
pub mod origin;
pub mod pipeline;
pub mod problem;
pub mod query;
pub mod request_context;
pub mod security_headers;
mod stack;
pub mod validation;

pub use body_limit::BODY_LIMIT_BYTES;
pub use stack::app;
