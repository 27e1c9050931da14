//! The query-string extractor every route uses: a malformed query is a 400 problem document,
//! not axum's plain-text rejection.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| {
                ApiError::BadRequest(format!(
                    "The query string is invalid: {}",
                    rejection.body_text()
                ))
            })
    }
}

/// A path parameter extractor with the same treatment (a bad id is a 404, never a 400 leak).
/// Only something shaped like a record id gets through: anything longer than any id, or with
/// characters no id has, is a 404 before it becomes part of a table key (DynamoDB refuses keys
/// over 2 KiB, which would otherwise be a 500).
pub struct PathId(pub String);

/// Ids are UUIDs (36 characters); a little room for ids of the old back ends.
const MAX_ID_LEN: usize = 64;

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .ok()
            .filter(|axum::extract::Path(id)| is_id(id))
            .map(|axum::extract::Path(id)| PathId(id))
            .ok_or(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_id_shaped_path_segments_are_ids() {
        assert!(is_id("9b2f8a1e-4c3d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(is_id("legacy_42"));
        for not_an_id in ["", &"a".repeat(65), &"a".repeat(3000), "a b", "a#b", "ü"] {
            assert!(!is_id(not_an_id), "{not_an_id:?}");
        }
    }
}
