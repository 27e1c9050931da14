//! Outgoing email over SMTP (lettre, rustls). STARTTLS unless configured otherwise; `none` is
//! refused in production by the configuration. One connection per message: Lambda freezes
//! between invocations, so a pooled connection would only go stale.
//!
//! Every message goes out with the settings an admin configured (`PUT /admin/smtp-settings`),
//! read and decrypted once and cached for a few minutes; the deployment's `SMTP_*` settings
//! serve until an admin configures any.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use crate::domain::{SmtpSettings, TlsMode};
use crate::envelope::Envelope;
use crate::store::smtp_settings;

/// How long decrypted admin settings are trusted. A change made in another function's process
/// reaches this one within this time; the process that saved it forgets its copy at once.
const SETTINGS_CACHE_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Why a message was not sent, in terms an admin can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("no SMTP server is configured")]
    NotConfigured,
    #[error("the message is invalid: {0}")]
    InvalidMessage(String),
    #[error("the SMTP server refused the credentials")]
    AuthenticationFailed,
    #[error("the SMTP server could not be reached")]
    ConnectionFailed,
    #[error("the SMTP server did not answer in time")]
    Timeout,
    #[error("the TLS handshake with the SMTP server failed")]
    Tls,
    #[error("the SMTP server rejected the message: {0}")]
    Rejected(String),
    /// The configured settings could not be read or decrypted (DynamoDB or KMS down, a value
    /// that does not decrypt, a password still in plaintext); the cause is logged.
    #[error("the configured SMTP settings cannot be read")]
    SettingsUnavailable,
}

/// Which settings a message went out with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsSource {
    /// Configured by an admin, stored encrypted in the table.
    Admin,
    /// The deployment's `SMTP_*` environment.
    Deployment,
}

impl SettingsSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Deployment => "deployment",
        }
    }
}

/// The admin-configured settings in the table, with their decrypted copy.
struct AdminSettings {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    envelope: Envelope,
    cache: Mutex<SettingsCache>,
}

#[derive(Default)]
struct SettingsCache {
    /// `Some((loaded at, None))` remembers that no admin settings exist, so mail sent with the
    /// deployment's settings costs no read either. Failures are not cached.
    entry: Option<(Instant, Option<Arc<SmtpSettings>>)>,
    /// Moves on every `forget`, so a load that started before a change cannot cache what it
    /// read after the change was made.
    generation: u64,
}

impl AdminSettings {
    fn cached(&self) -> Option<Option<Arc<SmtpSettings>>> {
        let cache = self.cache.lock().ok()?;
        let (loaded_at, settings) = cache.entry.as_ref()?;
        (loaded_at.elapsed() < SETTINGS_CACHE_TTL).then(|| settings.clone())
    }

    fn generation(&self) -> u64 {
        self.cache.lock().map(|c| c.generation).unwrap_or_default()
    }

    /// One `GetItem` and, when a password is set, one KMS `Decrypt`.
    async fn load(&self) -> Result<Option<Arc<SmtpSettings>>, MailError> {
        let generation = self.generation();
        let stored = smtp_settings::get(&self.dynamodb, &self.table)
            .await
            .map_err(|err| {
                tracing::error!(error = %format!("{err:#}"), "cannot read the SMTP settings");
                MailError::SettingsUnavailable
            })?;
        let settings = match stored {
            None => None,
            Some(stored) => Some(Arc::new(stored.open(&self.envelope).await.map_err(
                |err| {
                    tracing::error!(error = %err, "cannot use the configured SMTP settings");
                    MailError::SettingsUnavailable
                },
            )?)),
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.generation == generation {
                cache.entry = Some((Instant::now(), settings.clone()));
            }
        }
        Ok(settings)
    }

    fn forget(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.entry = None;
            cache.generation = cache.generation.wrapping_add(1);
        }
    }
}

pub struct Mailer {
    fallback: Option<Arc<SmtpSettings>>,
    timeout: Duration,
    admin: Option<AdminSettings>,
}

impl Mailer {
    /// A mailer that only knows the deployment's settings.
    pub fn new(fallback: Option<SmtpSettings>, timeout: Duration) -> Self {
        Self {
            fallback: fallback.map(Arc::new),
            timeout,
            admin: None,
        }
    }

