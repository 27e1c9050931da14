//! A new password as the user typed it, checked against the password policy.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use super::DomainError;

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 128;
const TOO_COMMON: &str = "is too common";

/// Plaintext, held only until it is hashed. There is deliberately no `Display`, `Serialize` or
/// derived `Debug`, so it cannot end up in a response or a log line by accident.
pub struct Password(String);

impl Password {
    /// 8-128 characters (not bytes), with an uppercase letter, a lowercase letter, a digit and
    /// a special character, and not a common password in disguise. The input is kept exactly as
    /// given: never trimmed, never truncated.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let length_ok = (MIN_LEN..=MAX_LEN).contains(&input.chars().count());
        let missing: Vec<&str> = [
            (input.chars().any(char::is_uppercase), "an uppercase letter"),
            (input.chars().any(char::is_lowercase), "a lowercase letter"),
            (input.chars().any(char::is_numeric), "a digit"),
            (
                input.chars().any(|c| !c.is_alphanumeric()),
                "a special character",
            ),
        ]
        .into_iter()
        .filter(|(present, _)| !present)
        .map(|(_, requirement)| requirement)
        .collect();
        if !length_ok || !missing.is_empty() {
            return Err(DomainError::new(requirements_message(length_ok, &missing)));
        }
        if is_common(input) {
            return Err(DomainError::new(TOO_COMMON));
        }
        Ok(Self(input.to_owned()))
    }

    /// The plaintext, for the password hasher and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// One message naming only what is wrong, e.g. "must include a digit and a special character".
fn requirements_message(length_ok: bool, missing: &[&str]) -> String {
    let length = format!("must be {MIN_LEN}-{MAX_LEN} characters");
    let include = match missing {
        [] => return length,
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    if length_ok {
        format!("must include {include}")
    } else {
        format!("{length} and include {include}")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    })
}

/// Common when the whole password is on the list, or when its core is: the part left after
/// stripping digits and symbols from either end ("Welcome2024!" -> "welcome"), read with
/// leetspeak undone ("P@ssw0rd" -> "password"). Every split of the leading and trailing
/// non-letters is tried, because a leading "@" or trailing "!" may be a letter in disguise
/// ("@dmin", "l3tm31n!") or padding ("Monkey!!").
fn is_common(password: &str) -> bool {
    let list = common_passwords();
    let lower = password.to_lowercase();
    if list.contains(lower.as_str()) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let leading = chars.iter().take_while(|c| !c.is_alphabetic()).count();
    let trailing = chars
        .iter()
        .rev()
        .take_while(|c| !c.is_alphabetic())
        .count();
    for start in 0..=leading {
        for end in (chars.len() - trailing)..=chars.len() {
            if start >= end {
                continue;
            }
            let core = &chars[start..end];
            let raw: String = core.iter().collect();
            if list.contains(raw.as_str())
                || ['i', 'l']
                    .into_iter()
                    .any(|one| list.contains(unleet(core, one).as_str()))
            {
                return true;
            }
        }
    }
    false
}

