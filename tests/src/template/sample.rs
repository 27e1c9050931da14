//! A correct template built from the code, for the `detects_*` tests to break on purpose, and
//! the helpers those tests use.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use shared::http::security_headers::{HSTS, SECURITY_HEADERS};
use shared::schema;

use super::binaries::{build_differences, undeployed_differences};
use super::gateway::gateway_header_differences;
use super::routes::{event_route_differences, preflight_differences, Route, SampleEvent};
use super::table::table_differences;

pub fn key(name: &str, kind: &str) -> Value {
    json!({"AttributeName": name, "KeyType": kind})
}

pub fn expected_headers() -> Value {
    let mut headers: serde_json::Map<String, Value> = SECURITY_HEADERS
        .iter()
        .chain([&HSTS])
        .map(|(name, value)| (name.to_string(), json!(format!("'{value}'"))))
        .collect();
    headers.insert("x-request-id".into(), json!("context.requestId"));
    headers.insert("content-type".into(), json!("'application/problem+json'"));
    Value::Object(headers)
}

pub fn function(binary: &str, method: &str, path: &str) -> Value {
    json!({
        "Type": "AWS::Serverless::Function",
        "Metadata": {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": binary}},
        "Properties": {"Events": {
            "Route": {"Type": "Api", "Properties": {
                "RestApiId": {"Ref": "Api"}, "Path": path, "Method": method
            }},
            "Preflight": {"Type": "Api", "Properties": {
                "RestApiId": {"Ref": "Api"}, "Path": path, "Method": "options"
            }}
        }}
    })
}

pub fn good_template() -> Value {
    let attributes: Vec<Value> = schema::key_attributes()
        .into_iter()
        .map(|name| json!({"AttributeName": name, "AttributeType": "S"}))
        .collect();
    let indexes: Vec<Value> = schema::GLOBAL_INDEXES
        .iter()
        .map(|index| {
            json!({
                "IndexName": index.name,
                "KeySchema": [key(index.partition_key, "HASH"), key(index.sort_key, "RANGE")],
                "Projection": {"ProjectionType": "ALL"}
            })
        })
        .collect();
    json!({"Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": attributes,
            "KeySchema": [key(schema::PARTITION_KEY, "HASH"), key(schema::SORT_KEY, "RANGE")],
            "GlobalSecondaryIndexes": indexes,
            "TimeToLiveSpecification": {"AttributeName": schema::TTL_ATTRIBUTE, "Enabled": true}
        }},
        "Api": {"Type": "AWS::Serverless::Api", "Properties": {"GatewayResponses": {
            "DEFAULT_4XX": {"StatusCode": "400", "ResponseParameters": {"Headers": expected_headers()}},
            "DEFAULT_5XX": {"StatusCode": "500", "ResponseParameters": {"Headers": expected_headers()}}
        }}},
        "AuthFunction": function("auth", "post", "/api/v1/auth/login"),
        "UsersFunction": function("users", "get", "/api/v1/users/me")
    }})
}

pub fn good_binaries() -> BTreeSet<String> {
    ["auth", "users"].into_iter().map(str::to_owned).collect()
}

pub fn good_samples() -> Vec<SampleEvent> {
    vec![
        SampleEvent {
            file: "auth/login.json".into(),
            function: "auth".into(),
            route: Route::new("POST", "/api/v1/auth/login"),
        },
        SampleEvent {
            file: "users/me.json".into(),
            function: "users".into(),
            route: Route::new("GET", "/api/v1/users/me"),
        },
        SampleEvent {
            file: "auth/preflight.json".into(),
            function: "auth".into(),
            route: Route::new("OPTIONS", "/api/v1/auth/login"),
        },
        SampleEvent {
            file: "users/preflight.json".into(),
            function: "users".into(),
            route: Route::new("OPTIONS", "/api/v1/users/me"),
        },
    ]
}

pub fn all_differences(template: &Value) -> Vec<String> {
    let mut differences = table_differences(template);
    differences.extend(gateway_header_differences(template));
    differences.extend(build_differences(template, &good_binaries()));
    differences.extend(undeployed_differences(template, &good_binaries()));
    differences.extend(event_route_differences(template, &good_samples()));
    differences.extend(preflight_differences(template));
    differences
}

/// The good template with one change, and the differences the comparisons report for it.
pub fn differences_after(pointer: &str, value: Value) -> Vec<String> {
    differences_after_all(&[(pointer, value)])
}

pub fn differences_after_all(changes: &[(&str, Value)]) -> Vec<String> {
    let mut template = good_template();
    for (pointer, value) in changes {
        *template
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the test template")) = value.clone();
    }
    all_differences(&template)
}

pub fn assert_reported(differences: &[String], expected: &str) {
    assert!(
        differences.iter().any(|d| d.contains(expected)),
        "expected a difference mentioning {expected:?}, got {differences:#?}"
    );
}
