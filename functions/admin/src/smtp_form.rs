//! The body of `PUT /admin/smtp-settings`, parsed into settings (every field error in one 422).
//! The password is write-only: sent to set or change it, left out to keep the stored one.

use std::net::IpAddr;

use serde::Deserialize;
use utoipa::ToSchema;

use shared::http::validation::Validator;
use shared::mail::{self, TlsMode};
use shared::store::smtp_settings::StoredSmtpSettings;
use shared::{ApiError, Stage};

// The derived Debug never shows the password: see `SentPassword`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettingsInput {
    /// A host name or IP address, without scheme or port.
    host: String,
    #[schema(minimum = 1, maximum = 65535)]
    port: i64,
    /// `starttls`, `tls` or `none` (not in production).
    tls_mode: String,
    /// Leave out (or `null`) for a server without authentication.
    #[serde(default)]
    username: Option<String>,
    /// Write-only: sent to set or change it, left out to keep the stored one.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Password, write_only)]
    password: Option<SentPassword>,
    /// An email address, optionally with a name: `Drive Alive <no-reply@example.co.za>`.
    from_address: String,
    /// The admin's own password, required with every change: whoever controls the mail server
    /// receives every verification and reset link.
    #[serde(default)]
    #[schema(value_type = String, format = Password, write_only)]
    current_password: Option<SentPassword>,
}

/// A password as sent: read once, by the parse, and never printed.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct SentPassword(String);

impl std::fmt::Debug for SentPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What to do with the stored password.
pub enum PasswordChange {
    /// No username: the server is used without authentication.
    NoAuthentication,
    /// Keep the stored password (the client cannot send it back: it never sees it).
    Keep,
    Set(String),
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoAuthentication => "NoAuthentication",
            Self::Keep => "Keep",
            Self::Set(_) => "Set([redacted])",
        })
    }
}

#[derive(Debug)]
pub struct SmtpSettingsForm {
    pub host: String,
    pub port: u16,
    pub tls_mode: TlsMode,
    pub username: Option<String>,
    pub password: PasswordChange,
    pub from_address: String,
    current_password: SentPassword,
}

impl SmtpSettingsForm {
    /// The admin's own password, for the step-up; taken once, so the form keeps no copy.
    pub fn take_current_password(&mut self) -> String {
        std::mem::take(&mut self.current_password.0)
    }

    /// Whether the stored password may be kept: only for the same server, account and
    /// transport. Otherwise a session could point the sealed password at a server of its
    /// choosing and read it there.
    pub fn keeps_server_of(&self, stored: &StoredSmtpSettings) -> bool {
        self.host == stored.host
            && self.port == stored.port
            && self.tls_mode == stored.tls_mode
            && self.username == stored.username
    }
}

const MAX_SECRET_LEN: usize = 512;

