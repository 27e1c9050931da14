//! A client's `Idempotency-Key` value (the header is read in `http::idempotency`).

/// Longest key accepted; a UUID is 36 characters.
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;

/// A client-chosen key of 1 to 255 visible ASCII characters. The draft writes the value as a
/// structured-field string (`"8e03978e-…"`); the bare form most clients send is accepted too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<Self, &'static str> {
        let unquoted = match raw {
            [b'"', inner @ .., b'"'] => inner,
            other => other,
        };
        if unquoted.is_empty() {
            return Err("must not be empty");
        }
        if unquoted.len() > IDEMPOTENCY_KEY_MAX_LEN {
            return Err("must be at most 255 characters");
        }
        const INVALID: &str = "must be visible ASCII characters without spaces or quotes";
        if !unquoted.iter().all(|&b| b.is_ascii_graphic() && b != b'"') {
            return Err(INVALID);
        }
        std::str::from_utf8(unquoted)
            .map(|key| Self(key.to_owned()))
            .map_err(|_| INVALID)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_quoted_keys_are_the_same_key() {
        let bare = IdempotencyKey::parse(b"8e03978e-40d5-43e8-bc93-6894a57f9324");
        let quoted = IdempotencyKey::parse(b"\"8e03978e-40d5-43e8-bc93-6894a57f9324\"");
        assert_eq!(bare, quoted);
        assert_eq!(
            bare.map(|k| k.as_str().to_owned()),
            Ok("8e03978e-40d5-43e8-bc93-6894a57f9324".to_owned())
        );
    }

    #[test]
    fn empty_long_and_non_visible_keys_are_refused() {
        assert!(IdempotencyKey::parse(b"").is_err());
        assert!(IdempotencyKey::parse(b"\"\"").is_err());
        assert!(IdempotencyKey::parse(&[b'a'; IDEMPOTENCY_KEY_MAX_LEN]).is_ok());
        assert!(IdempotencyKey::parse(&[b'a'; IDEMPOTENCY_KEY_MAX_LEN + 1]).is_err());
        assert!(IdempotencyKey::parse(b"two words").is_err());
        assert!(IdempotencyKey::parse(b"tab\there").is_err());
        assert!(IdempotencyKey::parse("caf\u{e9}".as_bytes()).is_err());
        assert!(IdempotencyKey::parse(b"a\"b").is_err());
        assert!(IdempotencyKey::parse(b"\"open").is_err());
    }
}
