//! Login CSRF: a page on a foreign site can post a form to the public auth routes (login,
//! registration, refresh, logout, reset) and have the browser keep the cookies they set. When a
//! browser names the page's `Origin`, it must be an allowed origin or the API's own; clients
//! that send none (the mobile apps, curl) are not browsers posting on someone's behalf.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// Extracted first by the public auth handlers, so a foreign origin is refused before any
/// body is read, any limit counted or any record touched.
#[derive(Debug, Clone, Copy)]
pub struct TrustedOrigin;

impl FromRequestParts<AppState> for TrustedOrigin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(origin) = parts.headers.get(header::ORIGIN) else {
            return Ok(Self);
        };
        match origin.to_str() {
            Ok(origin) if state.config.accepts_origin(origin) => Ok(Self),
            _ => Err(ApiError::Forbidden(
                "Requests from this origin are not allowed.".into(),
            )),
        }
    }
}
