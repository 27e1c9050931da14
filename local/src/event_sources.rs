//! What AWS does around the event-driven functions, played locally (`make run` and the test
//! app): the SQS event source mapping of the notifications function and, in `make run`, the
//! schedule of the jobs function.
//!
//! moto serialises every request behind one lock, so a long poll (`WaitTimeSeconds` > 0)
//! would stall every DynamoDB call while it waits: the poller uses short polls and sleeps
//! between empty ones. As the real mapping does with `ReportBatchItemFailures`, it deletes
//! only the messages the handler did not report as failed; the others become visible again
//! after the queue's visibility timeout, and moto moves a message to the dead-letter queue
//! once it was received `maxReceiveCount` times.

use std::collections::HashSet;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};

use notifications::Notifier;

/// How long the poller sleeps after an empty receive.
pub const IDLE_POLL: Duration = Duration::from_millis(200);

/// The queue's messages as the Lambda event carries them.
fn event_of(messages: &[Message]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for message in messages {
        let mut record = SqsMessage::default();
        record.message_id = message.message_id().map(str::to_owned);
        record.receipt_handle = message.receipt_handle().map(str::to_owned);
        record.body = message.body().map(str::to_owned);
        record.event_source = Some("aws:sqs".into());
        if let Some(attributes) = message.attributes() {
            record.attributes = attributes
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                .collect();
        }
        event.records.push(record);
    }
    event
}

/// One receive (up to 10 messages, short poll) handed to the notifications handler; answers
/// how many messages it received.
pub async fn poll_once(notifier: &Notifier, queue_url: &str) -> anyhow::Result<usize> {
    let sqs = &notifier.state.aws.sqs;
    let received = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await?;
    let messages = received.messages();
    if messages.is_empty() {
        return Ok(0);
    }
    let response = notifications::handle(notifier, event_of(messages)).await;
    let failed: HashSet<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    for message in messages {
        let done = message.message_id().is_some_and(|id| !failed.contains(id));
        if let (true, Some(handle)) = (done, message.receipt_handle()) {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(handle)
                .send()
                .await?;
        }
    }
    Ok(messages.len())
}

/// Polls the notices queue until the task is dropped.
pub async fn poll_notices(notifier: Notifier) {
    let Some(queue_url) = notifier.state.config.notices_queue_url.clone() else {
        tracing::error!("NOTICES_QUEUE_URL is not set: notices are not delivered");
        return;
    };
    loop {
        match poll_once(&notifier, &queue_url).await {
            Ok(0) => tokio::time::sleep(IDLE_POLL).await,
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "the local notices poller failed; retrying");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Seconds between local runs of the jobs function (`JOBS_INTERVAL_S`, default 60).
pub fn jobs_interval() -> anyhow::Result<Duration> {
    match std::env::var("JOBS_INTERVAL_S") {
        Err(_) => Ok(Duration::from_secs(60)),
        Ok(raw) => match raw.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => anyhow::bail!("JOBS_INTERVAL_S must be a whole number of seconds above 0"),
        },
    }
}

/// The notifications function's state beside an app's: its own AWS clients (so the app's
/// DynamoDB call counter sees only the app's calls), the app's clock, and one mailer for both,
/// so an admin's change of the SMTP settings applies to the next notice at once, as it did
/// when the routes sent mail themselves.
pub async fn notifier_beside(state: &mut shared::AppState) -> Notifier {
    let mut notifier = Notifier::build((*state.config).clone()).await;
    notifier.state.clock = state.clock.clone();
    state.mailer = notifier.state.mailer.clone();
    notifier
}

/// Runs the jobs function's handler every `interval`, as its EventBridge schedule does.
pub async fn run_jobs_every(state: shared::AppState, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        jobs::run(&state).await;
    }
}
