//! An item's size by AWS's rules (see the parent module).

use serde_json::{Map, Value};

/// An item's size by AWS's rules (see the module's documentation).
pub fn item_bytes(item: &Map<String, Value>) -> u64 {
    item.iter()
        .map(|(name, value)| name.len() as u64 + value_bytes(value))
        .sum()
}

/// One attribute value's size (`{"S": "…"}`, `{"N": "…"}`, …), without its name.
pub fn value_bytes(value: &Value) -> u64 {
    let Some((kind, inner)) = value.as_object().and_then(|v| v.iter().next()) else {
        return 0;
    };
    let strings = || {
        inner
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, |s| s.len() as u64),
        "N" => inner.as_str().map_or(0, number_bytes),
        "B" => inner.as_str().map_or(0, base64_raw_len),
        "BOOL" | "NULL" => 1,
        "SS" => strings().map(|s| s.len() as u64).sum(),
        "NS" => strings().map(number_bytes).sum(),
        "BS" => strings().map(base64_raw_len).sum(),
        "L" => {
            let elements = inner.as_array().into_iter().flatten();
            3 + elements.map(|e| 1 + value_bytes(e)).sum::<u64>()
        }
        "M" => {
            3 + inner
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, e)| 1 + name.len() as u64 + value_bytes(e))
                .sum::<u64>()
        }
        _ => 0,
    }
}

/// 1 byte per two significant digits (leading and trailing zeros trimmed), + 1.
pub(super) fn number_bytes(number: &str) -> u64 {
    let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len() as u64;
    significant.div_ceil(2).max(1) + 1
}

fn base64_raw_len(text: &str) -> u64 {
    let padding = text.bytes().rev().take_while(|b| *b == b'=').count() as u64;
    (text.len() as u64 * 3 / 4).saturating_sub(padding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_the_documented_rules() {
        let item = json!({
            "PK": {"S": "USER#1"},            // 2 + 6
            "rate": {"N": "350.00"},          // 4 + (35 → 1) + 1
            "ok": {"BOOL": true},             // 2 + 1
            "blob": {"B": "aGVsbG8="},        // 4 + 5 raw bytes
            "tags": {"SS": ["ab", "cde"]},    // 4 + 5
            "pos": {"L": [{"N": "-33.9"}, {"NULL": true}]}, // 3 + 3 + (1 + 3) + (1 + 1)
            "m": {"M": {"k": {"S": "v"}}},    // 1 + 3 + (1 + 1 + 1)
        });
        let item = item.as_object().unwrap();
        assert_eq!(item_bytes(item), 8 + 6 + 3 + 9 + 9 + 12 + 7);
        assert_eq!(number_bytes("0.00120"), 2);
        assert_eq!(number_bytes("123456"), 4);
        assert_eq!(number_bytes("0"), 2);
        assert_eq!(number_bytes("-1.5E+10"), 2);
    }
}
