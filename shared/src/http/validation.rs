//! Collects every field error of a request body so the client sees them all in one 422.

use crate::domain::{Coordinates, DomainError};
use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// The parsed value, or `None` with the error recorded against `field`.
    pub fn field<T>(&mut self, field: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.errors.push(FieldError::new(field, err.message));
                None
            }
        }
    }

    /// Like [`field`](Self::field) for an optional input: absent stays `Some(None)`.
    pub fn optional<I, T>(
        &mut self,
        field: &str,
        input: Option<I>,
        parse: impl FnOnce(I) -> Result<T, DomainError>,
    ) -> Option<Option<T>> {
        match input {
            None => Some(None),
            Some(input) => self.field(field, parse(input)).map(Some),
        }
    }

    /// A point sent as two optional fields (`names`: latitude, longitude), both or neither;
    /// an error is recorded against the latitude field.
    pub fn coordinates(
        &mut self,
        names: (&str, &str),
        lat: Option<f64>,
        lng: Option<f64>,
    ) -> Option<Coordinates> {
        self.field(names.0, Coordinates::parse_pair(lat, lng, names))
            .flatten()
    }

    pub fn error(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The parsed body when every field parsed, else the 422 with every error. `parsed` is
    /// `None` only when an error was recorded; should that ever not hold, it is a bug (500),
    /// answered the same by every route.
    pub fn finish_with<T>(self, parsed: Option<T>) -> Result<T, ApiError> {
        self.finish()?;
        parsed.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("validator passed without values")))
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}
