//! The connection a function opens to DynamoDB during init (`crate::lambda`): one `GetItem` of
//! a key that is never written, so the TLS handshake with the DynamoDB endpoint happens before
//! the first event, not inside the first request's latency. It costs half a read request unit
//! per cold start; its outcome changes nothing (a failure only means the first request opens
//! the connection itself).

use aws_sdk_dynamodb::types::AttributeValue;

use crate::schema::{PARTITION_KEY, SORT_KEY};

/// The key of the read: no item is ever stored under it.
const WARMUP_KEY: &str = "WARMUP";

pub async fn open_connection(db: &super::DynamoDb, table: &str) {
    let outcome = db
        .get_item()
        .table_name(table)
        .key(PARTITION_KEY, AttributeValue::S(WARMUP_KEY.into()))
        .key(SORT_KEY, AttributeValue::S(WARMUP_KEY.into()))
        .projection_expression("#pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .send()
        .await;
    if let Err(err) = outcome {
        tracing::warn!(error = %crate::error::chain(&err), "could not open the DynamoDB connection during init");
    }
}
