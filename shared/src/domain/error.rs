//! The one error every domain constructor returns.

/// Why a value was refused, phrased for the client (e.g. "must be a valid email address").
/// Callers attach the field name themselves, so the message never names one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    pub message: String,
}

impl DomainError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
