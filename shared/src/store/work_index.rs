//! The small work lists the jobs function reads (outbox notices due, booking deadlines passed,
//! pending accounts old enough): each is one `GSI2` partition sorted by when its items fall
//! due, read up to a bound. And the writes whose failed condition only means "someone else got
//! there first".

use anyhow::Context;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::schema::GSI2;
use crate::store::attr::{s, Item};

/// Up to `limit` items of the `GSI2` partition `partition` whose sort key is below `bound`
/// (one `Query`), in sort-key order.
pub async fn due(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    partition: &str,
    bound: String,
    limit: i32,
) -> anyhow::Result<Vec<Item>> {
    let output = db
        .query()
        .table_name(table)
        .index_name(GSI2.name)
        .key_condition_expression("#pk = :pk AND #sk < :bound")
        .expression_attribute_names("#pk", GSI2.partition_key)
        .expression_attribute_names("#sk", GSI2.sort_key)
        .expression_attribute_values(":pk", s(partition))
        .expression_attribute_values(":bound", s(bound))
        .limit(limit)
        .send()
        .await
        .with_context(|| format!("Failed to read the {partition} work list"))?;
    Ok(output.items().to_vec())
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
