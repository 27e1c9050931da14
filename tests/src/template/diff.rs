//! The differences between two normalised templates (`super::cdk::normalise`), as a list a
//! person can act on: resources or outputs only on one side, then every property that differs,
//! by its path (`HealthFunctionRole.Properties.Policies[0]...Statement[ProbeKey].Action`).

use std::collections::BTreeSet;

use serde_json::Value;

/// Keys that name the items of a list of objects, so that items are matched by name, not
/// position (one removed statement is one difference, not a shifted list).
const ITEM_NAMES: [&str; 7] = [
    "Sid",
    "Name",
    "Id",
    "IndexName",
    "AttributeName",
    "Key",
    "ResourcePath",
];
const SHOWN: usize = 160;

/// Every difference between `left` and `right` (normalised templates), named by `sides`.
pub fn template_differences(left: &Value, right: &Value, sides: (&str, &str)) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["Resources", "Outputs"] {
        let empty = serde_json::Map::new();
        let a = left[section].as_object().unwrap_or(&empty);
        let b = right[section].as_object().unwrap_or(&empty);
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for name in names {
            let what = |v: &Value| match v["Type"].as_str() {
                Some(kind) => format!("{name} ({kind})"),
                None => format!("output {name}"),
            };
            match (a.get(name), b.get(name)) {
                (Some(x), None) => out.push(format!("{}: only in the {}", what(x), sides.0)),
                (None, Some(y)) => out.push(format!("{}: only in the {}", what(y), sides.1)),
                (Some(x), Some(y)) => value_differences(name, x, y, sides, &mut out),
                (None, None) => {}
            }
        }
    }
    out
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn value_differences(path: &str, a: &Value, b: &Value, sides: (&str, &str), out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let inner = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(v), None) => {
                        out.push(format!("{inner}: only in the {} ({})", sides.0, short(v)))
                    }
                    (None, Some(v)) => {
                        out.push(format!("{inner}: only in the {} ({})", sides.1, short(v)))
                    }
                    (Some(v), Some(w)) => value_differences(&inner, v, w, sides, out),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => array_differences(path, x, y, sides, out),
        // JSON in a string (a dashboard body): compared as the JSON it is.
        (Value::String(x), Value::String(y)) if x.starts_with('{') && y.starts_with('{') => {
            match (
                serde_json::from_str::<Value>(x),
                serde_json::from_str::<Value>(y),
            ) {
                (Ok(v), Ok(w)) => value_differences(&format!("{path}(json)"), &v, &w, sides, out),
                _ => out.push(changed(path, a, b, sides)),
            }
        }
        _ => out.push(changed(path, a, b, sides)),
    }
}

fn changed(path: &str, a: &Value, b: &Value, sides: (&str, &str)) -> String {
    format!(
        "{path}: {} {} ≠ {} {}",
        sides.0,
        short(a),
        sides.1,
        short(b)
    )
}

fn item_name(item: &Value) -> Option<String> {
    ITEM_NAMES.iter().find_map(|key| item.get(key)).map(|name| {
        name.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| name.to_string())
    })
}

