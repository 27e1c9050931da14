//! The single DynamoDB table: key names, global secondary indexes and the TTL attribute, written
//! down once. The local bootstrap creates the table from this, and a test checks that
//! `infra/template.yaml` declares the same thing. Item layouts live with each aggregate's store.

use anyhow::Context;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

pub const PARTITION_KEY: &str = "PK";
pub const SORT_KEY: &str = "SK";
/// Epoch seconds. DynamoDB deletes expired items late (and the emulator never does), so every
/// read of an expiring item checks this itself.
pub const TTL_ATTRIBUTE: &str = "expires_at";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalIndex {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// Overloaded indexes: each aggregate's store says what it puts in them.
pub const GSI1: GlobalIndex = GlobalIndex {
    name: "GSI1",
    partition_key: "GSI1PK",
    sort_key: "GSI1SK",
};
pub const GSI2: GlobalIndex = GlobalIndex {
    name: "GSI2",
    partition_key: "GSI2PK",
    sort_key: "GSI2SK",
};
pub const GSI3: GlobalIndex = GlobalIndex {
    name: "GSI3",
    partition_key: "GSI3PK",
    sort_key: "GSI3SK",
};
pub const GLOBAL_INDEXES: [GlobalIndex; 3] = [GSI1, GSI2, GSI3];

/// Every key attribute of the table and its indexes (all strings).
pub fn key_attributes() -> Vec<&'static str> {
    let mut names = vec![PARTITION_KEY, SORT_KEY];
    for index in GLOBAL_INDEXES {
        names.push(index.partition_key);
        names.push(index.sort_key);
    }
    names
}

fn key_schema(partition: &str, sort: &str) -> anyhow::Result<Vec<KeySchemaElement>> {
    Ok(vec![
        KeySchemaElement::builder()
            .attribute_name(partition)
            .key_type(KeyType::Hash)
            .build()?,
        KeySchemaElement::builder()
            .attribute_name(sort)
            .key_type(KeyType::Range)
            .build()?,
    ])
}

/// Creates the table (on-demand billing) and turns TTL on. Returns `false` when the table was
/// already there, so running it again is harmless.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) -> anyhow::Result<bool> {
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(PARTITION_KEY, SORT_KEY)?));
    for name in key_attributes() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        );
    }
    for index in GLOBAL_INDEXES {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            return Ok(false)
        }
        Err(err) => return Err(err).context("Failed to create the table"),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TTL_ATTRIBUTE)
                .build()?,
        )
        .send()
        .await
        .context("Failed to enable TTL on the table")?;
    Ok(true)
}
