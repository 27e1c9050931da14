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

/// One page of a `Query`: the items read and, when the read stopped early, the key to go on
/// from (DynamoDB's `LastEvaluatedKey`, for the signed cursor).
#[derive(Debug, Clone)]
pub struct QueryPage<T> {
    pub items: Vec<T>,
    pub last_key: Option<Item>,
}

impl<T> QueryPage<T> {
    /// The page of a `Query`'s output, each item mapped by `read`.
    pub fn of<'a>(
        items: &'a [Item],
        last_key: Option<&Item>,
        read: impl FnMut(&'a Item) -> anyhow::Result<T>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            items: items.iter().map(read).collect::<anyhow::Result<_>>()?,
            last_key: last_key.cloned(),
        })
    }
}
