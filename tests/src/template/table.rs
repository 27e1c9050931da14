//! The table against `shared::schema`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use shared::schema;

use super::decode::{array, resources};

pub fn table_differences(template: &Value) -> Vec<String> {
    let tables = resources(template, "AWS::DynamoDB::Table");
    let [(id, table)] = tables.as_slice() else {
        return vec![format!(
            "expected one AWS::DynamoDB::Table, found {}",
            tables.len()
        )];
    };
    let properties = &table["Properties"];
    let mut differences = key_schema_differences(
        &format!("{id}.KeySchema"),
        &properties["KeySchema"],
        schema::PARTITION_KEY,
        schema::SORT_KEY,
    );

    let expected: BTreeSet<&str> = schema::key_attributes().into_iter().collect();
    let mut defined = BTreeSet::new();
    for definition in array(&properties["AttributeDefinitions"]) {
        let name = definition["AttributeName"].as_str().unwrap_or("?");
        if definition["AttributeType"] != "S" {
            differences.push(format!("{id}: attribute {name} is not a string (S)"));
        }
        defined.insert(name);
    }
    for name in expected.difference(&defined) {
        differences.push(format!("{id}: key attribute {name} is not defined"));
    }
    for name in defined.difference(&expected) {
        differences.push(format!(
            "{id}: attribute {name} is defined but is no key in shared::schema"
        ));
    }

    let indexes: BTreeMap<&str, &Value> = array(&properties["GlobalSecondaryIndexes"])
        .map(|index| (index["IndexName"].as_str().unwrap_or("?"), index))
        .collect();
    for index in schema::GLOBAL_INDEXES {
        let Some(declared) = indexes.get(index.name) else {
            differences.push(format!("{id}: index {} is missing", index.name));
            continue;
        };
        differences.extend(key_schema_differences(
            &format!("{id}.{}", index.name),
            &declared["KeySchema"],
            index.partition_key,
            index.sort_key,
        ));
        let projection = &declared["Projection"]["ProjectionType"];
        if projection != "ALL" {
            differences.push(format!(
                "{id}.{}: projection is {projection}, not ALL",
                index.name
            ));
        }
    }
    for name in indexes.keys() {
        if !schema::GLOBAL_INDEXES
            .iter()
            .any(|index| index.name == *name)
        {
            differences.push(format!(
                "{id}: index {name} is not in shared::schema::GLOBAL_INDEXES"
            ));
        }
    }

    let ttl = &properties["TimeToLiveSpecification"];
    if ttl["AttributeName"] != schema::TTL_ATTRIBUTE || ttl["Enabled"] != true {
        differences.push(format!(
            "{id}: TTL must be enabled on {}, the template has {ttl}",
            schema::TTL_ATTRIBUTE
        ));
    }
    // The local table is created on demand too (schema::create_table).
    if properties["BillingMode"] != "PAY_PER_REQUEST" {
        differences.push(format!(
            "{id}: billing mode is {}, not PAY_PER_REQUEST",
            properties["BillingMode"]
        ));
    }
    differences
}

pub fn key_schema_differences(
    label: &str,
    keys: &Value,
    partition: &str,
    sort: &str,
) -> Vec<String> {
    let declared: Vec<(&str, &str)> = array(keys)
        .map(|key| {
            (
                key["AttributeName"].as_str().unwrap_or("?"),
                key["KeyType"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    let expected = vec![(partition, "HASH"), (sort, "RANGE")];
    if declared == expected {
        Vec::new()
    } else {
        vec![format!(
            "{label} is {declared:?}, shared::schema says {expected:?}"
        )]
    }
}
