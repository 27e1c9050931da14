//! The one error type every route returns, rendered as RFC 9457 `application/problem+json`.
//!
//! Handlers never build error responses by hand: they return `ApiError`, and the response
//! pipeline adds `request_id` and the common headers. Internal failures are logged in full (the
//! whole `source()` chain) and answered with a generic body.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::http::body_limit::BODY_LIMIT_BYTES;
pub use crate::http::problem::FieldError;
use crate::http::problem::Problem;
use crate::store::transact::TransactError;

/// What an upstream failure answers (see [`ApiError::Upstream`]).
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamFailure {
    pub status: StatusCode,
    /// The problem type's slug (`smtp-test-failed`).
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (bad query string, bad cursor, unreadable JSON).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid credentials; answered with `WWW-Authenticate`.
    #[error("not authenticated: {0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such route or resource, or one the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// 405: the route exists with other methods.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state (taken slot, duplicate review).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 413: body over the 64 KiB limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: the route does not accept this content type.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: fields that do not parse into domain values.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: a rate limit is exhausted; the headers say which and for how long.
    #[error("rate limited")]
    RateLimited(HeaderMap),
    /// 503: a dependency did not answer in time or refused; `extra` adds detail members.
    #[error("dependency unavailable: {detail}")]
    Unavailable {
        detail: String,
        extra: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// A service we called on the client's behalf answered with a failure the client can act
    /// on (the SMTP test: 502 refused, 504 no answer, ...): its status, problem type and detail,
    /// with `extra` members saying what happened.
    #[error("upstream failure: {}", .0.detail)]
    Upstream(Box<UpstreamFailure>),
    /// 500: anything unexpected. Logged in full, answered generically.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::Unavailable {
            detail: detail.into(),
            extra: None,
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Upstream(failure) => failure.status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let (slug, title, detail): (&str, &str, String) = match self {
            Self::BadRequest(d) => ("bad-request", "Bad request", d.clone()),
            Self::Unauthorized(d) => ("unauthorized", "Not authenticated", d.clone()),
            Self::Forbidden(d) => ("forbidden", "Forbidden", d.clone()),
            Self::NotFound => (
                "not-found",
                "Not found",
                "There is nothing at this address.".into(),
            ),
            Self::MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                "This address does not accept this method.".into(),
            ),
            Self::Conflict(d) => ("conflict", "Conflict", d.clone()),
            Self::PayloadTooLarge => (
                "payload-too-large",
                "Payload too large",
                format!(
                    "Request bodies are limited to {} KiB.",
                    BODY_LIMIT_BYTES / 1024
                ),
            ),
            Self::UnsupportedMediaType(d) => (
                "unsupported-media-type",
                "Unsupported media type",
                d.clone(),
            ),
            Self::Validation(_) => (
                "validation",
                "Invalid request",
                "One or more fields are invalid.".into(),
            ),
            Self::RateLimited(_) => (
                "rate-limited",
                "Too many requests",
                "Too many requests; try again after the time in Retry-After.".into(),
            ),
            Self::Unavailable { detail, .. } => {
                ("service-unavailable", "Service unavailable", detail.clone())
            }
            Self::Upstream(failure) => (failure.slug, failure.title, failure.detail.clone()),
            Self::Internal(_) => (
                "internal",
                "Internal server error",
                "Something went wrong on our side; quote the request_id if you contact us.".into(),
            ),
        };
        let mut problem = Problem::new(status, slug, title, detail);
        match self {
            Self::Validation(errors) => problem.errors = Some(errors.clone()),
            Self::Unavailable {
                extra: Some(extra), ..
            } => problem.extra = extra.clone(),
            Self::Upstream(failure) => problem.extra = failure.extra.clone(),
            Self::Internal(err) => problem.internal = Some(format!("{err:#}")),
            _ => {}
        }
        problem
    }
}

/// True when a failure is a dependency not answering (connection refused or reset, a timeout)
/// rather than a bug or a refusal: the client may retry, so it is a 503, not a 500.
pub fn is_unreachable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<aws_smithy_runtime_api::client::result::ConnectorError>()
            .is_some()
            // The SDK's timeout variant carries a private error type, and some callers keep
            // only the message of an SDK error; these messages are the SDK's own.
            || {
                let text = cause.to_string();
                text.starts_with("request has timed out") || text.starts_with("dispatch failure")
            }
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = match self {
            Self::Internal(err) if is_unreachable(&err) => {
                tracing::warn!(error = %format!("{err:#}"), "a dependency did not answer");
                Self::unavailable(
                    "A service we depend on did not answer in time; try again shortly.",
                )
            }
            other => other,
        };
        this.render()
    }
}

