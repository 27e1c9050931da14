//! Reading and writing attribute values without repeating the same matching everywhere.

use std::collections::HashMap;
use std::str::FromStr;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub fn get_n<T: FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

pub fn get_bool(item: &Item, name: &str) -> Option<bool> {
    item.get(name).and_then(|v| v.as_bool().ok()).copied()
}

pub fn req_s(item: &Item, name: &str) -> anyhow::Result<String> {
    get_s(item, name)
        .map(str::to_owned)
        .with_context(|| format!("item has no string attribute {name}"))
}

pub fn req_n<T: FromStr>(item: &Item, name: &str) -> anyhow::Result<T> {
    get_n(item, name).with_context(|| format!("item has no numeric attribute {name}"))
}

/// Adds `name` only when there is a value (DynamoDB has no use for empty optionals).
pub fn put_opt(item: &mut Item, name: &str, value: Option<AttributeValue>) {
    if let Some(value) = value {
        item.insert(name.to_owned(), value);
    }
}
