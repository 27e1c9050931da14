//! Outgoing email over SMTP (lettre, rustls). STARTTLS unless configured otherwise; `none` is
//! refused in production by the configuration. One connection per message: Lambda freezes
//! between invocations, so a pooled connection would only go stale.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    StartTls,
    Tls,
    None,
}

impl TlsMode {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartTls => "starttls",
            Self::Tls => "tls",
            Self::None => "none",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls_mode: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls_mode", &self.tls_mode)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from_address", &self.from_address)
            .finish()
    }
}

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
}

pub struct Mailer {
    fallback: Option<SmtpSettings>,
    timeout: Duration,
}

impl Mailer {
    pub fn new(fallback: Option<SmtpSettings>, timeout: Duration) -> Self {
        Self { fallback, timeout }
    }

    /// Sends with the deployment's settings.
    pub async fn send(&self, email: OutgoingEmail) -> Result<(), MailError> {
        let settings = self.fallback.as_ref().ok_or(MailError::NotConfigured)?;
        send_with(settings, email, self.timeout).await
    }
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