impl ApiError {
    fn render(self) -> Response {
        match &self {
            Self::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "request failed with an internal error")
            }
            Self::Unavailable { detail, .. } => {
                tracing::warn!(%detail, "a dependency is unavailable")
            }
            Self::Upstream(failure) => {
                tracing::warn!(detail = %failure.detail, "an upstream service failed")
            }
            _ => {}
        }
        let mut response = self.problem().into_response();
        match self {
            Self::Unauthorized(_) => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"drive-alive\""),
                );
            }
            Self::RateLimited(headers) => response.headers_mut().extend(headers),
            _ => {}
        }
        response
    }
}

/// A request builder missing a required field is a programming error, answered as a 500.
impl From<aws_sdk_dynamodb::error::BuildError> for ApiError {
    fn from(err: aws_sdk_dynamodb::error::BuildError) -> Self {
        Self::Internal(anyhow::Error::new(err).context("Failed to build a DynamoDB request"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A transaction whose condition failed when no route expected one (a write that cannot
/// conflict) is a bug: 500. Routes where a condition means a conflict say so with
/// [`OrConflict::or_conflict`].
impl From<TransactError> for ApiError {
    fn from(err: TransactError) -> Self {
        match err {
            TransactError::ConditionFailed(at) => Self::Internal(anyhow::anyhow!(
                "a transaction condition failed unexpectedly at positions {at:?}"
            )),
            TransactError::Other(err) => Self::Internal(err),
        }
    }
}

/// The one mapping of a failed transaction condition to a 409: `transact(..).await
/// .or_conflict("That slot is taken.")?`.
pub trait OrConflict<T> {
    fn or_conflict(self, message: &str) -> ApiResult<T>;
}

impl<T> OrConflict<T> for Result<T, TransactError> {
    fn or_conflict(self, message: &str) -> ApiResult<T> {
        self.map_err(|err| match err {
            TransactError::ConditionFailed(_) => ApiError::Conflict(message.to_owned()),
            TransactError::Other(err) => ApiError::Internal(err),
        })
    }
}

/// An error and all its sources on one line, for logs.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_documented_status() {
        let cases: Vec<(ApiError, u16)> = vec![
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::Unauthorized("x".into()), 401),
            (ApiError::Forbidden("x".into()), 403),
            (ApiError::NotFound, 404),
            (ApiError::MethodNotAllowed, 405),
            (ApiError::Conflict("x".into()), 409),
            (ApiError::PayloadTooLarge, 413),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::validation("email", "x"), 422),
            (ApiError::RateLimited(HeaderMap::new()), 429),
            (ApiError::unavailable("dynamodb"), 503),
            (ApiError::Internal(anyhow::anyhow!("boom")), 500),
            (
                ApiError::Upstream(Box::new(UpstreamFailure {
                    status: StatusCode::GATEWAY_TIMEOUT,
                    slug: "smtp-test-failed",
                    title: "x",
                    detail: "x".into(),
                    extra: Default::default(),
                })),
                504,
            ),
        ];
        for (err, status) in cases {
            let name = format!("{err:?}");
            assert_eq!(err.status_code().as_u16(), status, "{name}");
            assert_eq!(err.into_response().status().as_u16(), status, "{name}");
        }
    }

    #[test]
    fn a_dependency_that_does_not_answer_is_a_503_and_a_bug_stays_a_500() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let refused = ConnectorError::io(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        )));
        let cases = [
            (
                anyhow::Error::new(refused).context("Failed to read the booking"),
                503,
            ),
            (
                anyhow::anyhow!("request has timed out").context("Failed to list"),
                503,
            ),
            (anyhow::anyhow!("item has no string attribute email"), 500),
        ];
        for (err, status) in cases {
            let text = format!("{err:#}");
            assert_eq!(
                ApiError::Internal(err).into_response().status().as_u16(),
                status,
                "{text}"
            );
        }
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let response = ApiError::Unauthorized("no token".into()).into_response();
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[test]
    fn internal_errors_keep_their_chain_out_of_the_public_detail() {
        let err = anyhow::anyhow!("secret table name").context("Failed to store the booking");
        let problem = ApiError::Internal(err).problem();
        assert!(!problem.detail.contains("secret table name"));
        assert!(problem
            .internal
            .as_deref()
            .is_some_and(|chain| chain.contains("secret table name")));
    }
}
