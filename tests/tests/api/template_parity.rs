//! `infra/template.yaml` against the code it deploys: the table against `shared::schema`, API
//! Gateway's own responses against the security headers, each function's binary against the
//! crates under `functions/`, and the routes against `events/` and the functions' routers.
//!
//! The template uses CloudFormation short tags (`!Ref`, `!Sub`), so it is read with cfn-lint's
//! own decoder from the project's virtualenv and handed over as JSON. Each comparison is a pure
//! function that returns the differences it found; the `detects_*` tests feed it a broken
//! template to prove it reports them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use integration_tests::events;
use serde_json::{json, Value};
use shared::http::security_headers::{HSTS, SECURITY_HEADERS};
use shared::{schema, AppState, Config};
use tower::ServiceExt;

const TEMPLATE: &str = "infra/template.yaml";

/// Prints the template as JSON with every short tag in its long form (`{"Ref": ...}`).
const DECODE: &str = r#"
import json, sys
from cfnlint.decode import decode
template, matches = decode(sys.argv[1])
if matches or template is None:
    sys.exit("\n".join(str(m) for m in matches) or "the template is empty")
print(json.dumps(template, default=str))
"#;

fn template() -> &'static Value {
    static DECODED: OnceLock<Value> = OnceLock::new();
    DECODED.get_or_init(|| decode_template(&local::stack::workspace_root()))
}

fn decode_template(root: &Path) -> Value {
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-python.sh",
        python.display()
    );
    let output = Command::new(&python)
        .arg("-c")
        .arg(DECODE)
        .arg(root.join(TEMPLATE))
        .output()
        .expect("run cfn-lint's decoder");
    assert!(
        output.status.success(),
        "{TEMPLATE} could not be decoded:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the decoder prints JSON")
}

fn assert_none(differences: Vec<String>, what: &str) {
    assert!(
        differences.is_empty(),
        "{TEMPLATE} differs from {what}:\n  {}",
        differences.join("\n  ")
    );
}

fn array(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

/// The template's resources of one type, with their logical ids.
fn resources<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, resource)| resource["Type"] == kind)
        .map(|(id, resource)| (id.as_str(), resource))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------------

