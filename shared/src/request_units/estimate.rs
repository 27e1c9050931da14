//! Units per operation, from its request and response JSON.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::item_size::item_bytes;
use super::update_expression::{key_mask, update_changes};
use crate::schema::{GLOBAL_INDEXES, PARTITION_KEY, SORT_KEY};

/// Read and write request units of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, other: Self) {
        self.read += other.read;
        self.write += other.write;
    }
}

/// What the estimator knows of an item it has seen: its size and which index key attributes it
/// has (bits `2i` and `2i + 1`: the partition and sort key of `GLOBAL_INDEXES[i]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seen {
    bytes: u64,
    keys: u8,
}

impl Seen {
    /// The indexes the item is in (a bit per index): those it has both keys of (they are sparse).
    fn indexes(self) -> u8 {
        let mut mask = 0;
        for i in 0..GLOBAL_INDEXES.len() {
            if (self.keys >> (2 * i)) & 0b11 == 0b11 {
                mask |= 1 << i;
            }
        }
        mask
    }
}

/// The last image seen per item key (table, PK, SK), so updates and deletes, whose requests do
/// not carry the whole item, are sized by the item they change.
#[derive(Debug, Default)]
pub struct ItemMemory(HashMap<String, Seen>);

impl ItemMemory {
    fn remember(&mut self, table: &str, item: &Map<String, Value>) {
        if let Some(key) = key_of(table, item) {
            let seen = Seen {
                bytes: item_bytes(item),
                keys: key_mask(item),
            };
            self.0.insert(key, seen);
        }
    }

    fn recall(&self, table: &str, key: &Map<String, Value>) -> Option<Seen> {
        key_of(table, key).and_then(|k| self.0.get(&k).copied())
    }
}

const READ_STEP: u64 = 4096;
const WRITE_STEP: u64 = 1024;

fn steps(bytes: u64, step: u64) -> f64 {
    bytes.div_ceil(step).max(1) as f64
}

/// Estimated units of `operation` (the `X-Amz-Target` suffix: `GetItem`, `Query`, …) from its
/// request and response bodies. Operations that are not reads or writes of items cost nothing.
pub fn estimate(
    operation: &str,
    request: &Value,
    response: &Value,
    memory: &mut ItemMemory,
) -> Units {
    let table = request["TableName"].as_str().unwrap_or_default();
    match operation {
        "GetItem" => {
            let factor = read_factor(request);
            let item = response["Item"].as_object();
            if let Some(item) = item {
                memory.remember(table, item);
            }
            Units {
                read: factor * steps(item.map_or(0, item_bytes), READ_STEP),
                write: 0.0,
            }
        }
        "Query" | "Scan" => {
            let factor = read_factor(request);
            let mut bytes = 0;
            for item in response["Items"].as_array().into_iter().flatten() {
                if let Some(item) = item.as_object() {
                    bytes += item_bytes(item);
                    memory.remember(table, item);
                }
            }
            Units {
                read: factor * steps(bytes, READ_STEP),
                write: 0.0,
            }
        }
        "BatchGetItem" => batch_get(request, response, memory),
        "TransactGetItems" => {
            let mut read = 0.0;
            for found in response["Responses"].as_array().into_iter().flatten() {
                read += 2.0 * steps(found["Item"].as_object().map_or(0, item_bytes), READ_STEP);
            }
            Units { read, write: 0.0 }
        }
        "PutItem" | "UpdateItem" | "DeleteItem" => {
            let kind = operation.trim_end_matches("Item");
            let write = write_units(kind, request, response, memory, 1.0);
            Units { read: 0.0, write }
        }
        "TransactWriteItems" => transact_write(request, memory),
        "BatchWriteItem" => {
            let mut write = 0.0;
            for (table, requests) in object_entries(&request["RequestItems"]) {
                for each in requests.as_array().into_iter().flatten() {
                    let mut single = Map::new();
                    single.insert("TableName".into(), Value::String(table.clone()));
                    let kind = if let Some(put) = each.get("PutRequest") {
                        single.insert("Item".into(), put["Item"].clone());
                        "Put"
                    } else {
                        single.insert("Key".into(), each["DeleteRequest"]["Key"].clone());
                        "Delete"
                    };
                    let single = Value::Object(single);
                    write += write_units(kind, &single, &Value::Null, memory, 1.0);
                }
            }
            Units { read: 0.0, write }
        }
        _ => Units::default(),
    }
}

fn read_factor(request: &Value) -> f64 {
    if request["ConsistentRead"].as_bool() == Some(true) {
        1.0
    } else {
        0.5
    }
}

fn object_entries(value: &Value) -> impl Iterator<Item = (&String, &Value)> {
    value.as_object().into_iter().flatten()
}

