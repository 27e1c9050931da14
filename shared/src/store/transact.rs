//! `TransactWriteItems` with its cancellation reasons turned into something a handler can match:
//! which of its conditions failed (a conflict, 409) or an infrastructure failure.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

/// One write of a transaction. The aggregate modules build them (keys, expressions,
/// conditions); a handler only collects them, so it can compose changes to several aggregates
/// into one round trip without knowing how any of them is stored.
#[derive(Debug, Clone)]
pub struct Write(TransactWriteItem);

impl From<TransactWriteItem> for Write {
    fn from(item: TransactWriteItem) -> Self {
        Self(item)
    }
}

impl From<Put> for Write {
    fn from(put: Put) -> Self {
        Self(TransactWriteItem::builder().put(put).build())
    }
}

impl From<Update> for Write {
    fn from(update: Update) -> Self {
        Self(TransactWriteItem::builder().update(update).build())
    }
}

impl From<ConditionCheck> for Write {
    fn from(check: ConditionCheck) -> Self {
        Self(TransactWriteItem::builder().condition_check(check).build())
    }
}

impl From<Delete> for Write {
    fn from(delete: Delete) -> Self {
        Self(TransactWriteItem::builder().delete(delete).build())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransactError {
    /// The positions of the items whose condition failed.
    #[error("a condition failed at positions {0:?}")]
    ConditionFailed(Vec<usize>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// DynamoDB cancels a transaction that touches an item another transaction is changing
/// (`TransactionConflict`), e.g. ten reviews of one instructor at once moving the same rating
/// counters. Such a conflict is retried a few times; a failed condition never is.
const CONFLICT_RETRIES: u32 = 4;

/// Writes `items` in one `TransactWriteItems` (one round trip, plus retries of conflicts).
pub async fn transact<W: Into<Write>>(
    dynamodb: &aws_sdk_dynamodb::Client,
    items: Vec<W>,
) -> Result<(), TransactError> {
    let items: Vec<TransactWriteItem> = items.into_iter().map(|w| w.into().0).collect();
    let mut attempt = 0;
    loop {
        match transact_once(dynamodb, items.clone()).await {
            Attempt::Conflict if attempt < CONFLICT_RETRIES => {
                attempt += 1;
                let jitter = u64::from(rand::random::<u8>() % 20);
                tokio::time::sleep(std::time::Duration::from_millis(
                    20 * u64::from(attempt) + jitter,
                ))
                .await;
            }
            Attempt::Conflict => {
                return Err(TransactError::Other(anyhow::anyhow!(
                    "the transaction kept conflicting with concurrent ones"
                )))
            }
            Attempt::Done(result) => return result,
        }
    }
}

enum Attempt {
    Done(Result<(), TransactError>),
    /// Another transaction held one of the items.
    Conflict,
}

async fn transact_once(
    dynamodb: &aws_sdk_dynamodb::Client,
    items: Vec<TransactWriteItem>,
) -> Attempt {
    let result = dynamodb
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    let Err(err) = result else {
        return Attempt::Done(Ok(()));
    };
    if let Some(cancelled) = err
        .as_service_error()
        .and_then(|e| match e {
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
            _ => None,
        })
    {
        let failed: Vec<usize> = cancelled
            .cancellation_reasons()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
            .map(|(i, _)| i)
            .collect();
        if !failed.is_empty() {
            return Attempt::Done(Err(TransactError::ConditionFailed(failed)));
        }
        if cancelled
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("TransactionConflict"))
        {
            return Attempt::Conflict;
        }
    }
    Attempt::Done(Err(TransactError::Other(
        anyhow::Error::new(err).context("Failed to write the transaction"),
    )))
}
