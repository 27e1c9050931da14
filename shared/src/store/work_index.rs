//! The small work lists the jobs function reads (outbox notices due, booking deadlines passed,
//! pending accounts old enough): each is a `GSI2` partition sorted by when its items fall due,
//! sharded (`store::shards`: an item's partition is [`partition_of`] its id), read up to a
//! bound. And the writes whose failed condition only means "someone else got there first".

use anyhow::Context;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::schema::GSI2;
use crate::store::attr::Item;
use crate::store::shards::{self, IndexRead, Order, SortRange};

/// The `GSI2` partition of the work list `list` that the item of `id` goes in.
pub fn partition_of(list: &str, id: &str) -> String {
    shards::key_for(list, id)
}

/// Up to `limit` items of the work list `list` whose sort key is below `bound`, in sort-key
/// order: one `Query` per shard, concurrently, merged.
pub async fn due(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    list: &str,
    bound: String,
    limit: i32,
) -> anyhow::Result<Vec<Item>> {
    let read = IndexRead {
        index: GSI2,
        partitions: shards::all_keys(list),
        range: SortRange {
            from: None,
            below: Some(bound),
        },
        order: Order::Ascending,
        limit,
    };
    let merged = read
        .run(db, table, |request| request, |item: &Item| Ok(item.clone()))
        .await
        .with_context(|| format!("Failed to read the {list} work list"))?;
    Ok(merged.items)
}

/// The result of a conditional write: `Ok(true)` written, `Ok(false)` its condition failed.
pub fn written<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    what: &'static str,
) -> anyhow::Result<bool>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .and_then(|e| e.code())
                .is_some_and(|code| code == "ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(err) => Err(anyhow::Error::new(err).context(what)),
    }
}
