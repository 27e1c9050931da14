//! A batch from the queue: each message is delivered on its own, and the ids of those that
//! failed go back as `batchItemFailures`, so SQS redelivers only them (the event source mapping
//! has `ReportBatchItemFailures`). A message that never parses fails every time and ends in
//! the dead-letter queue after 5 receives.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

use shared::notices::Notice;

use crate::deliver::{deliver, Notifier};

pub async fn handle(notifier: &Notifier, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let result = match message.body.as_deref().map(serde_json::from_str::<Notice>) {
            Some(Ok(notice)) => deliver(notifier, &notice).await,
            Some(Err(err)) => Err(anyhow::anyhow!("the message is not a notice: {err}")),
            None => Err(anyhow::anyhow!("the message has no body")),
        };
        if let Err(err) = result {
            tracing::warn!(message_id = %id, error = %format!("{err:#}"), "message left for redelivery");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}
