//! The outgoing-mail server admins configure. One item:
//!
//! | item          | PK              | SK         | attributes                                        |
//! |---------------|-----------------|------------|---------------------------------------------------|
//! | SMTP settings | `SETTINGS#SMTP` | `SETTINGS` | `host`, `port`, `tls_mode`, `username`,           |
//! |               |                 |            | `password_ciphertext` (B), `from_address`,        |
//! |               |                 |            | `version`, `updated_at`, `updated_by`             |
//!
//! `password_ciphertext` is an [`envelope`](crate::envelope) value sealed with the context
//! `{purpose: smtp-password, record: <PK>}`, so it opens for this record only. `version` grows by
//! one per write; writes are conditional on it (optimistic concurrency).
//!
//! Legacy items imported from the old back ends carry the password in plaintext (`password`,
//! a string) and no `password_ciphertext`; `migrate-smtp-passwords` seals them. The old apps
//! could keep several configurations, imported as `SETTINGS#SMTP#<name>`: the migration covers
//! every item whose PK starts with `SETTINGS#SMTP` and whose SK is `SETTINGS`. The mail code
//! reads only `SETTINGS#SMTP` and never uses a plaintext password.

use anyhow::Context;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put};

use super::attr::{get_n, get_s, n, put_opt, req_s, s, Item};
use crate::domain::{SmtpSettings, TlsMode};
use crate::envelope::{EncryptionContext, Envelope, EnvelopeError};
use crate::schema::{PARTITION_KEY, SORT_KEY};

pub const SMTP_SETTINGS_PK: &str = "SETTINGS#SMTP";
pub const SETTINGS_SK: &str = "SETTINGS";
pub const PASSWORD_PURPOSE: &str = "smtp-password";
pub const PASSWORD_CIPHERTEXT: &str = "password_ciphertext";
/// Where the old back ends kept the password, in plaintext.
pub const LEGACY_PASSWORD: &str = "password";

/// The encryption context binding a sealed SMTP password to the item `record_pk`.
pub fn password_context(record_pk: &str) -> EncryptionContext {
    EncryptionContext::new(PASSWORD_PURPOSE, record_pk)
}

pub fn settings_key(record_pk: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(record_pk)),
        (SORT_KEY.to_owned(), s(SETTINGS_SK)),
    ])
}

/// The password as stored.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredPassword {
    Absent,
    Sealed(Vec<u8>),
    /// Written by the old back ends; only the migration reads it.
    LegacyPlaintext(String),
}

impl std::fmt::Debug for StoredPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Absent => "Absent",
            Self::Sealed(_) => "Sealed([..])",
            Self::LegacyPlaintext(_) => "LegacyPlaintext([redacted])",
        })
    }
}

