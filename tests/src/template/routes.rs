//! The template's routes against `events/` and against each other (preflights, method settings).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::events;

use super::decode::{array, as_text, resources, template};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    pub fn new(method: &str, path: &str) -> Self {
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
pub struct DeployedRoute {
    pub binary: String,
    pub route: Route,
}

/// A sample event from `events/` and the function the manifest sends it to.
pub struct SampleEvent {
    pub file: String,
    pub function: String,
    pub route: Route,
}

pub fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Whether a template path (`/api/v1/instructors/{id}`) matches a request path.
pub fn path_matches(template_path: &str, path: &str) -> bool {
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
pub fn template_routes(template: &Value) -> (Vec<DeployedRoute>, Vec<String>) {
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
pub fn event_route(event: &Value) -> Option<Route> {
    if let Some(method) = event["httpMethod"].as_str() {
        return Some(Route::new(method, event["path"].as_str()?));
    }
    let method = event["requestContext"]["http"]["method"].as_str()?;
    Some(Route::new(method, event["rawPath"].as_str()?))
}

/// Each sample event reaches the function the manifest names, and each template route has a
/// sample event.
pub fn event_route_differences(template: &Value, samples: &[SampleEvent]) -> Vec<String> {
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
pub fn method_setting_differences(template: &Value) -> Vec<String> {
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
pub fn preflight_differences(template: &Value) -> Vec<String> {
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

pub fn sample_events() -> Vec<SampleEvent> {
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

/// Every route the template deploys: (function binary, method, path).
pub fn deployed_routes() -> Vec<(String, String, String)> {
    template_routes(template())
        .0
        .into_iter()
        .map(|deployed| (deployed.binary, deployed.route.method, deployed.route.path))
        .collect()
}
