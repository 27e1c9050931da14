//! What a student says about a completed lesson.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(value: i64) -> Result<Self, DomainError> {
        u8::try_from(value)
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Self)
            .ok_or_else(|| DomainError::new("must be a whole number from 1 to 5"))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewComment(String);

impl ReviewComment {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::new("must be at most 2000 characters"));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(DomainError::new("must not contain control characters"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a booking is cancelled: required, short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelReason(String);

impl CancelReason {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let length = text.chars().count();
        if !(3..=500).contains(&length) || text.chars().any(char::is_control) {
            return Err(DomainError::new("must be 3 to 500 characters on one line"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        for ok in 1..=5 {
            assert_eq!(Rating::parse(ok).expect("valid").value() as i64, ok);
        }
        for bad in [0, 6, -1, 300] {
            assert!(Rating::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn comments_stop_at_2000_characters() {
        assert!(ReviewComment::parse(&"é".repeat(2000)).is_ok());
        assert!(ReviewComment::parse(&"a".repeat(2001)).is_err());
        assert!(ReviewComment::parse("Great lesson\u{0007}").is_err());
    }

    #[test]
    fn cancel_reasons_are_required_and_short() {
        assert!(CancelReason::parse("Car broke down").is_ok());
        assert!(CancelReason::parse("  ").is_err());
        assert!(CancelReason::parse(&"x".repeat(501)).is_err());
    }
}