    /// Prefers the settings admins store in `table`, decrypted with `envelope`.
    pub fn with_admin_settings(
        mut self,
        dynamodb: aws_sdk_dynamodb::Client,
        table: String,
        envelope: Envelope,
    ) -> Self {
        self.admin = Some(AdminSettings {
            dynamodb,
            table,
            envelope,
            cache: Mutex::default(),
        });
        self
    }

    /// Sends with the current settings.
    pub async fn send(&self, email: OutgoingEmail) -> Result<(), MailError> {
        let (settings, _) = self.settings(false).await?;
        send_with(&settings, email, self.timeout).await
    }

    /// Sends with freshly read settings (an admin testing what they just saved) and says which
    /// settings those were.
    pub async fn send_fresh(&self, email: OutgoingEmail) -> Result<SettingsSource, MailError> {
        let (settings, source) = self.settings(true).await?;
        send_with(&settings, email, self.timeout).await?;
        Ok(source)
    }

    /// Drops the cached admin settings (after they were changed in this process).
    pub fn forget_cached_settings(&self) {
        if let Some(admin) = &self.admin {
            admin.forget();
        }
    }

    async fn settings(
        &self,
        fresh: bool,
    ) -> Result<(Arc<SmtpSettings>, SettingsSource), MailError> {
        if let Some(admin) = &self.admin {
            let configured = match admin.cached().filter(|_| !fresh) {
                Some(cached) => cached,
                None => admin.load().await?,
            };
            if let Some(settings) = configured {
                return Ok((settings, SettingsSource::Admin));
            }
        }
        let fallback = self.fallback.clone().ok_or(MailError::NotConfigured)?;
        Ok((fallback, SettingsSource::Deployment))
    }
}

/// A `From` header value (`Name <address>` or a bare address), normalised, if it parses.
pub fn parse_mailbox(raw: &str) -> Option<String> {
    raw.trim().parse::<Mailbox>().ok().map(|m| m.to_string())
}

pub async fn send_with(
    settings: &SmtpSettings,
    email: OutgoingEmail,
    timeout: Duration,
) -> Result<(), MailError> {
    let invalid = |e: &dyn std::fmt::Display| MailError::InvalidMessage(e.to_string());
    let from: Mailbox = settings.from_address.parse().map_err(|e| invalid(&e))?;
    let to: Mailbox = email.to.parse().map_err(|e| invalid(&e))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(email.text)
        .map_err(|e| invalid(&e))?;

    let builder = match settings.tls_mode {
        TlsMode::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
        }
        TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            .map_err(|_| MailError::Tls)?,
        TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
            .map_err(|_| MailError::Tls)?,
    };
    let mut builder = builder.port(settings.port).timeout(Some(timeout));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let transport = builder.build();
    match tokio::time::timeout(
        timeout + Duration::from_millis(250),
        transport.send(message),
    )
    .await
    {
        Err(_) => Err(MailError::Timeout),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(classify(&err)),
    }
}

fn classify(err: &lettre::transport::smtp::Error) -> MailError {
    let code = err.status().map(|c| c.to_string());
    if err.is_timeout() {
        MailError::Timeout
    } else if err.is_tls() {
        MailError::Tls
    } else if matches!(code.as_deref(), Some("535") | Some("534") | Some("530")) {
        MailError::AuthenticationFailed
    } else if err.is_permanent() || err.is_transient() {
        MailError::Rejected(code.unwrap_or_default())
    } else {
        MailError::ConnectionFailed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_any_settings_mail_is_not_configured() {
        let mailer = Mailer::new(None, Duration::from_millis(100));
        let email = OutgoingEmail {
            to: "someone@example.co.za".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        assert_eq!(mailer.send(email).await, Err(MailError::NotConfigured));
    }

    #[test]
    fn from_addresses_parse_with_or_without_a_name() {
        assert_eq!(
            parse_mailbox(" Drive Alive <no-reply@example.co.za> ").as_deref(),
            Some("Drive Alive <no-reply@example.co.za>")
        );
        assert_eq!(
            parse_mailbox("no-reply@example.co.za").as_deref(),
            Some("no-reply@example.co.za")
        );
        assert_eq!(parse_mailbox("not an address"), None);
    }

    #[test]
    fn the_password_is_redacted_in_debug_output() {
        let settings = SmtpSettings {
            host: "smtp.example.co.za".into(),
            port: 587,
            tls_mode: TlsMode::StartTls,
            username: Some("mailer".into()),
            password: Some("hunter2!".into()),
            from_address: "no-reply@example.co.za".into(),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
