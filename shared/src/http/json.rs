//! The JSON body extractor every route uses: 415 for another content type, 413 over the body
//! limit, 400 for unreadable JSON, 422 naming the field for JSON of the wrong shape (including
//! unknown fields, which request types refuse with `#[serde(deny_unknown_fields)]`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

pub struct Json<T>(pub T);

/// True for `application/json` and any `application/*+json`, with or without parameters.
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body, mapping the limit to 413.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest("The request body could not be read.".into())
        }
    })
}

/// Parses JSON bytes into `T`, naming the offending field on shape errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = describe_data_error(&inner);
                    let field = if path == "." {
                        missing_field(&message).unwrap_or_default()
                    } else {
                        path
                    };
                    Err(ApiError::Validation(vec![FieldError::new(field, message)]))
                }
                _ => Err(ApiError::BadRequest(
                    "The request body is not valid JSON.".into(),
                )),
            }
        }
    }
}

/// serde reports a missing field at the parent's path; the name is in the message.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// serde's messages end with " at line L column C"; clients need only the first part.
fn describe_data_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !is_json_content_type(content_type) {
            return Err(ApiError::UnsupportedMediaType(
                "This route accepts application/json.".into(),
            ));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
    }

    #[test]
    fn json_content_types_are_recognised() {
        let cases = [
            (Some("application/json"), true),
            (Some("application/json; charset=utf-8"), true),
            (Some("Application/JSON"), true),
            (Some("application/merge-patch+json"), true),
            (Some("application/x-www-form-urlencoded"), false),
            (Some("text/plain"), false),
            (None, false),
        ];
        for (value, expected) in cases {
            assert_eq!(is_json_content_type(value), expected, "{value:?}");
        }
    }

    #[test]
    fn shape_errors_name_the_field_and_syntax_errors_are_400() {
        let cases: &[(&str, u16, Option<&str>)] = &[
            (
                r#"{"username":"a","password":"b","admin":true}"#,
                422,
                Some("admin"),
            ),
            (r#"{"username":"a"}"#, 422, Some("password")),
            (r#"{"username":1,"password":"b"}"#, 422, Some("username")),
            (r#"{"username":"a","password":"#, 400, None),
            ("not json", 400, None),
        ];
        for (body, status, field) in cases {
            let err = parse_json::<Login>(body.as_bytes()).expect_err(body);
            assert_eq!(err.status_code().as_u16(), *status, "{body}");
            if let (ApiError::Validation(errors), Some(field)) = (&err, field) {
                assert_eq!(errors[0].field, *field, "{body}");
            }
        }
    }
}
