//! What an `UpdateExpression` changes: the index keys it sets or removes.

use serde_json::{Map, Value};

use crate::schema::GLOBAL_INDEXES;

#[derive(Debug, Default, PartialEq)]
pub(super) struct UpdateChanges {
    /// The index key attributes the update sets (bits as in [`Seen`]).
    pub set_keys: u8,
    /// The index key attributes the update removes.
    pub removed_keys: u8,
    /// The names and values the request carries (the item is at least this big).
    pub value_bytes: u64,
}

/// Which index keys an `UpdateExpression` sets or removes (top-level paths of its `SET` and
/// `REMOVE` clauses, `#placeholders` resolved) and how big its values are.
pub(super) fn update_changes(request: &Value) -> UpdateChanges {
    let names = request["ExpressionAttributeNames"].as_object();
    let resolve = |path: &str| -> String {
        let head = path
            .trim()
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_owned();
        match names.and_then(|n| n.get(&head)).and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => head,
        }
    };
    let mut changes = UpdateChanges::default();
    for (name, value) in request["ExpressionAttributeValues"]
        .as_object()
        .into_iter()
        .flatten()
    {
        changes.value_bytes += name.len() as u64 + super::value_bytes(value);
    }
    let expression = request["UpdateExpression"].as_str().unwrap_or_default();
    for (clause, body) in clauses(expression) {
        for action in top_level_split(body) {
            let path = match clause.as_str() {
                "SET" => action.split('=').next().unwrap_or_default(),
                _ => action.split_whitespace().next().unwrap_or_default(),
            };
            let mask = key_bits(&resolve(path));
            match clause.as_str() {
                "SET" | "ADD" => changes.set_keys |= mask,
                "REMOVE" => changes.removed_keys |= mask,
                _ => {}
            }
        }
    }
    changes
}

/// `(KEYWORD, body)` per clause of an update expression.
fn clauses(expression: &str) -> Vec<(String, &str)> {
    const KEYWORDS: [&str; 4] = ["SET", "REMOVE", "ADD", "DELETE"];
    let mut starts = Vec::new();
    let mut offset = 0;
    for word in expression.split_inclusive(char::is_whitespace) {
        let bare = word.trim();
        if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(bare)) {
            starts.push((offset, bare.to_ascii_uppercase(), offset + word.len()));
        }
        offset += word.len();
    }
    let mut out = Vec::new();
    for (i, (_, keyword, body_start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(expression.len(), |next| next.0);
        out.push((keyword.clone(), &expression[*body_start..end]));
    }
    out
}

/// Splits on commas outside parentheses (`SET a = if_not_exists(a, :z), b = :b`).
fn top_level_split(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

pub(super) fn key_bits(attribute: &str) -> u8 {
    let mut mask = 0;
    for (i, index) in GLOBAL_INDEXES.iter().enumerate() {
        if index.partition_key == attribute {
            mask |= 1 << (2 * i);
        }
        if index.sort_key == attribute {
            mask |= 1 << (2 * i + 1);
        }
    }
    mask
}

/// The index key attributes an item has.
pub(super) fn key_mask(item: &Map<String, Value>) -> u8 {
    item.keys().fold(0, |mask, name| mask | key_bits(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn update_expressions_name_the_index_keys_they_change() {
        let request = json!({
            "UpdateExpression": "set #s = :s, GSI3PK = list_append(a, :l) REMOVE GSI2PK ADD hits :one",
            "ExpressionAttributeNames": {"#s": "GSI1SK"},
            "ExpressionAttributeValues": {":s": {"S": "abc"}, ":one": {"N": "1"}},
        });
        let changes = update_changes(&request);
        // GSI1SK (bit 1), GSI3PK (bit 4); GSI2PK (bit 2).
        assert_eq!(changes.set_keys, 0b01_0010);
        assert_eq!(changes.removed_keys, 0b00_0100);
        assert_eq!(changes.value_bytes, (2 + 3) + (4 + 2));
    }
}