impl StoredPassword {
    pub fn is_set(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSmtpSettings {
    /// The item's PK: `SETTINGS#SMTP` (or a legacy `SETTINGS#SMTP#<name>`).
    pub record: String,
    pub host: String,
    pub port: u16,
    pub tls_mode: TlsMode,
    pub username: Option<String>,
    pub password: StoredPassword,
    pub from_address: String,
    /// 0 for an item never written by this code (legacy).
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

impl TryFrom<&Item> for StoredSmtpSettings {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        let tls_mode = get_s(item, "tls_mode")
            .and_then(TlsMode::parse)
            .context("SMTP settings have no valid tls_mode")?;
        let password = match (
            item.get(PASSWORD_CIPHERTEXT).and_then(|v| v.as_b().ok()),
            get_s(item, LEGACY_PASSWORD),
        ) {
            (Some(sealed), _) => StoredPassword::Sealed(sealed.as_ref().to_vec()),
            (None, Some(plain)) => StoredPassword::LegacyPlaintext(plain.to_owned()),
            (None, None) => StoredPassword::Absent,
        };
        Ok(Self {
            record: req_s(item, PARTITION_KEY)?,
            host: req_s(item, "host")?,
            port: get_n(item, "port").context("SMTP settings have no valid port")?,
            tls_mode,
            username: get_s(item, "username").map(str::to_owned),
            password,
            from_address: req_s(item, "from_address")?,
            version: get_n(item, "version").unwrap_or(0),
            updated_at: get_s(item, "updated_at").map(str::to_owned),
            updated_by: get_s(item, "updated_by").map(str::to_owned),
        })
    }
}

impl StoredSmtpSettings {
    /// Replaces the whole item (so a legacy plaintext `password` cannot survive a write), on
    /// condition that nobody wrote it since it was read at `read_version` (`None`: it did not
    /// exist). A plaintext password is never written.
    pub fn put(&self, table: &str, read_version: Option<i64>) -> anyhow::Result<Put> {
        anyhow::ensure!(
            !matches!(self.password, StoredPassword::LegacyPlaintext(_)),
            "refusing to write a plaintext SMTP password"
        );
        let mut item = settings_key(&self.record);
        for (name, value) in [
            ("host", s(&self.host)),
            ("port", n(self.port)),
            ("tls_mode", s(self.tls_mode.as_str())),
            ("from_address", s(&self.from_address)),
            ("version", n(self.version)),
        ] {
            item.insert(name.to_owned(), value);
        }
        put_opt(&mut item, "username", self.username.as_ref().map(s));
        put_opt(&mut item, "updated_at", self.updated_at.as_ref().map(s));
        put_opt(&mut item, "updated_by", self.updated_by.as_ref().map(s));
        if let StoredPassword::Sealed(sealed) = &self.password {
            item.insert(
                PASSWORD_CIPHERTEXT.to_owned(),
                AttributeValue::B(Blob::new(sealed.clone())),
            );
        }
        let builder = Put::builder().table_name(table).set_item(Some(item));
        let builder = match read_version {
            None => builder.condition_expression("attribute_not_exists(PK)"),
            Some(0) => builder
                .condition_expression("attribute_exists(PK) AND attribute_not_exists(version)"),
            Some(version) => builder
                .condition_expression("version = :read_version")
                .expression_attribute_values(":read_version", n(version)),
        };
        Ok(builder.build()?)
    }

    /// The settings a message is sent with. A legacy plaintext password is refused: it must
    /// be migrated, not used.
    pub async fn open(&self, envelope: &Envelope) -> Result<SmtpSettings, SettingsError> {
        let password = match &self.password {
            StoredPassword::Absent => None,
            StoredPassword::Sealed(sealed) => {
                let plain = envelope
                    .open(sealed, &password_context(&self.record))
                    .await?;
                Some(String::from_utf8(plain.to_vec()).map_err(|_| {
                    SettingsError::Envelope(EnvelopeError::Malformed("password is not UTF-8"))
                })?)
            }
            StoredPassword::LegacyPlaintext(_) => return Err(SettingsError::LegacyPlaintext),
        };
        Ok(SmtpSettings {
            host: self.host.clone(),
            port: self.port,
            tls_mode: self.tls_mode,
            username: self.username.clone(),
            password,
            from_address: self.from_address.clone(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the SMTP settings could not be read: {0:#}")]
    Store(#[from] anyhow::Error),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error("the SMTP password is stored in plaintext; run migrate-smtp-passwords")]
    LegacyPlaintext,
}

/// The admin-configured settings, if any (one strongly consistent `GetItem`).
pub async fn get(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<Option<StoredSmtpSettings>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(settings_key(SMTP_SETTINGS_PK)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read the SMTP settings")?;
    output.item().map(StoredSmtpSettings::try_from).transpose()
}

/// Every SMTP settings item, current and legacy: a `Scan` (one round trip per page), for the
/// offline migration only; no request path scans.
pub async fn scan_all(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut start_key = None;
    loop {
        let output = dynamodb
            .scan()
            .table_name(table)
            .filter_expression("SK = :sk AND begins_with(PK, :prefix)")
            .expression_attribute_values(":sk", s(SETTINGS_SK))
            .expression_attribute_values(":prefix", s(SMTP_SETTINGS_PK))
            .consistent_read(true)
            .set_exclusive_start_key(start_key)
            .send()
            .await
            .context("Failed to scan for SMTP settings")?;
        items.extend(output.items().iter().cloned());
        match output.last_evaluated_key() {
            Some(key) if !key.is_empty() => start_key = Some(key.clone()),
            _ => return Ok(items),
        }
    }
}

/// How one settings item holds its password, as the offline migration sees it.
#[derive(PartialEq, Eq)]
pub struct PasswordAtRest {
    /// The item's partition key (not secret).
    pub record_pk: String,
    /// A sealed password (`password_ciphertext`) is present.
    pub sealed: bool,
    /// A legacy plaintext `password`, if one is left.
    pub plaintext: Option<String>,
}

impl std::fmt::Debug for PasswordAtRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordAtRest")
            .field("record_pk", &self.record_pk)
            .field("sealed", &self.sealed)
            .field("plaintext", &self.plaintext.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Every SMTP settings item's password state ([`scan_all`]).
pub async fn passwords_at_rest(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<Vec<PasswordAtRest>> {
    Ok(scan_all(dynamodb, table)
        .await?
        .iter()
        .filter_map(|item| {
            Some(PasswordAtRest {
                record_pk: get_s(item, PARTITION_KEY)?.to_owned(),
                sealed: item.contains_key(PASSWORD_CIPHERTEXT),
                plaintext: get_s(item, LEGACY_PASSWORD).map(str::to_owned),
            })
        })
        .collect())
}

/// Outcome of a conditional write that lost a race.
#[derive(Debug, PartialEq, Eq)]
pub enum Replaced {
    Done,
    /// The item changed since it was read; nothing was written.
    ChangedMeanwhile,
}

/// Moves a legacy plaintext password into `password_ciphertext` and removes the plaintext, in
/// one `UpdateItem`, only if the plaintext is still the one that was sealed and nothing sealed
/// it meanwhile (so a rerun or a concurrent run cannot overwrite newer settings).
pub async fn replace_legacy_password(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    record_pk: &str,
    sealed_plaintext: &str,
    sealed: Vec<u8>,
) -> anyhow::Result<Replaced> {
    let result = dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(settings_key(record_pk)))
        .update_expression("SET #sealed = :sealed REMOVE #plain")
        .condition_expression("#plain = :plain AND attribute_not_exists(#sealed)")
        .expression_attribute_names("#sealed", PASSWORD_CIPHERTEXT)
        .expression_attribute_names("#plain", LEGACY_PASSWORD)
        .expression_attribute_values(":sealed", AttributeValue::B(Blob::new(sealed)))
        .expression_attribute_values(":plain", s(sealed_plaintext))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Replaced::Done),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(Replaced::ChangedMeanwhile)
        }
        Err(err) => Err(anyhow::Error::new(err).context("Failed to store a sealed SMTP password")),
    }
}

/// Removes a plaintext `password` left beside a sealed one (the sealed one is authoritative),
/// only if it is still the value that was read.
pub async fn remove_leftover_plaintext(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    record_pk: &str,
    plaintext: &str,
) -> anyhow::Result<Replaced> {
    let result = dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(settings_key(record_pk)))
        .update_expression("REMOVE #plain")
        .condition_expression("#plain = :plain AND attribute_exists(#sealed)")
        .expression_attribute_names("#sealed", PASSWORD_CIPHERTEXT)
        .expression_attribute_names("#plain", LEGACY_PASSWORD)
        .expression_attribute_values(":plain", s(plaintext))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Replaced::Done),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(Replaced::ChangedMeanwhile)
        }
        Err(err) => {
            Err(anyhow::Error::new(err).context("Failed to remove a plaintext SMTP password"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(password: StoredPassword) -> StoredSmtpSettings {
        StoredSmtpSettings {
            record: SMTP_SETTINGS_PK.into(),
            host: "smtp.example.co.za".into(),
            port: 587,
            tls_mode: TlsMode::StartTls,
            username: Some("mailer".into()),
            password,
            from_address: "Drive Alive <no-reply@example.co.za>".into(),
            version: 3,
            updated_at: Some("2026-01-01T00:00:00.000Z".into()),
            updated_by: Some("admin-1".into()),
        }
    }

    #[test]
    fn stored_settings_round_trip_through_their_item() {
        let stored = settings(StoredPassword::Sealed(vec![1, 2, 3]));
        let put = stored.put("table", Some(2)).expect("put");
        let back = StoredSmtpSettings::try_from(put.item()).expect("parse");
        assert_eq!(back, stored);
        assert_eq!(put.condition_expression(), Some("version = :read_version"));
    }

    #[test]
    fn a_plaintext_password_is_never_written_or_shown() {
        let legacy = settings(StoredPassword::LegacyPlaintext("hunter2!".into()));
        assert!(legacy.put("table", Some(0)).is_err());
        assert!(!format!("{legacy:?}").contains("hunter2"));
    }

    #[test]
    fn a_legacy_item_reads_as_plaintext_until_sealed() {
        let mut item = settings_key("SETTINGS#SMTP#legacy-2");
        for (name, value) in [
            ("host", s("mail.example.co.za")),
            ("port", n(25)),
            ("tls_mode", s("none")),
            ("from_address", s("old@example.co.za")),
            ("password", s("plain")),
        ] {
            item.insert(name.to_owned(), value);
        }
        let stored = StoredSmtpSettings::try_from(&item).expect("parse");
        assert_eq!(
            stored.password,
            StoredPassword::LegacyPlaintext("plain".into())
        );
        assert_eq!(stored.version, 0);
        item.insert(
            PASSWORD_CIPHERTEXT.into(),
            AttributeValue::B(Blob::new(vec![1])),
        );
        let stored = StoredSmtpSettings::try_from(&item).expect("parse");
        assert_eq!(stored.password, StoredPassword::Sealed(vec![1]));
    }
}
