//! Notices still in the outbox when they fall due (the enqueue after their transaction failed,
//! or the function stopped before it): enqueued again, and their due time moved on so the next
//! run does not repeat them at once. Sending one twice is harmless: receipts keep each channel
//! to one message.

use shared::clock::Now;
use shared::notices::queue;
use shared::store::outbox;
use shared::AppState;

use crate::run::PAGE_LIMIT;

pub async fn reenqueue(state: &AppState, now: Now) -> anyhow::Result<u32> {
    let (db, table) = (&state.aws.dynamodb, state.config.table_name.as_str());
    let mut count = 0;
    for notice in outbox::due(db, table, now, PAGE_LIMIT).await? {
        queue::send(
            &state.aws.sqs,
            state.config.notices_queue_url.as_deref(),
            &notice,
        )
        .await?;
        outbox::postpone(db, table, &notice.id, now).await?;
        count += 1;
    }
    Ok(count)
}
