//! RFC 9457 problem documents. A `Problem` travels in the response extensions until the response
//! pipeline knows the request id; only then is the body written.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
const TYPE_BASE: &str = "https://drivealive.co.za/problems/";

/// A field-level validation failure, as listed in a 422 problem's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Extension members (RFC 9457 §3.2), flattened into the document.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The internal error chain: shown only when verbose errors are enabled (local development).
    #[serde(skip)]
    pub internal: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: String) -> Self {
        Self {
            type_uri: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            request_id: None,
            errors: None,
            extra: serde_json::Map::new(),
            internal: None,
        }
    }

    fn to_body(&self) -> Body {
        // Serialising a struct of strings and maps of JSON values cannot fail; fall back to an
        // empty object rather than panicking if it ever did.
        Body::from(serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec()))
    }

    /// Writes the final body with the request id, and the internal chain if allowed.
    pub fn finalize(response: &mut Response, request_id: &str, verbose: bool) {
        let Some(mut problem) = response.extensions_mut().remove::<Problem>() else {
            return;
        };
        problem.request_id = Some(request_id.to_owned());
        if verbose {
            if let Some(internal) = problem.internal.take() {
                problem
                    .extra
                    .insert("internal_error".into(), serde_json::Value::String(internal));
            }
        }
        *response.body_mut() = problem.to_body();
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.to_body()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        response.extensions_mut().insert(self);
        response
    }
}
