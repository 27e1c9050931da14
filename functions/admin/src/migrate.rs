//! The core of `migrate-smtp-passwords`: finds SMTP settings whose password is still in
//! plaintext (written by the old back ends) and seals it with the KMS envelope, removing the
//! plaintext in the same conditional write. Idempotent (sealed items are left alone), with a
//! dry run, and it reports counts and record keys only, never a secret.

use serde::Serialize;

use shared::envelope::Envelope;
use shared::store::smtp_settings::{self, password_context, PasswordAtRest, Replaced};
use shared::store::DynamoDb;

/// What happened to one settings record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordOutcome {
    /// Plaintext found; a dry run leaves it.
    WouldEncrypt,
    Encrypted,
    AlreadyEncrypted,
    /// A plaintext copy beside a sealed password (the sealed one wins); removed, or would be.
    PlaintextRemoved,
    WouldRemovePlaintext,
    NoPassword,
    /// Changed by someone else between the read and the write; run again.
    ChangedMeanwhile,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    pub dry_run: bool,
    pub scanned: usize,
    /// Records holding a plaintext password when the run started.
    pub plaintext_found: usize,
    pub encrypted: usize,
    pub already_encrypted: usize,
    pub plaintext_removed: usize,
    pub without_password: usize,
    pub changed_meanwhile: usize,
    /// Each record's key and outcome (keys are not secret).
    pub records: Vec<(String, RecordOutcome)>,
}

impl MigrationReport {
    fn count(&mut self, record: String, outcome: RecordOutcome) {
        match outcome {
            RecordOutcome::WouldEncrypt => self.plaintext_found += 1,
            RecordOutcome::Encrypted => {
                self.plaintext_found += 1;
                self.encrypted += 1;
            }
            RecordOutcome::AlreadyEncrypted => self.already_encrypted += 1,
            RecordOutcome::PlaintextRemoved => {
                self.already_encrypted += 1;
                self.plaintext_removed += 1;
            }
            RecordOutcome::WouldRemovePlaintext => self.already_encrypted += 1,
            RecordOutcome::NoPassword => self.without_password += 1,
            RecordOutcome::ChangedMeanwhile => self.changed_meanwhile += 1,
        }
        self.records.push((record, outcome));
    }
}

/// Seals `plaintext` for `record` and checks that it opens again before anything relies on it,
/// so the plaintext is never replaced by something undecryptable.
async fn seal_checked(
    envelope: &Envelope,
    record: &str,
    plaintext: &str,
) -> anyhow::Result<Vec<u8>> {
    let context = password_context(record);
    let sealed = envelope.seal(plaintext.as_bytes(), &context).await?;
    let opened = envelope.open(&sealed, &context).await?;
    anyhow::ensure!(
        opened.as_slice() == plaintext.as_bytes(),
        "the sealed password of {record} did not open to the same value"
    );
    Ok(sealed)
}

async fn migrate_record(
    dynamodb: &DynamoDb,
    envelope: &Envelope,
    table: &str,
    at_rest: &PasswordAtRest,
    dry_run: bool,
) -> anyhow::Result<RecordOutcome> {
    let record = at_rest.record_pk.as_str();
    Ok(match (at_rest.sealed, at_rest.plaintext.as_deref()) {
        (false, None) => RecordOutcome::NoPassword,
        (true, None) => RecordOutcome::AlreadyEncrypted,
        (true, Some(_)) if dry_run => RecordOutcome::WouldRemovePlaintext,
        (true, Some(plaintext)) => {
            match smtp_settings::remove_leftover_plaintext(dynamodb, table, record, plaintext)
                .await?
            {
                Replaced::Done => RecordOutcome::PlaintextRemoved,
                Replaced::ChangedMeanwhile => RecordOutcome::ChangedMeanwhile,
            }
        }
        (false, Some(_)) if dry_run => RecordOutcome::WouldEncrypt,
        (false, Some(plaintext)) => {
            let sealed = seal_checked(envelope, record, plaintext).await?;
            match smtp_settings::replace_legacy_password(dynamodb, table, record, plaintext, sealed)
                .await?
            {
                Replaced::Done => RecordOutcome::Encrypted,
                Replaced::ChangedMeanwhile => RecordOutcome::ChangedMeanwhile,
            }
        }
    })
}

/// Runs the migration over every SMTP settings record of `table`.
pub async fn migrate_smtp_passwords(
    dynamodb: &DynamoDb,
    envelope: &Envelope,
    table: &str,
    dry_run: bool,
) -> anyhow::Result<MigrationReport> {
    let records = smtp_settings::passwords_at_rest(dynamodb, table).await?;
    let mut report = MigrationReport {
        dry_run,
        scanned: records.len(),
        ..MigrationReport::default()
    };
    for at_rest in &records {
        let outcome = migrate_record(dynamodb, envelope, table, at_rest, dry_run).await?;
        report.count(at_rest.record_pk.clone(), outcome);
    }
    Ok(report)
}