/// A DNS name (letters, digits, hyphens; dot-separated labels) or an IP address literal.
fn parse_host(raw: &str) -> Option<String> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<IpAddr>().is_ok() {
        return Some(host);
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    (!host.is_empty() && host.len() <= 253 && host.split('.').all(label_ok)).then_some(host)
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

impl SmtpSettingsInput {
    pub fn parse(self, stage: Stage) -> Result<SmtpSettingsForm, ApiError> {
        let mut v = Validator::default();
        let host = parse_host(&self.host);
        if host.is_none() {
            v.error(
                "host",
                "must be a host name or an IP address, without a scheme or port",
            );
        }
        let port = u16::try_from(self.port).ok().filter(|p| *p > 0);
        if port.is_none() {
            v.error("port", "must be a port number from 1 to 65535");
        }
        let tls_mode = TlsMode::parse(self.tls_mode.trim());
        match tls_mode {
            None => v.error("tls_mode", "must be starttls, tls or none"),
            Some(TlsMode::None) if stage == Stage::Prod => v.error(
                "tls_mode",
                "must be starttls or tls in production: mail must be encrypted in transit",
            ),
            Some(_) => {}
        }
        let username = self
            .username
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        if username
            .as_ref()
            .is_some_and(|u| u.len() > 256 || has_control(u))
        {
            v.error(
                "username",
                "must be at most 256 characters, without control characters",
            );
        }
        let password = match (&username, self.password) {
            (None, None) => PasswordChange::NoAuthentication,
            (None, Some(_)) => {
                v.error("password", "is used only together with a username");
                PasswordChange::NoAuthentication
            }
            (Some(_), None) => PasswordChange::Keep,
            (Some(_), Some(SentPassword(password))) => {
                // SMTP AUTH PLAIN separates its fields with NUL; nothing else is restricted.
                if password.is_empty() || password.len() > MAX_SECRET_LEN || password.contains('\0')
                {
                    v.error(
                        "password",
                        "must be 1 to 512 characters long, without NUL characters",
                    );
                }
                PasswordChange::Set(password)
            }
        };
        let from_address = mail::parse_mailbox(&self.from_address)
            .filter(|from| from.len() <= 320 && !has_control(from));
        if from_address.is_none() {
            v.error(
                "from_address",
                "must be an email address, optionally with a name: Drive Alive <no-reply@example.co.za>",
            );
        }
        let current_password = self.current_password.filter(|p| !p.0.is_empty());
        if current_password.is_none() {
            v.error(
                "current_password",
                "is required: confirm the change with your own password",
            );
        }
        let parsed = (|| {
            Some(SmtpSettingsForm {
                current_password: current_password?,
                host: host?,
                port: port?,
                tls_mode: tls_mode?,
                username,
                password,
                from_address: from_address?,
            })
        })();
        v.finish_with(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(changes: serde_json::Value) -> SmtpSettingsInput {
        let mut body = serde_json::json!({
            "host": "smtp.example.co.za",
            "port": 587,
            "tls_mode": "starttls",
            "username": "mailer",
            "password": "S3cret!pass",
            "from_address": "Drive Alive <no-reply@example.co.za>",
            "current_password": "Adm1n!pass"
        });
        for (k, v) in changes.as_object().expect("object") {
            body[k] = v.clone();
        }
        serde_json::from_value(body).expect("shape")
    }

    fn fields(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn valid_settings_parse() {
        let form = input(serde_json::json!({}))
            .parse(Stage::Prod)
            .expect("valid");
        assert_eq!(form.host, "smtp.example.co.za");
        assert!(matches!(form.password, PasswordChange::Set(_)));
        let keep = input(serde_json::json!({"password": null}))
            .parse(Stage::Prod)
            .expect("valid");
        assert!(matches!(keep.password, PasswordChange::Keep));
        let ip = input(serde_json::json!({"host": "127.0.0.1", "tls_mode": "none"}))
            .parse(Stage::Local)
            .expect("valid");
        assert_eq!(ip.tls_mode, TlsMode::None);
    }

    #[test]
    fn each_invalid_field_is_named() {
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (serde_json::json!({"host": "smtp://x.co.za"}), "host"),
            (serde_json::json!({"host": "bad host"}), "host"),
            (serde_json::json!({"host": ""}), "host"),
            (serde_json::json!({"port": 0}), "port"),
            (serde_json::json!({"port": 70000}), "port"),
            (serde_json::json!({"tls_mode": "ssl"}), "tls_mode"),
            (serde_json::json!({"tls_mode": "none"}), "tls_mode"),
            (serde_json::json!({"password": ""}), "password"),
            (serde_json::json!({"password": "a\u{0}b"}), "password"),
            (serde_json::json!({"username": null}), "password"),
            (
                serde_json::json!({"current_password": null}),
                "current_password",
            ),
            (
                serde_json::json!({"current_password": ""}),
                "current_password",
            ),
            (
                serde_json::json!({"from_address": "not an address"}),
                "from_address",
            ),
        ];
        for (change, field) in cases {
            let why = change.to_string();
            let err = input(change).parse(Stage::Prod).expect_err(&why);
            assert_eq!(fields(err), vec![field.to_owned()], "{why}");
        }
    }

    #[test]
    fn the_password_never_appears_in_a_debug_print() {
        let printed = format!("{:?}", input(serde_json::json!({})));
        assert!(
            !printed.contains("S3cret") && !printed.contains("Adm1n"),
            "{printed}"
        );
    }
}
