//! An instructor's driving licence and the vehicle they teach in.

use super::DomainError;

/// Letters and digits only, uppercased, with the spaces and hyphens people type removed, so
/// one licence has one spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenceNumber(String);

impl LicenceNumber {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        // Checked before uppercasing: `to_uppercase` would turn "ß" into "SS".
        if !(6..=20).contains(&compact.len()) || !compact.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(DomainError::new("must be 6-20 letters and digits"));
        }
        Ok(Self(compact.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LicenceNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Free text such as "White 2019 Toyota Corolla, manual".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VehicleDescription(String);

impl VehicleDescription {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if !(2..=100).contains(&text.chars().count()) {
            return Err(DomainError::new("must be 2-100 characters"));
        }
        if text.chars().any(char::is_control) {
            return Err(DomainError::new("must not contain control characters"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for VehicleDescription {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_number_is_normalised() {
        let cases = [
            ("40350001ABCD", "40350001ABCD", "already normalised"),
            (
                "  4035 0001 abcd ",
                "40350001ABCD",
                "spaces removed and uppercased",
            ),
            ("4035-0001-AbCd", "40350001ABCD", "hyphens removed"),
            ("ABC123", "ABC123", "6 characters"),
            (
                "ABCDEFGHIJ0123456789",
                "ABCDEFGHIJ0123456789",
                "20 characters",
            ),
        ];
        for (input, expected, why) in cases {
            let licence = LicenceNumber::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(licence.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn licence_number_rejects_other_characters_and_lengths() {
        let cases = [
            ("", "empty"),
            ("AB 12 3", "5 characters after removing spaces"),
            ("ABCDEFGHIJ01234567890", "21 characters"),
            ("4035/0001", "slash"),
            ("4035.0001", "period"),
            ("4035_0001", "underscore"),
            ("STRAßE123", "non-ASCII letter"),
            ("4035\t0001", "tab"),
        ];
        for (input, why) in cases {
            assert_eq!(
                LicenceNumber::parse(input).err(),
                Some(DomainError::new("must be 6-20 letters and digits")),
                "{why}: {input:?}"
            );
        }
    }

    #[test]
    fn vehicle_description_accepts_2_to_100_characters() {
        let longest = "ä".repeat(100);
        let cases = [
            (
                "White 2019 Toyota Corolla, manual",
                "White 2019 Toyota Corolla, manual",
                "typical",
            ),
            ("  VW Polo ", "VW Polo", "trimmed"),
            ("VW", "VW", "2 characters"),
            (
                longest.as_str(),
                longest.as_str(),
                "100 two-byte characters",
            ),
        ];
        for (input, expected, why) in cases {
            let vehicle = VehicleDescription::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(vehicle.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn vehicle_description_rejects_bad_lengths_and_control_characters() {
        let too_long = "a".repeat(101);
        let cases = [
            ("", "must be 2-100 characters", "empty"),
            (
                " V ",
                "must be 2-100 characters",
                "1 character after trimming",
            ),
            (
                too_long.as_str(),
                "must be 2-100 characters",
                "101 characters",
            ),
            ("VW\nPolo", "must not contain control characters", "newline"),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                VehicleDescription::parse(input).err(),
                Some(DomainError::new(message)),
                "{why}"
            );
        }
    }
}
