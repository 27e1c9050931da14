//! `docs/openapi.json` against the code: the committed document is the one the handlers'
//! annotations generate, every route of every group is documented and every documented route
//! exists, the template deploys exactly the documented routes, and the health function serves
//! the document.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use integration_tests::app::spawn_app;
use serde_json::Value;

use integration_tests::template::routers::{matched_route, offline_state, router_of};
use integration_tests::template::routes::deployed_routes;

const REGENERATE: &str = "cargo run -p local --bin openapi > docs/openapi.json";
const GROUPS: [&str; 6] = [
    "health",
    "auth",
    "users",
    "instructors",
    "bookings",
    "admin",
];
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn committed() -> Value {
    let path = local::stack::workspace_root().join("docs/openapi.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}; run `{REGENERATE}`", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("docs/openapi.json is not JSON ({e}); run `{REGENERATE}`"))
}

fn generated() -> Value {
    serde_json::to_value(local::openapi::document()).expect("the document serialises")
}

fn group_document(group: &str) -> Value {
    let document = match group {
        "health" => health::openapi(),
        "auth" => auth::openapi(),
        "users" => users::openapi(),
        "instructors" => instructors::openapi(),
        "bookings" => bookings::openapi(),
        "admin" => admin::openapi(),
        other => panic!("unknown group {other}"),
    };
    serde_json::to_value(document).expect("the document serialises")
}

/// (METHOD, path) of every operation in a document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.to_ascii_uppercase().as_str()))
                .map(move |(method, _)| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

/// JSON pointers where two documents differ, for a readable failure.
fn differences(pointer: &str, left: &Value, right: &Value, out: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(&child, x, y, out),
                    (Some(_), None) => out.push(format!("{child}: only in the code")),
                    (None, Some(_)) => out.push(format!("{child}: only in docs/openapi.json")),
                    (None, None) => {}
                }
            }
        }
        (a, b) if a != b => out.push(format!("{pointer}: differs")),
        _ => {}
    }
}

