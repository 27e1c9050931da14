//! API Gateway's own responses against the functions' security headers.

use std::collections::BTreeMap;

use serde_json::Value;
use shared::http::security_headers::{HSTS, SECURITY_HEADERS};

use super::decode::{as_text, resources};

pub struct GatewayResponse {
    pub label: String,
    pub response_type: String,
    /// Lowercase header name to its mapping expression as written in the template.
    pub headers: BTreeMap<String, String>,
}

/// Gateway responses declared on a SAM API and as plain `AWS::ApiGateway::GatewayResponse`s.
pub fn gateway_responses(template: &Value) -> Vec<GatewayResponse> {
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
pub fn gateway_header_differences(template: &Value) -> Vec<String> {
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