/// Each requested key is one read, found or not; the keys left unprocessed are not charged.
fn batch_get(request: &Value, response: &Value, memory: &mut ItemMemory) -> Units {
    let mut read = 0.0;
    for (table, asked) in object_entries(&request["RequestItems"]) {
        let factor = read_factor(asked);
        let requested = asked["Keys"].as_array().map_or(0, Vec::len);
        let unprocessed = response["UnprocessedKeys"][table]["Keys"]
            .as_array()
            .map_or(0, Vec::len);
        let found: Vec<&Map<String, Value>> = response["Responses"][table]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        for item in &found {
            read += factor * steps(item_bytes(item), READ_STEP);
            memory.remember(table, item);
        }
        let missing = requested.saturating_sub(unprocessed + found.len());
        read += factor * missing as f64;
    }
    Units { read, write: 0.0 }
}

fn transact_write(request: &Value, memory: &mut ItemMemory) -> Units {
    let mut units = Units::default();
    for action in request["TransactItems"].as_array().into_iter().flatten() {
        for (kind, body) in object_entries(action) {
            match kind.as_str() {
                "ConditionCheck" => units.read += 2.0,
                "Put" | "Update" | "Delete" => {
                    units.write += write_units(kind, body, &Value::Null, memory, 2.0);
                }
                _ => {}
            }
        }
    }
    units
}

/// One `Put`, `Update` or `Delete` (`factor` 2 inside a transaction), with its index writes.
fn write_units(
    kind: &str,
    request: &Value,
    response: &Value,
    memory: &mut ItemMemory,
    factor: f64,
) -> f64 {
    let table = request["TableName"].as_str().unwrap_or_default();
    let empty = Map::new();
    let (key, new_item) = match kind {
        "Put" => {
            let item = request["Item"].as_object().unwrap_or(&empty);
            (item.clone(), Some(item.clone()))
        }
        "Update" => {
            let key = request["Key"].as_object().cloned().unwrap_or_default();
            (key, None)
        }
        _ => (
            request["Key"].as_object().cloned().unwrap_or_default(),
            None,
        ),
    };
    let before = memory.recall(table, &key);
    let (after, set_keys) = match kind {
        "Put" => {
            let item = new_item.unwrap_or_default();
            memory.remember(table, &item);
            let seen = Seen {
                bytes: item_bytes(&item),
                keys: key_mask(&item),
            };
            (Some(seen), 0)
        }
        "Update" => {
            let changes = update_changes(request);
            let mut seen = before.unwrap_or(Seen {
                bytes: item_bytes(&key),
                keys: 0,
            });
            seen.bytes = match response["Attributes"].as_object() {
                Some(attributes) if request["ReturnValues"] == "ALL_NEW" => {
                    item_bytes(attributes).max(seen.bytes)
                }
                _ => seen.bytes.max(item_bytes(&key) + changes.value_bytes),
            };
            seen.keys = (seen.keys | changes.set_keys) & !changes.removed_keys;
            if let Some(k) = key_of(table, &key) {
                memory.0.insert(k, seen);
            }
            (Some(seen), changes.set_keys)
        }
        _ => {
            if let Some(k) = key_of(table, &key) {
                memory.0.remove(&k);
            }
            (None, 0)
        }
    };
    let bytes = before
        .map_or(0, |b| b.bytes)
        .max(after.map_or(0, |a| a.bytes));
    let step = steps(bytes, WRITE_STEP);
    let mut units = factor * step;
    let was_in = before.map_or(0, Seen::indexes);
    let is_in = after.map_or(0, Seen::indexes);
    for i in 0..GLOBAL_INDEXES.len() {
        let (bit, key_bits) = (1u8 << i, 0b11u8 << (2 * i));
        units += match (was_in & bit != 0, is_in & bit != 0) {
            // Its index key changed: a delete and a put in the index.
            (true, true) if set_keys & key_bits != 0 => 2.0 * step,
            (false, false) => 0.0,
            _ => step,
        };
    }
    units
}