fn array_differences(
    path: &str,
    x: &[Value],
    y: &[Value],
    sides: (&str, &str),
    out: &mut Vec<String>,
) {
    let scalars = x.iter().chain(y).all(|v| !v.is_object() && !v.is_array());
    if scalars {
        let only = |a: &[Value], b: &[Value]| -> Vec<String> {
            a.iter().filter(|v| !b.contains(v)).map(short).collect()
        };
        let (left, right) = (only(x, y), only(y, x));
        if !left.is_empty() {
            out.push(format!(
                "{path}: only in the {}: {}",
                sides.0,
                left.join(", ")
            ));
        }
        if !right.is_empty() {
            out.push(format!(
                "{path}: only in the {}: {}",
                sides.1,
                right.join(", ")
            ));
        }
        if left.is_empty() && right.is_empty() {
            out.push(format!(
                "{path}: the same items in another order or count ({} {}, {} {})",
                sides.0,
                short(&Value::from(x.to_vec())),
                sides.1,
                short(&Value::from(y.to_vec()))
            ));
        }
        return;
    }
    let names: Option<Vec<(String, &Value)>> = x
        .iter()
        .chain(y)
        .map(|v| item_name(v).map(|n| (n, v)))
        .collect();
    let unique = |list: &[Value]| {
        let named: BTreeSet<Option<String>> = list.iter().map(item_name).collect();
        named.len() == list.len()
    };
    if names.is_some() && unique(x) && unique(y) {
        let find = |list: &[Value], name: &str| {
            list.iter()
                .find(|v| item_name(v).as_deref() == Some(name))
                .cloned()
        };
        let all: BTreeSet<String> = x.iter().chain(y).filter_map(item_name).collect();
        for name in all {
            let inner = format!("{path}[{name}]");
            match (find(x, &name), find(y, &name)) {
                (Some(v), None) => {
                    out.push(format!("{inner}: only in the {} ({})", sides.0, short(&v)))
                }
                (None, Some(v)) => {
                    out.push(format!("{inner}: only in the {} ({})", sides.1, short(&v)))
                }
                (Some(v), Some(w)) => value_differences(&inner, &v, &w, sides, out),
                (None, None) => {}
            }
        }
        let order = |list: &[Value]| list.iter().filter_map(item_name).collect::<Vec<_>>();
        if all_named_in_both(x, y) && order(x) != order(y) {
            out.push(format!(
                "{path}: another order ({} {:?}, {} {:?})",
                sides.0,
                order(x),
                sides.1,
                order(y)
            ));
        }
        return;
    }
    if x.len() != y.len() {
        out.push(format!(
            "{path}: {} items in the {}, {} in the {}",
            x.len(),
            sides.0,
            y.len(),
            sides.1
        ));
    }
    for (index, (v, w)) in x.iter().zip(y).enumerate() {
        value_differences(&format!("{path}[{index}]"), v, w, sides, out);
    }
}

fn all_named_in_both(x: &[Value], y: &[Value]) -> bool {
    let names = |list: &[Value]| list.iter().filter_map(item_name).collect::<BTreeSet<_>>();
    names(x) == names(y)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template(statements: Value) -> Value {
        json!({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Statement": statements}}}})
    }

    #[test]
    fn names_a_missing_action_and_statement() {
        let sam = template(json!([
            {"Sid": "Read", "Action": ["dynamodb:GetItem", "dynamodb:Query"]},
            {"Sid": "Keys", "Action": "secretsmanager:GetSecretValue"}
        ]));
        let cdk = template(json!([{"Sid": "Read", "Action": ["dynamodb:GetItem"]}]));
        let found = template_differences(&sam, &cdk, ("SAM template", "CDK app"));
        assert_eq!(found, vec![
            "Role.Properties.Statement[Keys]: only in the SAM template ({\"Action\":\"secretsmanager:GetSecretValue\",\"Sid\":\"Keys\"})",
            "Role.Properties.Statement[Read].Action: only in the SAM template: \"dynamodb:Query\"",
        ]);
        assert!(template_differences(&sam, &sam, ("a", "b")).is_empty());
    }

    #[test]
    fn names_resources_on_one_side_and_changed_values() {
        let a = json!({"Resources": {"A": {"Type": "T", "Properties": {"N": 1}}}, "Outputs": {"O": {"Value": "x"}}});
        let b =
            json!({"Resources": {"A": {"Type": "T", "Properties": {"N": 2}}, "B": {"Type": "U"}}});
        assert_eq!(
            template_differences(&a, &b, ("l", "r")),
            vec![
                "A.Properties.N: l 1 ≠ r 2",
                "B (U): only in the r",
                "output O: only in the l",
            ]
        );
    }
}
