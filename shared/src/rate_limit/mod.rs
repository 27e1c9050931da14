//! Rate limits on DynamoDB counters: one conditional update per rule check, exact under
//! concurrency, with the IETF `RateLimit`/`RateLimit-Policy` headers and the `X-RateLimit-*`
//! ones the existing clients read.

pub mod caller;
mod engine;
pub mod headers;
pub mod rules;
pub mod window;

pub use caller::Caller;
pub use engine::RateLimiter;
pub use headers::RateLimitSnapshot;
pub use rules::{FailMode, RateLimitRule, RateLimits, RuleName};
pub use window::Window;
