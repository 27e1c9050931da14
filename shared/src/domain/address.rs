//! Where a student or instructor is: city or suburb, province and pickup address.

use serde::{Serialize, Serializer};

use super::DomainError;

/// Trims, then checks the length in characters and refuses control characters, which have no
/// place in a single-line field and can break logs and emails.
fn single_line(input: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let text = input.trim();
    let len = text.chars().count();
    if !(min..=max).contains(&len) {
        return Err(DomainError::new(format!("must be {min}-{max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::new("must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// A city or suburb name, free text because South African place names are too varied to list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place(String);

impl Place {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        single_line(input, 2, 100).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Place {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A pickup address as the student writes it for the instructor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreetAddress(String);

impl StreetAddress {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        single_line(input, 5, 300).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for StreetAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One of the nine provinces; serialised as its official name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Province {
    EasternCape,
    FreeState,
    Gauteng,
    KwaZuluNatal,
    Limpopo,
    Mpumalanga,
    NorthWest,
    NorthernCape,
    WesternCape,
}

impl Province {
    pub const ALL: [Province; 9] = [
        Self::EasternCape,
        Self::FreeState,
        Self::Gauteng,
        Self::KwaZuluNatal,
        Self::Limpopo,
        Self::Mpumalanga,
        Self::NorthWest,
        Self::NorthernCape,
        Self::WesternCape,
    ];

    /// Accepts the official name in any case, with or without spaces and hyphens
    /// ("KwaZulu-Natal", "kwazulu natal"), or the official code ("KZN").
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let key: String = input
            .chars()
            .filter(|c| !(c.is_whitespace() || *c == '-'))
            .flat_map(char::to_lowercase)
            .collect();
        let province = match key.as_str() {
            "easterncape" | "ec" => Self::EasternCape,
            "freestate" | "fs" => Self::FreeState,
            "gauteng" | "gp" => Self::Gauteng,
            "kwazulunatal" | "kzn" => Self::KwaZuluNatal,
            "limpopo" | "lp" => Self::Limpopo,
            "mpumalanga" | "mp" => Self::Mpumalanga,
            "northwest" | "nw" => Self::NorthWest,
            "northerncape" | "nc" => Self::NorthernCape,
            "westerncape" | "wc" => Self::WesternCape,
            _ => return Err(DomainError::new("must be a South African province")),
        };
        Ok(province)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EasternCape => "Eastern Cape",
            Self::FreeState => "Free State",
            Self::Gauteng => "Gauteng",
            Self::KwaZuluNatal => "KwaZulu-Natal",
            Self::Limpopo => "Limpopo",
            Self::Mpumalanga => "Mpumalanga",
            Self::NorthWest => "North West",
            Self::NorthernCape => "Northern Cape",
            Self::WesternCape => "Western Cape",
        }
    }
}

impl AsRef<str> for Province {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for Province {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_accepts_trimmed_names_of_2_to_100_characters() {
        let longest = "é".repeat(100);
        let cases = [
            ("Soweto", "Soweto", "city"),
            ("  Sea Point ", "Sea Point", "trimmed"),
            ("Mthatha", "Mthatha", "town"),
            ("Ga-Rankuwa", "Ga-Rankuwa", "hyphenated"),
            ("'t Kleine Dorp", "'t Kleine Dorp", "apostrophe"),
            ("PE", "PE", "two characters"),
            (
                longest.as_str(),
                longest.as_str(),
                "100 two-byte characters",
            ),
        ];
        for (input, expected, why) in cases {
            let place =
                Place::parse(input).unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(place.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn place_rejects_short_long_and_control_characters() {
        let too_long = "a".repeat(101);
        let cases = [
            ("", "must be 2-100 characters", "empty"),
            (
                "  A  ",
                "must be 2-100 characters",
                "one character after trimming",
            ),
            (
                too_long.as_str(),
                "must be 2-100 characters",
                "101 characters",
            ),
            (
                "Sea\nPoint",
                "must not contain control characters",
                "newline",
            ),
            (
                "Sea\u{7}Point",
                "must not contain control characters",
                "bell",
            ),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                Place::parse(input).err(),
                Some(DomainError::new(message)),
                "{why}"
            );
        }
    }

    #[test]
    fn street_address_accepts_5_to_300_characters() {
        let longest = "a".repeat(300);
        let cases = [
            (
                "12 Vilakazi Street, Orlando West",
                "12 Vilakazi Street, Orlando West",
                "street address",
            ),
            (" 1 Main Rd ", "1 Main Rd", "trimmed"),
            ("Erf 5", "Erf 5", "five characters"),
            (longest.as_str(), longest.as_str(), "300 characters"),
        ];
        for (input, expected, why) in cases {
            let address = StreetAddress::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(address.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn street_address_rejects_short_long_and_control_characters() {
        let too_long = "a".repeat(301);
        let cases = [
            ("Erf", "must be 5-300 characters", "too short"),
            ("    ", "must be 5-300 characters", "whitespace only"),
            (
                too_long.as_str(),
                "must be 5-300 characters",
                "301 characters",
            ),
            (
                "12 Main Rd\r\nSoweto",
                "must not contain control characters",
                "line break",
            ),
            ("12 Main\tRd", "must not contain control characters", "tab"),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                StreetAddress::parse(input).err(),
                Some(DomainError::new(message)),
                "{why}"
            );
        }
    }

    #[test]
    fn province_accepts_names_and_codes_in_any_form() {
        let cases = [
            ("KwaZulu-Natal", Province::KwaZuluNatal, "official name"),
            (
                "kwazulu natal",
                Province::KwaZuluNatal,
                "lowercase with space",
            ),
            (
                "KWAZULUNATAL",
                Province::KwaZuluNatal,
                "uppercase run together",
            ),
            ("KZN", Province::KwaZuluNatal, "code"),
            ("kzn", Province::KwaZuluNatal, "lowercase code"),
            ("Eastern Cape", Province::EasternCape, "Eastern Cape"),
            ("EC", Province::EasternCape, "EC"),
            ("free-state", Province::FreeState, "hyphen instead of space"),
            ("FS", Province::FreeState, "FS"),
            ("gauteng", Province::Gauteng, "Gauteng"),
            ("GP", Province::Gauteng, "GP"),
            ("Limpopo", Province::Limpopo, "Limpopo"),
            ("LP", Province::Limpopo, "LP"),
            ("Mpumalanga", Province::Mpumalanga, "Mpumalanga"),
            ("MP", Province::Mpumalanga, "MP"),
            ("North West", Province::NorthWest, "North West"),
            ("northwest", Province::NorthWest, "North West run together"),
            ("NW", Province::NorthWest, "NW"),
            ("Northern Cape", Province::NorthernCape, "Northern Cape"),
            ("NC", Province::NorthernCape, "NC"),
            (
                " Western Cape ",
                Province::WesternCape,
                "surrounding spaces",
            ),
            ("wc", Province::WesternCape, "WC"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(Province::parse(input), Ok(expected), "{why}: {input:?}");
        }
    }

    #[test]
    fn province_rejects_unknown_names() {
        for (input, why) in [
            ("", "empty"),
            ("Transvaal", "pre-1994 province"),
            ("Natal", "half a name"),
            ("Cape", "ambiguous"),
            ("ZA", "country code"),
            ("K Z N X", "code with extra letters"),
        ] {
            assert_eq!(
                Province::parse(input),
                Err(DomainError::new("must be a South African province")),
                "{why}: {input:?}"
            );
        }
    }

    #[test]
    fn province_round_trips_through_its_official_name() {
        for province in Province::ALL {
            assert_eq!(
                Province::parse(province.as_str()),
                Ok(province),
                "{}",
                province.as_str()
            );
        }
    }

    #[test]
    fn province_serialises_as_its_official_name() {
        let json = serde_json::to_string(&[Province::KwaZuluNatal, Province::NorthWest]).unwrap();
        assert_eq!(json, r#"["KwaZulu-Natal","North West"]"#);
    }
}