/// Undoes common substitutions, then drops the separators left inside ("i-love-you").
/// `1` stands for either `i` or `l`, so the caller tries both.
fn unleet(core: &[char], one: char) -> String {
    core.iter()
        .map(|&c| match c {
            '0' => 'o',
            '1' => one,
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            '!' => 'i',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL_RULES: &str = "must be 8-128 characters and include an uppercase letter, a \
                              lowercase letter, a digit and a special character";

    #[test]
    fn accepts_strong_passwords_unchanged() {
        let longest = format!("Aa1!{}", "x".repeat(124));
        let cases = [
            ("Kx7#mQ2!vLp9", "random characters"),
            ("Blue-Giraffe-42", "uncommon words"),
            ("aB3$eFgH", "exactly 8 characters"),
            (" Spaced Out 9 ", "spaces count as special and are kept"),
            ("Ünïcödé-Pässwörd-9", "non-ASCII letters"),
            (longest.as_str(), "exactly 128 characters"),
        ];
        for (input, why) in cases {
            let password =
                Password::parse(input).unwrap_or_else(|e| panic!("{why}: {input:?} refused: {e}"));
            assert_eq!(password.expose(), input, "{why}: kept exactly as typed");
        }
    }

    #[test]
    fn rejects_weak_passwords_naming_what_is_missing() {
        let too_long = format!("Aa1!{}", "x".repeat(125));
        let cases = [
            ("Ab1!", "must be 8-128 characters", "too short"),
            (
                too_long.as_str(),
                "must be 8-128 characters",
                "129 characters, never truncated",
            ),
            (
                "kx7#mq2!vlp9",
                "must include an uppercase letter",
                "no uppercase",
            ),
            (
                "KX7#MQ2!VLP9",
                "must include a lowercase letter",
                "no lowercase",
            ),
            ("Kxq#mQz!vLpw", "must include a digit", "no digit"),
            (
                "Kx7bmQ2yvLp9",
                "must include a special character",
                "no special",
            ),
            (
                "kxqbmqzyvlpw",
                "must include an uppercase letter, a digit and a special character",
                "lowercase only",
            ),
            (
                "Kxqb7",
                "must be 8-128 characters and include a special character",
                "short and no special",
            ),
            ("", FULL_RULES, "empty"),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                Password::parse(input).err(),
                Some(DomainError::new(message)),
                "{why}: {input:?}"
            );
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let multibyte_128 = format!("Ää1!{}", "ä".repeat(124));
        let multibyte_129 = format!("Ää1!{}", "ä".repeat(125));
        assert!(
            Password::parse("Ää1!Ööüx").is_ok(),
            "8 characters in 12 bytes is long enough"
        );
        assert!(
            Password::parse(&multibyte_128).is_ok(),
            "128 characters in 256 bytes is allowed"
        );
        assert!(
            Password::parse(&multibyte_129).is_err(),
            "129 characters is too long"
        );
    }

    #[test]
    fn rejects_common_passwords_in_disguise() {
        let cases = [
            ("Password123!", "list word with digits and symbol appended"),
            ("P@ssw0rd1!", "leetspeak"),
            ("Welcome2024!", "welcome plus a year"),
            ("Qwerty123!", "keyboard walk"),
            ("1Q2w3e4r!", "numbered keyboard walk"),
            ("Zaq12wsx!", "diagonal keyboard walk"),
            ("Abc123!!", "abc123 padded"),
            ("Iloveyou!2", "iloveyou"),
            ("I-Love-You-7", "separated words"),
            ("L3tm31n!!", "leetspeak with 1 as i"),
            ("Sh4d0w!99", "leetspeak with 4 and 0"),
            ("$Unsh1ne2024", "dollar as s at the start"),
            ("@Dmin123!", "at sign as a at the start"),
            ("Monkey!!99", "padding of symbols and digits"),
            ("Springbok#1", "South African rugby"),
            ("Bafana_Bafana1", "South African football"),
            ("Cape Town 2024!", "city with a space"),
            ("Johannesburg1!", "city"),
            ("Mzansi@2025", "local slang"),
            ("DriveAlive1!", "the product's own name"),
        ];
        for (input, why) in cases {
            assert_eq!(
                Password::parse(input).err(),
                Some(DomainError::new(TOO_COMMON)),
                "{why}: {input:?}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_plaintext() {
        let password = Password::parse("Kx7#mQ2!vLp9").unwrap();
        assert_eq!(format!("{password:?}"), "Password([redacted])");
    }

    #[test]
    fn common_list_is_large_lowercase_and_clean() {
        let raw: Vec<&str> = include_str!("common_passwords.txt").lines().collect();
        assert!(common_passwords().len() >= 300, "at least 300 entries");
        assert_eq!(
            common_passwords().len(),
            raw.len(),
            "no blank or duplicate lines"
        );
        for entry in raw {
            assert_eq!(entry, entry.to_lowercase(), "{entry:?} is lowercase");
            assert_eq!(entry, entry.trim(), "{entry:?} has no surrounding spaces");
        }
    }
}
