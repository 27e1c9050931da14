//! Handing notices to the queue (SQS `SendMessage`), after the transaction that stored them in
//! the outbox. A failed send loses nothing: the outbox item stays and the jobs function
//! enqueues it again, so the caller only logs and counts the failure.

use anyhow::Context;

use super::Notice;
use crate::AppState;

/// Sends `notice` to the notices queue.
pub async fn send(
    sqs: &aws_sdk_sqs::Client,
    queue_url: Option<&str>,
    notice: &Notice,
) -> anyhow::Result<()> {
    let url = queue_url.context("NOTICES_QUEUE_URL is not set")?;
    let body = serde_json::to_string(notice)?;
    sqs.send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .context("Failed to enqueue the notice")?;
    Ok(())
}

/// Enqueues each notice; answers whether all went. Failures are logged (the kind, never the
/// content) and counted as `NoticesNotEnqueued`.
pub async fn enqueue(state: &AppState, notices: &[Notice]) -> bool {
    let mut all = true;
    for notice in notices {
        if let Err(err) = send(
            &state.aws.sqs,
            state.config.notices_queue_url.as_deref(),
            notice,
        )
        .await
        {
            all = false;
            tracing::error!(kind = notice.kind_name(), error = %format!("{err:#}"), "notice not enqueued; the outbox keeps it");
            crate::metrics::count("NoticesNotEnqueued");
        }
    }
    all
}
