//! Authentication: access tokens, refresh tokens, password hashes, cookies, CSRF and the guard
//! every protected route uses.

pub mod access_token;
pub mod cookies;
pub mod csrf;
pub mod guard;
pub mod limited;
pub mod password_hash;
pub mod refresh_token;

/// Where they live (domain values); re-exported here, where callers look for them.
pub use crate::domain::{AccountStatus, Role};
pub use guard::AuthUser;
pub use limited::{LimitedUser, SignedIn};