fn table_differences(template: &Value) -> Vec<String> {
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

fn key_schema_differences(label: &str, keys: &Value, partition: &str, sort: &str) -> Vec<String> {
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

// ------------------------------------------------------------------------------------------------
// API Gateway's own responses
// ------------------------------------------------------------------------------------------------

struct GatewayResponse {
    label: String,
    response_type: String,
    /// Lowercase header name to its mapping expression as written in the template.
    headers: BTreeMap<String, String>,
}

fn as_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

/// Gateway responses declared on a SAM API and as plain `AWS::ApiGateway::GatewayResponse`s.
fn gateway_responses(template: &Value) -> Vec<GatewayResponse> {
    let mut found = Vec::new();
    for (api, resource) in resources(template, "AWS::Serverless::Api") {
        for (kind, response) in resource["Properties"]["GatewayResponses"]
            .as_object()
            .into_iter()
            .flatten()
        {
            found.push(GatewayResponse {
                label: format!("{api}.GatewayResponses.{kind}"),
                response_type: kind.clone(),
                headers: response["ResponseParameters"]["Headers"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, value)| (name.to_ascii_lowercase(), as_text(value)))
                    .collect(),
            });
        }
    }
    for (id, resource) in resources(template, "AWS::ApiGateway::GatewayResponse") {
        let properties = &resource["Properties"];
        found.push(GatewayResponse {
            label: id.to_owned(),
            response_type: as_text(&properties["ResponseType"]),
            headers: properties["ResponseParameters"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(key, value)| {
                    let name = key.strip_prefix("gatewayresponse.header.")?;
                    Some((name.to_ascii_lowercase(), as_text(value)))
                })
                .collect(),
        });
    }
    found
}

/// Every gateway response carries the functions' security headers (static values are written
/// in single quotes) and the request id.
fn gateway_header_differences(template: &Value) -> Vec<String> {
    let responses = gateway_responses(template);
    let mut differences = Vec::new();
    for required in ["DEFAULT_4XX", "DEFAULT_5XX"] {
        if !responses.iter().any(|r| r.response_type == required) {
            differences.push(format!("no gateway response for {required}"));
        }
    }
    let expected: Vec<(String, String)> = SECURITY_HEADERS
        .iter()
        .chain([&HSTS])
        .map(|(name, value)| (name.to_string(), format!("'{value}'")))
        .chain([("x-request-id".to_owned(), "context.requestId".to_owned())])
        .collect();
    for response in &responses {
        for (name, value) in &expected {
            match response.headers.get(name) {
                None => differences.push(format!("{}: header {name} is missing", response.label)),
                Some(declared) if declared != value => differences.push(format!(
                    "{}: header {name} is {declared}, the functions send {value}",
                    response.label
                )),
                Some(_) => {}
            }
        }
    }
    differences
}

// ------------------------------------------------------------------------------------------------
// Binaries
// ------------------------------------------------------------------------------------------------

/// The binary targets of the crates under `functions/`, by package, from `cargo metadata`.
fn function_crates(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(root)
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let functions = root.join("functions");
    array(&metadata["packages"])
        .filter(|package| {
            package["manifest_path"]
                .as_str()
                .is_some_and(|path| Path::new(path).starts_with(&functions))
        })
        .map(|package| {
            let binaries = array(&package["targets"])
                .filter(|target| array(&target["kind"]).any(|kind| kind == "bin"))
                .filter_map(|target| target["name"].as_str().map(str::to_owned))
                .collect();
            (as_text(&package["name"]), binaries)
        })
        .collect()
}

/// Every binary of those crates (a function may be built from any of them).
fn all_binaries(crates: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    crates.values().flatten().cloned().collect()
}

/// The Lambda binary of each crate: the one named like the crate. Other binaries (tools such as
/// a migration command) are not deployed as functions.
fn lambda_binaries(crates: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    crates
        .iter()
        .filter(|(package, binaries)| binaries.contains(*package))
        .map(|(package, _)| package.clone())
        .collect()
}

/// Each function is built by cargo-lambda from a binary under `functions/`.
fn build_differences(template: &Value, binaries: &BTreeSet<String>) -> Vec<String> {
    let mut differences = Vec::new();
    for (id, function) in resources(template, "AWS::Serverless::Function") {
        let metadata = &function["Metadata"];
        if metadata["BuildMethod"] != "rust-cargolambda" {
            differences.push(format!(
                "{id}: BuildMethod is {}, not rust-cargolambda",
                metadata["BuildMethod"]
            ));
        }
        match metadata["BuildProperties"]["Binary"].as_str() {
            None => differences.push(format!("{id}: no BuildProperties.Binary")),
            Some(binary) if !binaries.contains(binary) => differences.push(format!(
                "{id}: binary {binary} is not built by any crate under functions/"
            )),
            Some(_) => {}
        }
    }
    differences
}

/// Each Lambda binary under `functions/` is deployed by some function.
fn undeployed_differences(template: &Value, binaries: &BTreeSet<String>) -> Vec<String> {
    let deployed: BTreeSet<&str> = resources(template, "AWS::Serverless::Function")
        .into_iter()
        .filter_map(|(_, function)| function["Metadata"]["BuildProperties"]["Binary"].as_str())
        .collect();
    binaries
        .iter()
        .filter(|binary| !deployed.contains(binary.as_str()))
        .map(|binary| format!("binary {binary} (functions/) is deployed by no function"))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Routes
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: String,
    path: String,
}

impl Route {
    fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// A route of the template and the binary of the function it invokes.
#[derive(Debug, Clone)]
struct DeployedRoute {
    binary: String,
    route: Route,
}

/// A sample event from `events/` and the function the manifest sends it to.
struct SampleEvent {
    file: String,
    function: String,
    route: Route,
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Whether a template path (`/api/v1/instructors/{id}`) matches a request path.
fn path_matches(template_path: &str, path: &str) -> bool {
    let pattern: Vec<&str> = template_path.trim_end_matches('/').split('/').collect();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let segment_matches = |(p, s): (&&str, &&str)| p == s || (is_parameter(p) && !s.is_empty());
    match pattern.split_last() {
        Some((last, head)) if last.ends_with("+}") => {
            segments.len() > head.len() && head.iter().zip(&segments).all(segment_matches)
        }
        _ => pattern.len() == segments.len() && pattern.iter().zip(&segments).all(segment_matches),
    }
}

/// The REST API routes of every function, and the events that are not on one of the template's
/// APIs (SAM would put those on an implicit API without the WAF, throttling and responses).
fn template_routes(template: &Value) -> (Vec<DeployedRoute>, Vec<String>) {
    let apis: BTreeSet<&str> = resources(template, "AWS::Serverless::Api")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut routes = Vec::new();
    let mut differences = Vec::new();
    for (id, function) in resources(template, "AWS::Serverless::Function") {
        let binary = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or(id);
        for (name, event) in function["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if event["Type"] != "Api" {
                continue;
            }
            let properties = &event["Properties"];
            let api = properties["RestApiId"]["Ref"].as_str();
            if !api.is_some_and(|api| apis.contains(api)) {
                differences.push(format!(
                    "{id}.Events.{name}: RestApiId {} is not the template's API",
                    properties["RestApiId"]
                ));
            }
            routes.push(DeployedRoute {
                binary: binary.to_owned(),
                route: Route::new(
                    properties["Method"].as_str().unwrap_or("?"),
                    properties["Path"].as_str().unwrap_or("?"),
                ),
            });
        }
    }
    (routes, differences)
}

/// Method and path of an API Gateway event, REST (v1) or HTTP API (v2) format.
fn event_route(event: &Value) -> Option<Route> {
    if let Some(method) = event["httpMethod"].as_str() {
        return Some(Route::new(method, event["path"].as_str()?));
    }
    let method = event["requestContext"]["http"]["method"].as_str()?;
    Some(Route::new(method, event["rawPath"].as_str()?))
}

/// Each sample event reaches the function the manifest names, and each template route has a
/// sample event.
fn event_route_differences(template: &Value, samples: &[SampleEvent]) -> Vec<String> {
    let (routes, mut differences) = template_routes(template);
    let serves = |deployed: &DeployedRoute, route: &Route| {
        deployed.route.method == route.method && path_matches(&deployed.route.path, &route.path)
    };
    // API Gateway routes to the most specific match: a literal segment beats a `{parameter}`
    // (`/instructors/nearby` over `/instructors/{id}`).
    let literal_segments = |path: &str| path.split('/').filter(|s| !is_parameter(s)).count();
    for sample in samples {
        let matching: Vec<&DeployedRoute> = routes
            .iter()
            .filter(|deployed| serves(deployed, &sample.route))
            .collect();
        let most_specific = matching
            .iter()
            .map(|deployed| literal_segments(&deployed.route.path))
            .max()
            .unwrap_or(0);
        let targets: Vec<&str> = matching
            .iter()
            .filter(|deployed| literal_segments(&deployed.route.path) == most_specific)
            .map(|deployed| deployed.binary.as_str())
            .collect();
        if targets.is_empty() {
            differences.push(format!(
                "{}: {} is not routed by the template",
                sample.file, sample.route
            ));
        } else if targets != [sample.function.as_str()] {
            differences.push(format!(
                "{}: {} goes to {targets:?}, the manifest says {}",
                sample.file, sample.route, sample.function
            ));
        }
    }
    for deployed in &routes {
        // The CORS layer answers a function's preflights before routing, all alike: one
        // preflight sample per function stands for all its OPTIONS routes.
        let covered = if deployed.route.method == "OPTIONS" {
            samples.iter().any(|sample| {
                sample.route.method == "OPTIONS" && sample.function == deployed.binary
            })
        } else {
            samples.iter().any(|sample| serves(deployed, &sample.route))
        };
        if !covered {
            differences.push(format!(
                "{} ({}) has no sample event in events/",
                deployed.route, deployed.binary
            ));
        }
    }
    differences
}

/// Per-method settings (throttling) name routes the template has: API Gateway refuses to deploy a
/// stage whose method settings point at a missing method.
fn method_setting_differences(template: &Value) -> Vec<String> {
    let (routes, _) = template_routes(template);
    let mut differences = Vec::new();
    for (api, resource) in resources(template, "AWS::Serverless::Api") {
        for setting in array(&resource["Properties"]["MethodSettings"]) {
            let encoded = as_text(&setting["ResourcePath"]);
            let method = as_text(&setting["HttpMethod"]).to_ascii_uppercase();
            if encoded == "/*" {
                continue;
            }
            let path = encoded
                .strip_prefix('/')
                .unwrap_or(&encoded)
                .replace("~1", "/");
            let known = routes.iter().any(|deployed| {
                deployed.route.path == path && (method == "*" || deployed.route.method == method)
            });
            if !known {
                differences.push(format!(
                    "{api}.MethodSettings: {method} {encoded} ({path}) is no route of the template"
                ));
            }
        }
    }
    differences
}

/// Browsers send a CORS preflight (`OPTIONS`) before a credentialed or JSON request, and API
/// Gateway answers a method the resource lacks with 403. So every path a function serves has
/// an `OPTIONS` route to that same function, and no `OPTIONS` route is left without one.
fn preflight_differences(template: &Value) -> Vec<String> {
    let (routes, _) = template_routes(template);
    let has = |binary: &str, path: &str, preflight: bool| {
        routes.iter().any(|deployed| {
            deployed.binary == binary
                && deployed.route.path == path
                && (deployed.route.method == "OPTIONS") == preflight
        })
    };
    let mut differences = Vec::new();
    for deployed in &routes {
        let (binary, path) = (&deployed.binary, &deployed.route.path);
        let preflight = deployed.route.method == "OPTIONS";
        if preflight && !has(binary, path, false) {
            differences.push(format!(
                "{} ({binary}) preflights no route of its function",
                deployed.route
            ));
        }
        if !preflight && !has(binary, path, true) {
            differences.push(format!(
                "{} ({binary}) has no OPTIONS preflight route to its function",
                deployed.route
            ));
        }
    }
    differences
}

fn sample_events() -> Vec<SampleEvent> {
    events::manifest()
        .into_iter()
        .map(|case| {
            let event: Value = serde_json::from_str(&events::read_event(&case.file))
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", case.file));
            let route = event_route(&event)
                .unwrap_or_else(|| panic!("{}: no method and path in the event", case.file));
            SampleEvent {
                file: case.file,
                function: case.function,
                route,
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Routes against the functions' routers
// ------------------------------------------------------------------------------------------------

const MATCHED_ROUTE: &str = "x-parity-matched-route";

pub(crate) fn router_of(binary: &str) -> Option<Router<AppState>> {
    match binary {
        "health" => Some(health::routes()),
        "auth" => Some(auth::routes()),
        "users" => Some(users::routes()),
        "instructors" => Some(instructors::routes()),
        "bookings" => Some(bookings::routes()),
        "admin" => Some(admin::routes()),
        _ => None,
    }
}

/// Answers with the route pattern the router matched instead of running the handler.
async fn report_matched_route(request: Request, _next: Next) -> Response {
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    [(MATCHED_ROUTE, matched)].into_response()
}

/// `{id}` and `{proxy+}` segments replaced by sample values.
fn concrete_path(template_path: &str) -> String {
    template_path
        .split('/')
        .map(|segment| match segment {
            s if is_parameter(s) && s.ends_with("+}") => "parity/rest",
            s if is_parameter(s) => "parity-id",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn parameters_erased(path: &str) -> String {
    path.split('/')
        .map(|segment| if is_parameter(segment) { "{}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// The route pattern `router` matches for `method` on `path` (a pattern such as
/// `/api/v1/instructors/{id}`, requested with a sample id), without running the handler; `Err`
/// with the status when no route matches.
pub(crate) async fn matched_route(
    router: Router<AppState>,
    state: &AppState,
    method: &str,
    path: &str,
) -> Result<String, axum::http::StatusCode> {
    let app = router
        .route_layer(axum::middleware::from_fn(report_matched_route))
        // After the layer, so a method the route lacks gets this plain 405, not the report.
        .method_not_allowed_fallback(|| async { axum::http::StatusCode::METHOD_NOT_ALLOWED })
        .with_state(state.clone());
    let request = axum::http::Request::builder()
        .method(method)
        .uri(concrete_path(path))
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("infallible");
    response
        .headers()
        .get(MATCHED_ROUTE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .ok_or(response.status())
}

/// Whether the function's whole stack answers a preflight on `path` from the first allowed
/// origin, as a browser needs: 200 with that origin and credentials allowed.
async fn preflight_answered(
    router: Router<AppState>,
    state: &AppState,
    path: &str,
) -> Result<(), String> {
    let Some(origin) = state.config.allowed_origins.first() else {
        return Err("no allowed origin is configured to preflight from".into());
    };
    let request = axum::http::Request::builder()
        .method("OPTIONS")
        .uri(concrete_path(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-csrf-token",
        )
        .body(axum::body::Body::empty())
        .expect("a valid request");
    let response = shared::http::app(router, state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if response.status() != axum::http::StatusCode::OK
        || header("access-control-allow-origin").as_deref() != Some(origin.as_str())
        || header("access-control-allow-credentials").as_deref() != Some("true")
    {
        return Err(format!(
            "the preflight is not answered for {origin} (status {}, allow-origin {:?})",
            response.status(),
            header("access-control-allow-origin")
        ));
    }
    Ok(())
}

/// Each template route is one its function's router has (same method, same path pattern); an
/// `OPTIONS` route is one whose preflight the function answers.
async fn unserved_route_differences(routes: &[DeployedRoute], state: &AppState) -> Vec<String> {
    let mut differences = Vec::new();
    for deployed in routes {
        let Some(router) = router_of(&deployed.binary) else {
            differences.push(format!(
                "{}: no router known for binary {} (add it to router_of)",
                deployed.route, deployed.binary
            ));
            continue;
        };
        if deployed.route.method == "OPTIONS" {
            if let Err(why) = preflight_answered(router, state, &deployed.route.path).await {
                differences.push(format!("{} ({}): {why}", deployed.route, deployed.binary));
            }
            continue;
        }
        let matched =
            matched_route(router, state, &deployed.route.method, &deployed.route.path).await;
        match matched {
            Ok(pattern)
                if parameters_erased(&pattern) == parameters_erased(&deployed.route.path) => {}
            Ok(pattern) => differences.push(format!(
                "{} ({}): the function matches it as {pattern}",
                deployed.route, deployed.binary
            )),
            Err(status) => differences.push(format!(
                "{} ({}): the function has no such route (status {status})",
                deployed.route, deployed.binary,
            )),
        }
    }
    differences
}

/// Application state that reaches nothing: the handlers never run in these tests.
pub(crate) async fn offline_state() -> AppState {
    let vars: BTreeMap<String, String> = [
        ("APP_STAGE", "local"),
        ("AWS_REGION", "af-south-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("TABLE_NAME", "parity"),
        ("KMS_KEY_ID", "alias/parity"),
        ("JWT_SECRET_ID", "parity/jwt"),
        ("CURSOR_SECRET_ID", "parity/cursor"),
        ("PUBLIC_URL", "http://127.0.0.1:9"),
        ("ALLOWED_ORIGINS", "http://localhost:5173"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    AppState::build(Config::from_map(&vars).expect("a valid local configuration")).await
}

// ------------------------------------------------------------------------------------------------
// The template in the repository
// ------------------------------------------------------------------------------------------------

/// Every route the template deploys: (function binary, method, path).
pub(crate) fn deployed_routes() -> Vec<(String, String, String)> {
    template_routes(template())
        .0
        .into_iter()
        .map(|deployed| (deployed.binary, deployed.route.method, deployed.route.path))
        .collect()
}

#[test]
fn template_table_matches_shared_schema() {
    assert_none(table_differences(template()), "shared::schema");
}

#[test]
fn template_gateway_responses_carry_the_security_headers() {
    assert_none(
        gateway_header_differences(template()),
        "shared::http::security_headers",
    );
}

#[test]
fn template_functions_are_built_from_binaries_under_functions() {
    let binaries = all_binaries(&function_crates(&local::stack::workspace_root()));
    assert!(!binaries.is_empty(), "no binaries found under functions/");
    assert_none(build_differences(template(), &binaries), "functions/");
}

#[test]
fn template_deploys_every_binary_under_functions() {
    let binaries = lambda_binaries(&function_crates(&local::stack::workspace_root()));
    assert_none(undeployed_differences(template(), &binaries), "functions/");
}

#[test]
fn template_method_settings_name_template_routes() {
    assert_none(method_setting_differences(template()), "its own routes");
}

#[test]
fn template_routes_every_sample_event_to_its_function() {
    assert_none(
        event_route_differences(template(), &sample_events()),
        "events/manifest.json",
    );
}

#[test]
fn template_preflights_every_path_at_its_function() {
    assert_none(
        preflight_differences(template()),
        "the template's own routes",
    );
}

#[tokio::test]
async fn template_routes_are_routes_of_their_functions() {
    let (routes, _) = template_routes(template());
    assert!(!routes.is_empty(), "the template routes nothing");
    let differences = unserved_route_differences(&routes, &offline_state().await).await;
    assert_none(differences, "the functions' routes()");
}

// ------------------------------------------------------------------------------------------------
// The comparisons catch drift: a correct template built from the code, then broken on purpose
// ------------------------------------------------------------------------------------------------

fn key(name: &str, kind: &str) -> Value {
    json!({"AttributeName": name, "KeyType": kind})
}

fn expected_headers() -> Value {
    let mut headers: serde_json::Map<String, Value> = SECURITY_HEADERS
        .iter()
        .chain([&HSTS])
        .map(|(name, value)| (name.to_string(), json!(format!("'{value}'"))))
        .collect();
    headers.insert("x-request-id".into(), json!("context.requestId"));
    headers.insert("content-type".into(), json!("'application/problem+json'"));
    Value::Object(headers)
}

fn function(binary: &str, method: &str, path: &str) -> Value {
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

fn good_template() -> Value {
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

fn good_binaries() -> BTreeSet<String> {
    ["auth", "users"].into_iter().map(str::to_owned).collect()
}

fn good_samples() -> Vec<SampleEvent> {
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

fn all_differences(template: &Value) -> Vec<String> {
    let mut differences = table_differences(template);
    differences.extend(gateway_header_differences(template));
    differences.extend(build_differences(template, &good_binaries()));
    differences.extend(undeployed_differences(template, &good_binaries()));
    differences.extend(event_route_differences(template, &good_samples()));
    differences.extend(preflight_differences(template));
    differences
}

/// The good template with one change, and the differences the comparisons report for it.
fn differences_after(pointer: &str, value: Value) -> Vec<String> {
    differences_after_all(&[(pointer, value)])
}

fn differences_after_all(changes: &[(&str, Value)]) -> Vec<String> {
    let mut template = good_template();
    for (pointer, value) in changes {
        *template
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the test template")) = value.clone();
    }
    all_differences(&template)
}

fn assert_reported(differences: &[String], expected: &str) {
    assert!(
        differences.iter().any(|d| d.contains(expected)),
        "expected a difference mentioning {expected:?}, got {differences:#?}"
    );
}

#[test]
fn a_template_built_from_the_code_has_no_differences() {
    assert_eq!(all_differences(&good_template()), Vec::<String>::new());
}

#[test]
fn detects_a_renamed_or_rekeyed_index() {
    let renamed = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/1/IndexName",
        json!("GSI9"),
    );
    assert_reported(&renamed, "index GSI2 is missing");
    assert_reported(&renamed, "index GSI9 is not in shared::schema");

    let rekeyed = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/0/KeySchema/1/AttributeName",
        json!("GSI1Sort"),
    );
    assert_reported(&rekeyed, "Table.GSI1 is");
}

#[test]
fn detects_a_projection_other_than_all() {
    let differences = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/2/Projection/ProjectionType",
        json!("KEYS_ONLY"),
    );
    assert_reported(&differences, "Table.GSI3: projection is \"KEYS_ONLY\"");
}

#[test]
fn detects_changed_table_keys_attributes_and_ttl() {
    let swapped = differences_after(
        "/Resources/Table/Properties/KeySchema",
        json!([
            key(schema::SORT_KEY, "HASH"),
            key(schema::PARTITION_KEY, "RANGE")
        ]),
    );
    assert_reported(&swapped, "Table.KeySchema is");

    let numeric = differences_after(
        "/Resources/Table/Properties/AttributeDefinitions/0/AttributeType",
        json!("N"),
    );
    assert_reported(&numeric, "attribute PK is not a string");

    let ttl = differences_after(
        "/Resources/Table/Properties/TimeToLiveSpecification/AttributeName",
        json!("ttl"),
    );
    assert_reported(&ttl, "TTL must be enabled on expires_at");
}

#[test]
fn detects_a_changed_missing_or_unquoted_security_header() {
    let changed = differences_after(
        "/Resources/Api/Properties/GatewayResponses/DEFAULT_4XX/ResponseParameters/Headers/x-frame-options",
        json!("'SAMEORIGIN'"),
    );
    assert_reported(
        &changed,
        "DEFAULT_4XX: header x-frame-options is 'SAMEORIGIN'",
    );

    let unquoted = differences_after(
        "/Resources/Api/Properties/GatewayResponses/DEFAULT_5XX/ResponseParameters/Headers/cache-control",
        json!("no-store"),
    );
    assert_reported(&unquoted, "DEFAULT_5XX: header cache-control is no-store");

    let mut template = good_template();
    template["Resources"]["Api"]["Properties"]["GatewayResponses"]["THROTTLED"] =
        json!({"ResponseParameters": {"Headers": {"retry-after": "'1'"}}});
    let missing = gateway_header_differences(&template);
    assert_reported(
        &missing,
        "THROTTLED: header strict-transport-security is missing",
    );
}

#[test]
fn detects_an_unknown_binary_and_an_undeployed_function() {
    let differences = differences_after(
        "/Resources/UsersFunction/Metadata/BuildProperties/Binary",
        json!("user"),
    );
    assert_reported(&differences, "binary user is not built by any crate");
    assert_reported(
        &differences,
        "binary users (functions/) is deployed by no function",
    );
}

#[test]
fn only_the_binary_named_like_its_crate_must_be_deployed() {
    let crates: BTreeMap<String, BTreeSet<String>> = [
        ("admin", vec!["admin", "migrate-smtp-passwords"]),
        ("auth", vec!["auth"]),
    ]
    .into_iter()
    .map(|(package, bins)| {
        (
            package.to_owned(),
            bins.into_iter().map(str::to_owned).collect(),
        )
    })
    .collect();

    assert!(all_binaries(&crates).contains("migrate-smtp-passwords"));
    assert_eq!(
        lambda_binaries(&crates),
        BTreeSet::from(["admin".to_owned(), "auth".to_owned()])
    );
}

#[test]
fn detects_an_event_routed_elsewhere_or_not_at_all() {
    let route = "/Resources/AuthFunction/Properties/Events/Route/Properties";
    let moved = differences_after_all(&[
        (&format!("{route}/Path"), json!("/api/v1/users/me")),
        (&format!("{route}/Method"), json!("get")),
    ]);
    assert_reported(
        &moved,
        "users/me.json: GET /api/v1/users/me goes to [\"auth\", \"users\"]",
    );
    assert_reported(
        &moved,
        "auth/login.json: POST /api/v1/auth/login is not routed",
    );

    let wrong_method = differences_after(
        "/Resources/UsersFunction/Properties/Events/Route/Properties/Method",
        json!("patch"),
    );
    assert_reported(&wrong_method, "GET /api/v1/users/me is not routed");
    assert_reported(
        &wrong_method,
        "PATCH /api/v1/users/me (users) has no sample event",
    );
}

#[test]
fn detects_a_path_without_its_preflight_and_a_preflight_of_nothing() {
    let preflight = "/Resources/UsersFunction/Properties/Events/Preflight";
    let missing = differences_after(&format!("{preflight}/Type"), json!("Schedule"));
    assert_reported(
        &missing,
        "GET /api/v1/users/me (users) has no OPTIONS preflight route",
    );

    let elsewhere = differences_after(
        &format!("{preflight}/Properties/Path"),
        json!("/api/v1/auth/login"),
    );
    assert_reported(
        &elsewhere,
        "OPTIONS /api/v1/auth/login (users) preflights no route of its function",
    );
    assert_reported(
        &elsewhere,
        "GET /api/v1/users/me (users) has no OPTIONS preflight route",
    );

    let unsampled = {
        let mut template = good_template();
        template["Resources"]["AdminFunction"] = function("admin", "get", "/api/v1/admin/stats");
        event_route_differences(&template, &good_samples())
    };
    assert_reported(
        &unsampled,
        "OPTIONS /api/v1/admin/stats (admin) has no sample event",
    );
}

#[test]
fn detects_a_route_off_the_template_api() {
    let differences = differences_after(
        "/Resources/AuthFunction/Properties/Events/Route/Properties/RestApiId",
        Value::Null,
    );
    assert_reported(&differences, "AuthFunction.Events.Route: RestApiId null");
}

#[test]
fn detects_a_method_setting_for_a_missing_route() {
    let mut template = good_template();
    template["Resources"]["Api"]["Properties"]["MethodSettings"] = json!([
        {"ResourcePath": "/*", "HttpMethod": "*"},
        {"ResourcePath": "/~1api~1v1~1auth~1login", "HttpMethod": "POST"},
        {"ResourcePath": "/~1api~1v1~1auth~1signin", "HttpMethod": "POST"},
        {"ResourcePath": "/~1api~1v1~1users~1me", "HttpMethod": "DELETE"}
    ]);

    let differences = method_setting_differences(&template);

    assert_eq!(differences.len(), 2, "{differences:#?}");
    assert_reported(&differences, "POST /~1api~1v1~1auth~1signin");
    assert_reported(&differences, "DELETE /~1api~1v1~1users~1me");
}

#[test]
fn paths_match_with_parameters_but_not_across_segments() {
    assert!(path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/42"
    ));
    assert!(path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/{instructor_id}"
    ));
    assert!(!path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/42/reviews"
    ));
    assert!(!path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/"
    ));
    assert!(path_matches("/{proxy+}", "/api/v1/anything"));
    assert!(!path_matches(
        "/api/v1/users/me",
        "/api/v1/users/me/password"
    ));
}

#[tokio::test]
async fn detects_a_template_route_its_function_does_not_have() {
    let deployed = |binary: &str, method: &str, path: &str| DeployedRoute {
        binary: binary.to_owned(),
        route: Route::new(method, path),
    };
    let routes = [
        deployed("users", "GET", "/api/v1/users/me"),
        deployed("auth", "POST", "/api/v1/auth/signin"),
        deployed("auth", "PATCH", "/api/v1/auth/login"),
        deployed("users", "POST", "/api/v1/auth/login"),
        deployed("payments", "GET", "/api/v1/payments"),
        deployed("users", "OPTIONS", "/api/v1/users/me"),
        deployed("bookings", "OPTIONS", "/api/v1/bookings/{id}/cancel"),
    ];

    let differences = unserved_route_differences(&routes, &offline_state().await).await;

    assert_eq!(differences.len(), 4, "{differences:#?}");
    assert_reported(
        &differences,
        "POST /api/v1/auth/signin (auth): the function has no such route",
    );
    assert_reported(
        &differences,
        "PATCH /api/v1/auth/login (auth): the function has no such route",
    );
    assert_reported(
        &differences,
        "POST /api/v1/auth/login (users): the function has no such route",
    );
    assert_reported(&differences, "no router known for binary payments");
}
