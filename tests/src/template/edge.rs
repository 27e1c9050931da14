//! What a browser meets before any function runs: the custom domain (TLS 1.2, the execute-api
//! endpoint off), API Gateway's own answers (CORS for the web app, `Retry-After` on 429) and the
//! WAF's rate rules (429 with the same headers). Read from the SAM-transformed template.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use shared::http::security_headers::{HSTS, SECURITY_HEADERS};

use super::decode::{array, as_text, resources};
use super::resolve::Deployment;

/// The gateway response types API Gateway answers with 429.
pub const GATEWAY_429S: [&str; 2] = ["THROTTLED", "QUOTA_EXCEEDED"];

/// Whether a `Retry-After` value is a positive number of seconds.
fn positive_seconds(value: &str) -> bool {
    value.parse::<u32>().is_ok_and(|seconds| seconds > 0)
}

/// With a domain: each custom domain is regional with `SecurityPolicy: TLS_1_2` and mapped to
/// the REST API, the execute-api endpoint is off, and `ApiUrl` names the domain.
pub fn domain_differences(template: &Value, with_domain: &Deployment) -> Vec<String> {
    let mut differences = Vec::new();
    let included = |kind: &str| -> Vec<(String, Value)> {
        resources(template, kind)
            .into_iter()
            .filter(|(_, r)| with_domain.includes(r).unwrap_or(false))
            .filter_map(|(id, r)| Some((id.to_owned(), with_domain.resolve(r).ok()??)))
            .collect()
    };
    let domains = included("AWS::ApiGateway::DomainName");
    let mappings = included("AWS::ApiGateway::BasePathMapping");
    let apis = included("AWS::ApiGateway::RestApi");
    if domains.is_empty() {
        differences.push("no AWS::ApiGateway::DomainName when DomainName is set".into());
    }
    for (id, domain) in &domains {
        let properties = &domain["Properties"];
        if properties["SecurityPolicy"] != "TLS_1_2" {
            differences.push(format!(
                "{id}: SecurityPolicy is {}, not TLS_1_2",
                properties["SecurityPolicy"]
            ));
        }
        if properties["EndpointConfiguration"]["Types"] != json!(["REGIONAL"]) {
            differences.push(format!("{id}: the endpoint is not REGIONAL"));
        }
        let mapped = mappings.iter().any(|(_, mapping)| {
            let properties = &mapping["Properties"];
            properties["DomainName"] == json!({"Ref": id})
                && apis
                    .iter()
                    .any(|(api, _)| properties["RestApiId"] == json!({"Ref": api}))
        });
        if !mapped {
            differences.push(format!("{id}: no base-path mapping to the REST API"));
        }
    }
    for (id, api) in &apis {
        let in_body = array(&api["Properties"]["Body"]["servers"]).any(|server| {
            server["x-amazon-apigateway-endpoint-configuration"]["disableExecuteApiEndpoint"]
                == true
        });
        if !in_body && api["Properties"]["DisableExecuteApiEndpoint"] != true {
            differences.push(format!("{id}: the execute-api endpoint stays enabled"));
        }
    }
    let url = with_domain
        .resolve(&template["Outputs"]["ApiUrl"]["Value"])
        .ok()
        .flatten()
        .unwrap_or(Value::Null);
    if !as_text(&url).contains("${DomainName}") {
        differences.push(format!("ApiUrl is {url}, not on DomainName"));
    }
    differences
}

/// Lowercase header name to value, of one gateway response in the REST API's OpenAPI body.
fn gateway_headers(response: &Value) -> BTreeMap<String, Value> {
    response["responseParameters"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("gatewayresponse.header.")?;
            Some((name.to_ascii_lowercase(), value.clone()))
        })
        .collect()
}

/// Every gateway response allows the web app's one origin (the `WebAppOrigin` parameter, never
/// the request's `Origin`) with credentials and `Vary: Origin`; every 429 has `Retry-After`.
pub fn gateway_cors_differences(template: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    let web_app = json!({"Fn::Sub": "'${WebAppOrigin}'"});
    for (api, resource) in resources(template, "AWS::ApiGateway::RestApi") {
        let responses = &resource["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"];
        for kind in GATEWAY_429S {
            if responses[kind]["statusCode"] != "429" {
                differences.push(format!("{api}: no {kind} gateway response with status 429"));
            }
        }
        for (kind, response) in responses.as_object().into_iter().flatten() {
            let headers = gateway_headers(response);
            let label = format!("{api}.{kind}");
            let header = |name: &str| headers.get(name).cloned().unwrap_or(Value::Null);
            if header("access-control-allow-origin") != web_app {
                differences.push(format!(
                    "{label}: access-control-allow-origin is {}, not the WebAppOrigin parameter",
                    header("access-control-allow-origin")
                ));
            }
            if header("access-control-allow-credentials") != "'true'" {
                differences.push(format!("{label}: credentials are not allowed"));
            }
            if header("vary") != "'Origin'" {
                differences.push(format!("{label}: no Vary: Origin"));
            }
            if response["statusCode"] == "429" {
                let retry = as_text(&header("retry-after"));
                let seconds = retry.trim_matches('\'');
                if !(retry.starts_with('\'') && positive_seconds(seconds)) {
                    differences.push(format!("{label}: 429 without a Retry-After in seconds"));
                }
            }
        }
    }
    differences
}

/// Each WAF rate rule blocks with a 429 custom response that has a body, `Retry-After`, the
/// functions' security headers and the web app's CORS headers.
pub fn waf_differences(template: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    let mut expected: Vec<(String, Value)> = SECURITY_HEADERS
        .iter()
        .chain([&HSTS])
        .map(|(name, value)| (name.to_string(), json!(value)))
        .collect();
    expected.push((
        "access-control-allow-origin".into(),
        json!({"Ref": "WebAppOrigin"}),
    ));
    expected.push(("access-control-allow-credentials".into(), json!("true")));
    expected.push(("vary".into(), json!("Origin")));
    let mut rate_rules = 0;
    for (acl, resource) in resources(template, "AWS::WAFv2::WebACL") {
        let bodies = &resource["Properties"]["CustomResponseBodies"];
        for rule in array(&resource["Properties"]["Rules"]) {
            if rule["Statement"]["RateBasedStatement"].is_null() {
                continue;
            }
            rate_rules += 1;
            let label = format!("{acl}.{}", as_text(&rule["Name"]));
            let custom = &rule["Action"]["Block"]["CustomResponse"];
            if custom["ResponseCode"] != 429 {
                differences.push(format!(
                    "{label}: blocks with {}, not 429",
                    custom["ResponseCode"]
                ));
            }
            let body = custom["CustomResponseBodyKey"].as_str().unwrap_or_default();
            if bodies[body].is_null() {
                differences.push(format!("{label}: no custom response body {body:?}"));
            }
            let headers: BTreeMap<String, Value> = array(&custom["ResponseHeaders"])
                .map(|h| (as_text(&h["Name"]).to_ascii_lowercase(), h["Value"].clone()))
                .collect();
            for (name, value) in &expected {
                if headers.get(name) != Some(value) {
                    differences.push(format!(
                        "{label}: header {name} is {:?}, expected {value}",
                        headers.get(name)
                    ));
                }
            }
            let retry = headers.get("retry-after").map(as_text).unwrap_or_default();
            if !positive_seconds(&retry) {
                differences.push(format!("{label}: no Retry-After in seconds"));
            }
        }
    }
    if rate_rules == 0 {
        differences.push("no WAF rate-based rule".into());
    }
    differences
}
