//! `TransactWriteItems` with its cancellation reasons turned into something a handler can match:
//! which of its conditions failed (a conflict, 409) or an infrastructure failure.

use aws_sdk_dynamodb::types::TransactWriteItem;

#[derive(Debug, thiserror::Error)]
pub enum TransactError {
    /// The positions of the items whose condition failed.
    #[error("a condition failed at positions {0:?}")]
    ConditionFailed(Vec<usize>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn transact(
    dynamodb: &aws_sdk_dynamodb::Client,
    items: Vec<TransactWriteItem>,
) -> Result<(), TransactError> {
    let result = dynamodb
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    let Err(err) = result else { return Ok(()) };
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
            return Err(TransactError::ConditionFailed(failed));
        }
    }
    Err(TransactError::Other(
        anyhow::Error::new(err).context("Failed to write the transaction"),
    ))
}
