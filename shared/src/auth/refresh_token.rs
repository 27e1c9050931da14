//! Opaque refresh tokens `rt1.<user>.<session>.<generation>.<secret>`. Only a hash of the secret is
//! stored; the generation moves on every use, so presenting an older generation means a token
//! was stolen and replayed, and the whole session is revoked.

pub use crate::token_secret::{hash_secret, random_token_secret};

const PREFIX: &str = "rt1";

#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub user_id: String,
    pub session_id: String,
    pub generation: u64,
    secret: String,
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshToken")
            .field("user_id", &self.user_id)
            .field("session_id", &self.session_id)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl RefreshToken {
    pub fn generate(user_id: &str, session_id: &str, generation: u64) -> Self {
        Self {
            user_id: user_id.to_owned(),
            session_id: session_id.to_owned(),
            generation,
            secret: random_token_secret(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let (Some(PREFIX), Some(user_id), Some(session_id), Some(generation), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        // Ids are UUIDs; anything else is refused before it becomes part of a table key.
        let valid_id = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        // One spelling per generation: `u64::from_str` also takes "+1" and "01".
        let canonical_number = |s: &str| {
            !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'))
        };
        if !valid_id(user_id)
            || !valid_id(session_id)
            || !canonical_number(generation)
            || secret.len() < 32
            || secret.len() > 64
        {
            return None;
        }
        Some(Self {
            user_id: user_id.to_owned(),
            session_id: session_id.to_owned(),
            generation: generation.parse().ok()?,
            secret: secret.to_owned(),
        })
    }

    pub fn hash(&self) -> String {
        hash_secret(&self.secret)
    }

    /// The string given to the client.
    pub fn expose(&self) -> String {
        format!(
            "{PREFIX}.{}.{}.{}.{}",
            self.user_id, self.session_id, self.generation, self.secret
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_its_hash_is_stable() {
        let token = RefreshToken::generate("u-1", "s-1", 3);
        let parsed = RefreshToken::parse(&token.expose()).expect("parses");
        assert_eq!(parsed, token);
        assert_eq!(parsed.hash(), token.hash());
        assert!(!format!("{token:?}").contains(&token.secret));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = RefreshToken::generate("u-1", "s-1", 0).expose();
        let jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig".to_owned();
        let cases = [
            String::new(),
            good.replacen("rt1", "rt2", 1),
            format!("{good}.extra"),
            good.replace(".0.", ".x."),
            "rt1.u-1.s-1.0.short".to_owned(),
            good.replace(".0.", ".00."),
            good.replace(".0.", ".+0."),
            good.replacen("u-1", "u#1", 1),
            good.replacen("u-1", "u 1", 1),
            jwt_like,
        ];
        for case in cases {
            assert!(RefreshToken::parse(&case).is_none(), "{case}");
        }
    }
}