#[test]
fn committed_document_is_the_one_the_code_generates() {
    let (generated, committed) = (generated(), committed());
    let mut found = Vec::new();
    differences("", &generated, &committed, &mut found);
    assert!(
        found.is_empty(),
        "docs/openapi.json is not what the code generates; run `{REGENERATE}`. Differences:\n  {}",
        found
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// The drift check itself: a document that differs from the code's in a description, a lost
/// operation or an extra path is reported, at the place where it differs.
#[test]
fn drift_from_the_code_is_reported_where_it_is() {
    let generated = generated();
    let found = |edit: &dyn Fn(&mut Value)| {
        let mut committed = generated.clone();
        edit(&mut committed);
        let mut out = Vec::new();
        differences("", &generated, &committed, &mut out);
        out
    };
    assert!(found(&|_| {}).is_empty());
    assert_eq!(
        found(&|doc| doc["info"]["title"] = Value::from("Something else")),
        ["/info/title: differs"]
    );
    let lost = found(&|doc| {
        if let Some(paths) = doc["paths"].as_object_mut() {
            paths.remove("/api/v1/bookings");
        }
    });
    assert_eq!(lost, ["/paths/~1api~1v1~1bookings: only in the code"]);
    let extra = found(&|doc| doc["paths"]["/api/v1/extra"] = serde_json::json!({"get": {}}));
    assert_eq!(
        extra,
        ["/paths/~1api~1v1~1extra: only in docs/openapi.json"]
    );
}

#[test]
fn health_function_embeds_the_committed_document() {
    let embedded: Value = serde_json::from_str(health::OPENAPI_JSON).expect("embedded JSON");
    assert_eq!(
        embedded,
        committed(),
        "rebuild the health function after `{REGENERATE}`"
    );
}

fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    document.pointer(reference.strip_prefix('#')?)
}

fn references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference);
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn document_is_openapi_3_1_with_unique_ids_resolvable_refs_and_declared_parameters() {
    let document = generated();
    assert_eq!(document["openapi"], "3.1.0");
    let mut problems = Vec::new();

    let mut refs = Vec::new();
    references(&document, &mut refs);
    for reference in refs {
        if resolve(&document, reference).is_none() {
            problems.push(format!("{reference} does not resolve"));
        }
    }

    let mut ids = BTreeMap::new();
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][method.to_ascii_lowercase()];
        let name = format!("{method} {path}");
        match operation["operationId"].as_str() {
            Some(id) => {
                if let Some(other) = ids.insert(id.to_owned(), name.clone()) {
                    problems.push(format!("{name} and {other} share operationId {id}"));
                }
            }
            None => problems.push(format!("{name} has no operationId")),
        }
        if operation["tags"].as_array().is_none_or(|t| t.is_empty()) {
            problems.push(format!("{name} has no tag"));
        }
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let templated: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        if declared != templated {
            problems.push(format!(
                "{name} declares path parameters {declared:?}, its path has {templated:?}"
            ));
        }
        let responses = operation["responses"].as_object();
        if !responses.is_some_and(|r| r.keys().any(|status| status.starts_with('2'))) {
            problems.push(format!("{name} documents no success response"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The routers cannot list their routes, so each documented operation is requested from its
/// group's router (which must match it as that very pattern), and every other method on that
/// path must be refused: a method added to a documented path is caught here, a new path by
/// `every_route_path_in_the_source_is_documented`.
#[tokio::test]
async fn every_documented_operation_is_a_route_of_its_group_and_nothing_else_is() {
    let state = offline_state().await;
    let mut problems = Vec::new();
    let mut total = 0;
    for group in GROUPS {
        let documented = operations(&group_document(group));
        total += documented.len();
        let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
        for path in paths {
            for method in METHODS {
                let router = router_of(group).expect("a router per group");
                let matched = matched_route(router, &state, method, path).await;
                let is_documented = documented.contains(&(method.to_owned(), path.clone()));
                match (is_documented, matched) {
                    (true, Ok(pattern)) if &pattern == path => {}
                    (true, Ok(pattern)) => {
                        problems.push(format!("{method} {path} ({group}) is routed as {pattern}"))
                    }
                    (true, Err(status)) => problems.push(format!(
                        "{method} {path} is documented but {group} has no such route ({status})"
                    )),
                    (false, Ok(pattern)) => problems.push(format!(
                        "{method} {pattern} is a route of {group} without documentation: \
                         annotate its handler with #[utoipa::path] and list it in the group's \
                         #[openapi(paths(...))], then run `{REGENERATE}`"
                    )),
                    (false, Err(_)) => {}
                }
            }
        }
    }
    assert_eq!(
        operations(&generated()).len(),
        total,
        "two groups document the same operation"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `"/api/v1/..."` literal in `functions/<group>/src`: the routes and their annotations.
fn route_literals(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("list the sources").flatten() {
        let path = entry.path();
        if path.is_dir() {
            route_literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            for piece in text.split("\"/api/v1").skip(1) {
                if let Some(rest) = piece.split('"').next() {
                    out.insert(format!("/api/v1{rest}"));
                }
            }
        }
    }
}

#[test]
fn every_route_path_in_the_source_is_documented() {
    let root = local::stack::workspace_root();
    let mut problems = Vec::new();
    for group in GROUPS {
        let documented: BTreeSet<String> = operations(&group_document(group))
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        let mut literals = BTreeSet::new();
        route_literals(
            &root.join("functions").join(group).join("src"),
            &mut literals,
        );
        assert!(!literals.is_empty(), "no routes found in functions/{group}");
        for path in literals.difference(&documented) {
            problems.push(format!(
                "functions/{group} routes {path}, which is not in its documentation"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nannotate the handler with #[utoipa::path], list it in the group's \
         #[openapi(paths(...))] and run `{REGENERATE}`",
        problems.join("\n")
    );
}

#[test]
fn template_deploys_exactly_the_documented_routes() {
    // CORS preflights are deployed for every path but are no operation of the API.
    let deployed: BTreeSet<(String, String, String)> = deployed_routes()
        .into_iter()
        .filter(|(_, method, _)| method != "OPTIONS")
        .collect();
    let documented: BTreeSet<(String, String, String)> = GROUPS
        .iter()
        .flat_map(|group| {
            operations(&group_document(group))
                .into_iter()
                .map(|(method, path)| ((*group).to_owned(), method, path))
        })
        .collect();
    let undeployed: Vec<_> = documented.difference(&deployed).collect();
    let undocumented: Vec<_> = deployed.difference(&documented).collect();
    assert!(
        undeployed.is_empty() && undocumented.is_empty(),
        "infra/template.yaml and the documentation differ:\n  documented, not deployed: \
         {undeployed:?}\n  deployed, not documented: {undocumented:?}"
    );
}

#[tokio::test]
async fn the_api_serves_the_committed_document_as_json() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/openapi.json").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    let served: Value = response.json().await.expect("a JSON body");
    assert_eq!(served, committed());
}
