//! A phone number in E.164, so that one line is one account whatever way it was typed.

use super::DomainError;

const INVALID: &str = "must be a valid phone number, e.g. +27821234567 or 0821234567";
const SA_COUNTRY_CODE: &str = "27";
const SA_NATIONAL_LEN: usize = 9;

/// `+` followed by 8-15 digits; South African numbers are always `+27` and nine digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `0XXXXXXXXX` (South African local form), `27XXXXXXXXX`, `+27XXXXXXXXX` and any
    /// other `+` E.164 number; spaces, hyphens and parentheses are ignored.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = match compact.strip_prefix('+') {
            Some(international) => international.to_owned(),
            None => match compact.strip_prefix('0') {
                // Local form: the trunk 0 stands for +27.
                Some(national) if compact.len() == SA_NATIONAL_LEN + 1 => {
                    format!("{SA_COUNTRY_CODE}{national}")
                }
                Some(_) => return Err(DomainError::new(INVALID)),
                // Without a plus only South African numbers are unambiguous.
                None if compact.starts_with(SA_COUNTRY_CODE) => compact,
                None => return Err(DomainError::new(INVALID)),
            },
        };
        if !is_e164_digits(&digits) {
            return Err(DomainError::new(INVALID));
        }
        if let Some(national) = digits.strip_prefix(SA_COUNTRY_CODE) {
            if national.len() != SA_NATIONAL_LEN || national.starts_with('0') {
                return Err(DomainError::new(INVALID));
            }
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Country code and subscriber number: 8-15 ASCII digits, and no country code starts with 0.
fn is_e164_digits(digits: &str) -> bool {
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_accepted_forms_to_e164() {
        let cases = [
            ("0821234567", "+27821234567", "SA local mobile"),
            ("082 123 4567", "+27821234567", "local with spaces"),
            ("082-123-4567", "+27821234567", "local with hyphens"),
            (
                "(011) 555-1234",
                "+27115551234",
                "local landline with parentheses",
            ),
            ("27821234567", "+27821234567", "country code without plus"),
            ("+27821234567", "+27821234567", "already E.164"),
            ("+27 82 123 4567", "+27821234567", "E.164 with spaces"),
            ("  +27821234567  ", "+27821234567", "surrounding whitespace"),
            ("+447911123456", "+447911123456", "UK mobile"),
            ("+12025550123", "+12025550123", "US number"),
            (
                "+26771123456",
                "+26771123456",
                "Botswana, 8-digit national number",
            ),
            ("+12345678", "+12345678", "8 digits, the shortest allowed"),
            (
                "+123456789012345",
                "+123456789012345",
                "15 digits, the longest allowed",
            ),
        ];
        for (input, expected, why) in cases {
            let phone = PhoneNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(phone.as_str(), expected, "{why}");
            assert_eq!(phone.as_ref(), expected, "{why}: as_ref");
        }
    }

    #[test]
    fn rejects_invalid_numbers() {
        let cases = [
            ("", "empty"),
            ("082123456", "local form with 9 digits"),
            ("08212345678", "local form with 11 digits"),
            (
                "0021234567",
                "local form whose national number starts with 0",
            ),
            ("+270821234567", "+27 with a trunk 0 kept"),
            ("+2782123456", "+27 with 8 national digits"),
            ("+278212345678", "+27 with 10 national digits"),
            ("2782123456", "27 prefix with 8 national digits"),
            ("821234567", "no prefix at all"),
            ("4407911123456", "foreign number without plus"),
            ("+0123456789", "country code starting with 0"),
            ("+1234567", "7 digits"),
            ("+1234567890123456", "16 digits"),
            ("+27 82 ABC 4567", "letters"),
            ("+27.82.123.4567", "dots are not a separator we accept"),
            ("++27821234567", "double plus"),
            ("+", "plus alone"),
            ("+27 82 123 4567 ext 2", "extension"),
            ("٠٨٢١٢٣٤٥٦٧", "non-ASCII digits"),
        ];
        for (input, why) in cases {
            assert!(
                PhoneNumber::parse(input).is_err(),
                "{why}: {input:?} should be refused"
            );
        }
    }

    #[test]
    fn local_and_international_forms_are_the_same_number() {
        assert_eq!(
            PhoneNumber::parse("082 123 4567"),
            PhoneNumber::parse("+27821234567")
        );
    }
}
