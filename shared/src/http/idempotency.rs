//! The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header). A
//! client that never heard the answer to a POST (a timeout, a dropped connection) sends the
//! same request again with the same key and gets the first outcome back, not a second
//! resource or a 409 against its own first attempt.
//!
//! The key is optional; without it a POST behaves as before. Only the client's own keys are
//! compared (keys are stored per user), so one client cannot replay another's request.

use axum::extract::OptionalFromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderName;

pub use crate::domain::IdempotencyKey;
use crate::error::ApiError;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set to `true` on an answer that repeats an earlier one instead of acting again.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// `Option<IdempotencyKey>` in a handler: absent is `None`, malformed or repeated is a 400.
impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, ApiError> {
        let mut values = parts.headers.get_all(&IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(ApiError::BadRequest(
                "Send one Idempotency-Key header, not several.".into(),
            ));
        }
        Self::parse(value.as_bytes())
            .map(Some)
            .map_err(|why| ApiError::BadRequest(format!("The Idempotency-Key header {why}.")))
    }
}
