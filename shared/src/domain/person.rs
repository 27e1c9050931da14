//! A person's first or last name.

use super::DomainError;

const MAX_LEN: usize = 100;

/// Letters of any script, with the spaces, apostrophes, hyphens and periods that real names use
/// ("Nkosazana Dlamini-Zuma", "D'Almeida", "J. R."). Runs of whitespace collapse to one space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(DomainError::new("must not be empty"));
        }
        if name.chars().count() > MAX_LEN {
            return Err(DomainError::new(format!(
                "must be at most {MAX_LEN} characters"
            )));
        }
        // U+2019 is the apostrophe phone keyboards type.
        let allowed =
            |c: char| c.is_alphabetic() || matches!(c, ' ' | '\'' | '\u{2019}' | '-' | '.');
        if !name.chars().all(allowed) || !name.chars().any(char::is_alphabetic) {
            return Err(DomainError::new(
                "may contain only letters, spaces, apostrophes, hyphens and periods",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_names_and_tidies_whitespace() {
        let longest = "a".repeat(100);
        let cases = [
            ("Thabo", "Thabo", "single name"),
            ("  Lerato  ", "Lerato", "trimmed"),
            (
                "Nkosazana  Dlamini-Zuma",
                "Nkosazana Dlamini-Zuma",
                "inner spaces collapsed, hyphen kept",
            ),
            ("Mary\tAnne", "Mary Anne", "tab collapsed to a space"),
            ("D'Almeida", "D'Almeida", "ASCII apostrophe"),
            ("O\u{2019}Brien", "O\u{2019}Brien", "typographic apostrophe"),
            ("J. R.", "J. R.", "initials with periods"),
            ("van der Merwe", "van der Merwe", "lowercase particles"),
            (
                "Zoë Müller-Lüdenscheidt",
                "Zoë Müller-Lüdenscheidt",
                "accented letters",
            ),
            ("Ntombi", "Ntombi", "isiZulu name"),
            ("X", "X", "one letter"),
            (longest.as_str(), longest.as_str(), "exactly 100 characters"),
        ];
        for (input, expected, why) in cases {
            let name = PersonName::parse(input)
                .unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(name.as_str(), expected, "{why}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_name() {
        let too_long = "a".repeat(101);
        let cases = [
            ("", "must not be empty", "empty"),
            ("   ", "must not be empty", "whitespace only"),
            (
                too_long.as_str(),
                "must be at most 100 characters",
                "101 characters",
            ),
            (
                "Thabo2",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "digit",
            ),
            (
                "<script>",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "markup",
            ),
            (
                "Lerato!",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "exclamation mark",
            ),
            (
                "Sipho\u{0}",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "NUL",
            ),
            (
                "Thabo 😀",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "emoji",
            ),
            (
                "-- .",
                "may contain only letters, spaces, apostrophes, hyphens and periods",
                "no letter at all",
            ),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                PersonName::parse(input).err(),
                Some(DomainError::new(message)),
                "{why}: {input:?}"
            );
        }
    }
}