fn key_of(table: &str, item: &Map<String, Value>) -> Option<String> {
    let pk = item.get(PARTITION_KEY)?["S"].as_str()?;
    let sk = item
        .get(SORT_KEY)
        .and_then(|v| v["S"].as_str())
        .unwrap_or_default();
    Some(format!("{table}\u{0}{pk}\u{0}{sk}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(n: usize) -> Value {
        json!({"S": "x".repeat(n)})
    }

    fn units(operation: &str, request: Value, response: Value, memory: &mut ItemMemory) -> Units {
        estimate(operation, &request, &response, memory)
    }

    /// A user item (PK, SK, GSI1 keys) of exactly `bytes` bytes.
    fn listed_item(id: &str, bytes: usize) -> Value {
        let fixed = 2 + 5 + id.len() + 2 + 7 + 6 + 4 + 6 + 2 + 3;
        json!({
            "PK": {"S": format!("USER#{id}")}, "SK": {"S": "PROFILE"},
            "GSI1PK": {"S": "CITY"}, "GSI1SK": {"S": "ab"},
            "pad": s(bytes - fixed),
        })
    }

    #[test]
    fn test_items_have_the_size_asked_for() {
        let sized = listed_item("1", 1000);
        assert_eq!(item_bytes(sized.as_object().unwrap()), 1000);
    }

    #[test]
    fn reads_round_up_to_4_kb_by_consistency() {
        let mut memory = ItemMemory::default();
        let get =
            |consistent: bool| json!({"TableName": "t", "Key": {}, "ConsistentRead": consistent});
        let big = json!({"Item": listed_item("1", 5000)});
        assert_eq!(
            units("GetItem", get(false), json!({}), &mut memory).read,
            0.5
        );
        assert_eq!(
            units("GetItem", get(true), json!({}), &mut memory).read,
            1.0
        );
        assert_eq!(
            units("GetItem", get(true), big.clone(), &mut memory).read,
            2.0
        );
        assert_eq!(units("GetItem", get(false), big, &mut memory).read, 1.0);
        // A query rounds the sum of what it returns: 3 × 2000 bytes = 2 steps.
        let items: Vec<Value> = (0..3).map(|i| listed_item(&i.to_string(), 2000)).collect();
        let query = json!({"TableName": "t", "IndexName": "GSI1"});
        let read = units("Query", query.clone(), json!({"Items": items}), &mut memory).read;
        assert_eq!(read, 1.0);
        assert_eq!(
            units("Query", query, json!({"Items": []}), &mut memory).read,
            0.5
        );
    }

    #[test]
    fn batch_gets_charge_each_key_found_or_not() {
        let mut memory = ItemMemory::default();
        let request = json!({"RequestItems": {"t": {
            "Keys": [{}, {}, {}, {}], "ConsistentRead": true}}});
        let response = json!({
            "Responses": {"t": [listed_item("1", 100), listed_item("2", 4100)]},
            "UnprocessedKeys": {"t": {"Keys": [{}]}},
        });
        // 1 (small) + 2 (4100 bytes) + 1 (missing); the unprocessed key is not charged.
        assert_eq!(
            units("BatchGetItem", request, response, &mut memory).read,
            4.0
        );
    }

    #[test]
    fn writes_round_up_to_1_kb_and_pay_for_each_index() {
        let mut memory = ItemMemory::default();
        let plain = json!({"TableName": "t", "Item": {
            "PK": {"S": "RATE#1"}, "SK": {"S": "W"}, "n": {"N": "1"}}});
        assert_eq!(units("PutItem", plain, json!({}), &mut memory).write, 1.0);
        let listed = json!({"TableName": "t", "Item": listed_item("1", 1500)});
        // 2 steps for the table, 2 for GSI1.
        assert_eq!(
            units("PutItem", listed.clone(), json!({}), &mut memory).write,
            4.0
        );
        let transact = json!({"TransactItems": [
            {"Put": {"TableName": "t", "Item": listed_item("2", 500)}},
            {"ConditionCheck": {"TableName": "t", "Key": {}}},
        ]});
        let both = units("TransactWriteItems", transact, json!({}), &mut memory);
        assert_eq!(
            both,
            Units {
                read: 2.0,
                write: 3.0
            }
        );
    }

    #[test]
    fn updates_and_deletes_are_sized_by_the_item_they_change() {
        let mut memory = ItemMemory::default();
        let key = json!({"PK": {"S": "USER#1"}, "SK": {"S": "PROFILE"}});
        let read = json!({"Item": listed_item("1", 900)});
        units(
            "GetItem",
            json!({"TableName": "t", "Key": key}),
            read,
            &mut memory,
        );
        let update = |expression: &str| {
            json!({"TableName": "t", "Key": key, "UpdateExpression": expression,
                   "ExpressionAttributeNames": {"#k": "GSI1SK", "#c": "GSI3PK"},
                   "ExpressionAttributeValues": {":v": {"S": "new"}}})
        };
        // Not a key: the table item and its copy in GSI1.
        let plain = units(
            "UpdateItem",
            update("SET suburb = :v"),
            json!({}),
            &mut memory,
        );
        assert_eq!(plain.write, 2.0);
        // Moves the item within GSI1 (delete + put) and adds it to GSI3, which needs GSI3SK
        // too: so GSI3 is only counted once the item has both keys.
        let moved = units(
            "UpdateItem",
            update("SET #k = :v, #c = if_not_exists(#c, :v)"),
            json!({}),
            &mut memory,
        );
        assert_eq!(moved.write, 1.0 + 2.0);
        let removed = units(
            "UpdateItem",
            update("REMOVE GSI1PK"),
            json!({}),
            &mut memory,
        );
        assert_eq!(removed.write, 1.0 + 1.0);
        // Out of every index now: a delete is the table write only.
        let delete = json!({"TableName": "t", "Key": key});
        assert_eq!(
            units("DeleteItem", delete.clone(), json!({}), &mut memory).write,
            1.0
        );
        // Never seen: sized by its key and values (a lower bound), one step.
        assert_eq!(
            units("UpdateItem", update("SET a = :v"), json!({}), &mut memory).write,
            1.0
        );
        assert_eq!(
            units("DescribeTable", delete, json!({}), &mut memory),
            Units::default()
        );
    }
}
