//! Creates what the functions expect to find in AWS, in the local emulator: the table (from
//! `shared::schema`), the KMS key behind an alias, the two signing-key secrets and the notices
//! queue with its dead-letter queue. Idempotent: whatever exists already is kept.

use anyhow::Context;
use base64::Engine;
use rand::RngCore;

use shared::schema;

/// Names of the local resources; tests use a fresh set per test for isolation.
#[derive(Debug, Clone)]
pub struct ResourceNames {
    pub table_name: String,
    pub kms_alias: String,
    pub jwt_secret_id: String,
    pub cursor_secret_id: String,
    /// The notices queue's name (its dead-letter queue adds `-dlq`).
    pub notices_queue: String,
}

impl ResourceNames {
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            table_name: format!("{prefix}-table"),
            kms_alias: format!("alias/{prefix}-key"),
            jwt_secret_id: format!("{prefix}/jwt-signing-key"),
            cursor_secret_id: format!("{prefix}/cursor-signing-key"),
            notices_queue: format!("{prefix}-notices"),
        }
    }
}

pub struct Clients<'a> {
    pub dynamodb: &'a aws_sdk_dynamodb::Client,
    pub kms: &'a aws_sdk_kms::Client,
    pub secrets: &'a aws_sdk_secretsmanager::Client,
    pub sqs: &'a aws_sdk_sqs::Client,
}

pub async fn bootstrap(clients: &Clients<'_>, names: &ResourceNames) -> anyhow::Result<()> {
    schema::create_table(clients.dynamodb, &names.table_name).await?;
    ensure_key(clients.kms, &names.kms_alias).await?;
    ensure_secret(clients.secrets, &names.jwt_secret_id).await?;
    ensure_secret(clients.secrets, &names.cursor_secret_id).await?;
    ensure_notices_queue(clients.sqs, &names.notices_queue).await?;
    Ok(())
}

/// Receives before a message goes to the dead-letter queue, as in the template.
pub const MAX_RECEIVES: u32 = 5;
/// Short, so a failed notice is retried within seconds locally (the template's is longer).
pub const LOCAL_VISIBILITY_TIMEOUT_S: u32 = 2;

/// The notices queue and its dead-letter queue (after [`MAX_RECEIVES`] receives). Creating a
/// queue that exists with the same attributes is a no-op.
async fn ensure_notices_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> anyhow::Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let dlq_url = sqs
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .context("Failed to create the notices dead-letter queue")?
        .queue_url
        .context("SQS returned no dead-letter queue URL")?;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .context("Failed to read the dead-letter queue's ARN")?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .context("SQS returned no dead-letter queue ARN")?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVES.to_string(),
    });
    sqs.create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            LOCAL_VISIBILITY_TIMEOUT_S.to_string(),
        )
        .send()
        .await
        .context("Failed to create the notices queue")?;
    Ok(())
}

async fn ensure_key(kms: &aws_sdk_kms::Client, alias: &str) -> anyhow::Result<()> {
    if kms.describe_key().key_id(alias).send().await.is_ok() {
        return Ok(());
    }
    let key = kms
        .create_key()
        .description("Drive Alive envelope-encryption key (local)")
        .send()
        .await
        .context("Failed to create the KMS key")?;
    let key_id = key
        .key_metadata()
        .map(|m| m.key_id().to_owned())
        .context("KMS returned no key id")?;
    kms.create_alias()
        .alias_name(alias)
        .target_key_id(key_id)
        .send()
        .await
        .context("Failed to create the KMS alias")?;
    Ok(())
}

/// A random 64-byte key, base64 encoded, so it passes the production strength check too.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn ensure_secret(secrets: &aws_sdk_secretsmanager::Client, id: &str) -> anyhow::Result<()> {
    ensure_secret_value(secrets, id, random_secret).await
}

/// The Stripe secret key and webhook secret, in Stripe's own formats (`sk_test_…`, `whsec_…`:
/// localstripe takes any `sk_` key and signs with the webhook secret's characters as they are).
pub async fn ensure_stripe_secrets(
    secrets: &aws_sdk_secretsmanager::Client,
    stripe: &shared::config::StripeSettings,
) -> anyhow::Result<()> {
    let hex = || {
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    ensure_secret_value(secrets, &stripe.secret_key_id, || {
        format!("sk_test_{}", hex())
    })
    .await?;
    ensure_secret_value(secrets, &stripe.webhook_secret_id, || {
        format!("whsec_{}", hex())
    })
    .await
}

async fn ensure_secret_value(
    secrets: &aws_sdk_secretsmanager::Client,
    id: &str,
    value: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if secrets.describe_secret().secret_id(id).send().await.is_ok() {
        return Ok(());
    }
    secrets
        .create_secret()
        .name(id)
        .secret_string(value())
        .send()
        .await
        .with_context(|| format!("Failed to create the secret {id}"))?;
    Ok(())
}
