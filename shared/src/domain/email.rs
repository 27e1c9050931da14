//! An email address, normalised so that one mailbox is one account.

use super::DomainError;

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;
const INVALID: &str = "must be a valid email address";

/// A syntactically valid address, trimmed and lowercased as a whole. Lowercasing the local part
/// is stricter than RFC 5321 but no real provider distinguishes case, and uniqueness needs one
/// spelling per mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        // ASCII only: internationalised addresses need SMTPUTF8 end to end, which we cannot
        // promise for every relay.
        if trimmed.is_empty() || !trimmed.is_ascii() {
            return Err(DomainError::new(INVALID));
        }
        if trimmed.len() > MAX_LEN {
            return Err(DomainError::new(format!(
                "must be at most {MAX_LEN} characters"
            )));
        }
        let address = trimmed.to_ascii_lowercase();
        let mut parts = address.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(DomainError::new(INVALID));
        };
        if !valid_local_part(local) || !valid_domain(domain) {
            return Err(DomainError::new(INVALID));
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Dot-atom form only; quoted local parts are legal but only ever seen in abuse.
fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || SPECIALS.contains(c))
}

/// A host name with at least two labels and a top-level label that is not all digits, so bare
/// hosts and IP literals are refused.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && labels.iter().all(|label| valid_label(label))
        && tld.chars().any(|c| c.is_ascii_alphabetic())
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_valid_addresses() {
        let cases = [
            (
                "thabo@example.co.za",
                "thabo@example.co.za",
                "plain address",
            ),
            (
                "  Thabo@Example.CO.ZA ",
                "thabo@example.co.za",
                "trimmed and lowercased",
            ),
            (
                "first.last+tag@mail.example.com",
                "first.last+tag@mail.example.com",
                "dots and plus",
            ),
            (
                "o'neil@example.org",
                "o'neil@example.org",
                "apostrophe in local part",
            ),
            ("a@b-c.io", "a@b-c.io", "hyphen inside a domain label"),
            (
                "user_1@sub.domain.example",
                "user_1@sub.domain.example",
                "underscore and digits",
            ),
        ];
        for (input, expected, why) in cases {
            let email =
                Email::parse(input).unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(email.as_str(), expected, "{why}");
            assert_eq!(email.as_ref(), expected, "{why}: as_ref");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let too_long = format!("{}@{}.com", "a".repeat(64), "b.".repeat(95));
        let cases = [
            ("", "empty"),
            ("   ", "only whitespace"),
            ("thabo.example.com", "no @"),
            ("a@b@example.com", "two @"),
            ("@example.com", "empty local part"),
            ("thabo@", "empty domain"),
            ("thabo@localhost", "domain without a dot"),
            ("thabo@example.", "empty last label"),
            ("thabo@.example.com", "empty first label"),
            ("thabo@exa..mple.com", "empty middle label"),
            ("thabo@-example.com", "label starts with hyphen"),
            ("thabo@example-.com", "label ends with hyphen"),
            ("thabo@exa_mple.com", "underscore in domain"),
            ("thabo@10.0.0.1", "IP address as domain"),
            ("tha bo@example.com", "space inside"),
            ("thabo@exam ple.com", "space in domain"),
            ("thabo\n@example.com", "control character"),
            ("thabo\u{0}@example.com", "NUL"),
            (".thabo@example.com", "leading dot"),
            ("thabo.@example.com", "trailing dot"),
            ("tha..bo@example.com", "consecutive dots"),
            ("\"thabo\"@example.com", "quoted local part"),
            ("thabo@exämple.com", "non-ASCII domain"),
            ("thabo@example.com>", "angle bracket"),
            (long_local.as_str(), "local part over 64"),
            (long_label.as_str(), "domain label over 63"),
            (too_long.as_str(), "address over 254"),
        ];
        for (input, why) in cases {
            assert!(
                Email::parse(input).is_err(),
                "{why}: {input:?} should be refused"
            );
        }
    }

    #[test]
    fn overlong_address_says_why() {
        let too_long = format!("{}@{}.com", "a".repeat(64), "b.".repeat(95));
        let err = Email::parse(&too_long).err();
        assert_eq!(
            err,
            Some(DomainError::new("must be at most 254 characters"))
        );
    }

    #[test]
    fn same_mailbox_in_different_case_is_equal() {
        assert_eq!(
            Email::parse("Lerato@Example.com"),
            Email::parse("lerato@example.COM")
        );
    }
}
