//! Reading what the notices path did: the SMS moto's SNS published (its `/_local/sms` read
//! endpoint, see `scripts/local_services.py`) and the state of an app's notices queues.

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;

use crate::app::TestApp;

/// Every SMS published to `phone` (any form registration accepts) so far, oldest first.
pub async fn sms_to(app: &TestApp, phone: &str) -> Vec<String> {
    let e164 = shared::domain::PhoneNumber::parse(phone)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| phone.to_owned());
    let endpoint = app.vars["AWS_ENDPOINT_URL"].trim_end_matches('/');
    let all: Vec<serde_json::Value> = reqwest::get(format!("{endpoint}/_local/sms"))
        .await
        .expect("read the published SMS")
        .json()
        .await
        .expect("JSON");
    all.into_iter()
        .filter(|sms| sms["phone"] == e164.as_str())
        .filter_map(|sms| sms["message"].as_str().map(str::to_owned))
        .collect()
}

/// The SMS to `phone` containing `needle`, waiting up to 10 s for it.
pub async fn wait_for_sms_containing(app: &TestApp, phone: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(sms) = sms_to(app, phone)
            .await
            .into_iter()
            .find(|m| m.contains(needle))
        {
            return sms;
        }
        assert!(
            Instant::now() < deadline,
            "no SMS to {phone} containing {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn queue_url(app: &TestApp) -> String {
    app.vars["NOTICES_QUEUE_URL"].clone()
}

pub fn dead_letter_queue_url(app: &TestApp) -> String {
    format!("{}-dlq", queue_url(app))
}

/// Messages in `url`, visible or in flight.
pub async fn messages_in(app: &TestApp, url: &str) -> u64 {
    let attributes = app
        .state
        .aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("read the queue's attributes")
        .attributes
        .unwrap_or_default();
    [
        QueueAttributeName::ApproximateNumberOfMessages,
        QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
    ]
    .iter()
    .filter_map(|name| attributes.get(name)?.parse::<u64>().ok())
    .sum()
}

/// Waits (up to `limit`) until the notices queue is empty: every message handled or moved to
/// the dead-letter queue.
pub async fn wait_until_drained(app: &TestApp, limit: Duration) {
    let deadline = Instant::now() + limit;
    let url = queue_url(app);
    while messages_in(app, &url).await > 0 {
        assert!(Instant::now() < deadline, "the notices queue did not drain");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Puts `body` on the notices queue as a route would.
pub async fn enqueue_raw(app: &TestApp, body: &str) {
    app.state
        .aws
        .sqs
        .send_message()
        .queue_url(queue_url(app))
        .message_body(body)
        .send()
        .await
        .expect("enqueue");
}
