//! Envelope encryption for the few secrets we keep in the table (the SMTP password).
//!
//! KMS `GenerateDataKey` gives a fresh AES-256 key per value, in plaintext and encrypted under
//! the KMS key; the value is sealed locally with AES-256-GCM and only the *encrypted* data key is
//! stored beside it. An encryption context (`purpose`, `record`) is passed to KMS on both sides
//! and is also the GCM associated data, so a stored value opens only for the record and purpose
//! it was sealed for: copying it onto another item makes it undecryptable.
//!
//! Stored format, version 1 (the leading byte lets the scheme change later):
//!
//! ```text
//! 0x01 | u16 BE length of the encrypted data key | encrypted data key | 12-byte nonce | ciphertext + 16-byte tag
//! ```

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use zeroize::Zeroizing;

pub const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const DATA_KEY_LEN: usize = 32;

/// What a sealed value is bound to. Kept sorted so the associated data is canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    pub fn new(purpose: &str, record: &str) -> Self {
        Self(BTreeMap::from([
            ("purpose".to_owned(), purpose.to_owned()),
            ("record".to_owned(), record.to_owned()),
        ]))
    }

    fn pairs(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// The GCM associated data: the format version and the context, unambiguously encoded.
    fn associated_data(&self, version: u8) -> Vec<u8> {
        let mut aad = vec![version];
        aad.extend_from_slice(
            serde_json::to_string(&self.0)
                .unwrap_or_default()
                .as_bytes(),
        );
        aad
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// KMS did not answer, refused (disabled key, throttling) or failed: try again later.
    #[error("KMS is unavailable: {0}")]
    KmsUnavailable(String),
    /// The value does not open with this context or key: tampered, moved to another record, or
    /// sealed under another key. Never retried, never answered with a fallback.
    #[error("the sealed value cannot be opened with this key and context")]
    Undecryptable,
    /// Not a sealed value of a version this code understands.
    #[error("the sealed value is malformed: {0}")]
    Malformed(&'static str),
}

/// Seals and opens values under one KMS key.
#[derive(Debug, Clone)]
pub struct Envelope {
    kms: aws_sdk_kms::Client,
    key_id: String,
}

impl Envelope {
    pub fn new(kms: aws_sdk_kms::Client, key_id: String) -> Self {
        Self { kms, key_id }
    }

    /// One `GenerateDataKey`, then local AES-256-GCM. The plaintext data key is dropped
    /// (zeroised) before this returns.
    pub async fn seal(
        &self,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>, EnvelopeError> {
        let mut request = self
            .kms
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256);
        for (name, value) in context.pairs() {
            request = request.encryption_context(name, value);
        }
        let output = request
            .send()
            .await
            .map_err(|err| EnvelopeError::KmsUnavailable(crate::error::chain(&err)))?;
        let data_key = Zeroizing::new(
            output
                .plaintext()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        );
        let encrypted_key = output
            .ciphertext_blob()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default();
        if data_key.len() != DATA_KEY_LEN || encrypted_key.is_empty() {
            return Err(EnvelopeError::KmsUnavailable(
                "GenerateDataKey returned no usable key".into(),
            ));
        }
        seal_with_data_key(&data_key, &encrypted_key, plaintext, context)
    }

    /// One KMS `Decrypt` of the data key (with the same context), then local AES-256-GCM.
    pub async fn open(
        &self,
        sealed: &[u8],
        context: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
        let parts = SealedParts::parse(sealed)?;
        let mut request = self
            .kms
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(parts.encrypted_key.to_vec()));
        for (name, value) in context.pairs() {
            request = request.encryption_context(name, value);
        }
        let output = request.send().await.map_err(|err| {
            let refused = err.as_service_error().is_some_and(|e| {
                e.is_invalid_ciphertext_exception() || e.is_incorrect_key_exception()
            });
            if refused {
                EnvelopeError::Undecryptable
            } else {
                EnvelopeError::KmsUnavailable(crate::error::chain(&err))
            }
        })?;
        let data_key = Zeroizing::new(
            output
                .plaintext()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        );
        open_with_data_key(&data_key, &parts, context)
    }
}

/// The pieces of a version-1 value, borrowed from it.
#[derive(Debug)]
struct SealedParts<'a> {
    encrypted_key: &'a [u8],
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

impl<'a> SealedParts<'a> {
    fn parse(sealed: &'a [u8]) -> Result<Self, EnvelopeError> {
        let (&version, rest) = sealed
            .split_first()
            .ok_or(EnvelopeError::Malformed("empty"))?;
        if version != FORMAT_V1 {
            return Err(EnvelopeError::Malformed("unknown format version"));
        }
        if rest.len() < 2 {
            return Err(EnvelopeError::Malformed("truncated header"));
        }
        let (len, rest) = rest.split_at(2);
        let key_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if key_len == 0 || rest.len() < key_len + NONCE_LEN + TAG_LEN {
            return Err(EnvelopeError::Malformed("truncated"));
        }
        let (encrypted_key, rest) = rest.split_at(key_len);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        Ok(Self {
            encrypted_key,
            nonce,
            ciphertext,
        })
    }
}

fn seal_with_data_key(
    data_key: &[u8],
    encrypted_key: &[u8],
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Result<Vec<u8>, EnvelopeError> {
    let key_len = u16::try_from(encrypted_key.len())
        .map_err(|_| EnvelopeError::Malformed("encrypted data key too long"))?;
    let cipher = Aes256Gcm::new_from_slice(data_key)
        .map_err(|_| EnvelopeError::Malformed("data key of the wrong length"))?;
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = context.associated_data(FORMAT_V1);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| EnvelopeError::Malformed("encryption failed"))?;
    let mut sealed = Vec::with_capacity(1 + 2 + encrypted_key.len() + NONCE_LEN + ciphertext.len());
    sealed.push(FORMAT_V1);
    sealed.extend_from_slice(&key_len.to_be_bytes());
    sealed.extend_from_slice(encrypted_key);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

fn open_with_data_key(
    data_key: &[u8],
    parts: &SealedParts<'_>,
    context: &EncryptionContext,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let cipher = Aes256Gcm::new_from_slice(data_key).map_err(|_| EnvelopeError::Undecryptable)?;
    let aad = context.associated_data(FORMAT_V1);
    cipher
        .decrypt(
            Nonce::from_slice(parts.nonce),
            Payload {
                msg: parts.ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| EnvelopeError::Undecryptable)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const ENCRYPTED_KEY: &[u8] = b"kms-wrapped-key";

    fn context(record: &str) -> EncryptionContext {
        EncryptionContext::new("smtp-password", record)
    }

    fn open_locally(sealed: &[u8], ctx: &EncryptionContext) -> Result<Vec<u8>, EnvelopeError> {
        let parts = SealedParts::parse(sealed)?;
        assert_eq!(parts.encrypted_key, ENCRYPTED_KEY);
        open_with_data_key(&KEY, &parts, ctx).map(|p| p.to_vec())
    }

    #[test]
    fn a_sealed_value_opens_with_its_own_context_only() {
        let ctx = context("SETTINGS#SMTP");
        let sealed = seal_with_data_key(&KEY, ENCRYPTED_KEY, b"hunter2!", &ctx).expect("seal");
        assert_eq!(sealed[0], FORMAT_V1);
        assert!(!sealed.windows(8).any(|w| w == b"hunter2!"));
        assert_eq!(open_locally(&sealed, &ctx).expect("open"), b"hunter2!");
        let other = open_locally(&sealed, &context("SETTINGS#SMTP#other"));
        assert!(matches!(other, Err(EnvelopeError::Undecryptable)));
        let other_purpose = EncryptionContext::new("api-key", "SETTINGS#SMTP");
        assert!(matches!(
            open_locally(&sealed, &other_purpose),
            Err(EnvelopeError::Undecryptable)
        ));
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let ctx = context("SETTINGS#SMTP");
        let a = seal_with_data_key(&KEY, ENCRYPTED_KEY, b"same", &ctx).expect("seal");
        let b = seal_with_data_key(&KEY, ENCRYPTED_KEY, b"same", &ctx).expect("seal");
        assert_ne!(a, b, "the nonce must be fresh each time");
    }

    #[test]
    fn tampered_truncated_and_unknown_versions_are_refused() {
        let ctx = context("SETTINGS#SMTP");
        let sealed = seal_with_data_key(&KEY, ENCRYPTED_KEY, b"secret", &ctx).expect("seal");
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        let mut version_2 = sealed.clone();
        version_2[0] = 2;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("header only", vec![FORMAT_V1, 0]),
            ("truncated", sealed[..sealed.len() - TAG_LEN].to_vec()),
            ("zero-length key", vec![FORMAT_V1, 0, 0, 1, 2, 3]),
            ("unknown version", version_2),
            ("flipped tag bit", flipped),
        ];
        for (why, bytes) in cases {
            assert!(open_locally(&bytes, &ctx).is_err(), "{why}");
        }
    }
}
