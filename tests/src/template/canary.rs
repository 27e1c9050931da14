//! Canary deploys: every function publishes an alias that CodeDeploy shifts gradually (canary
//! or linear), rolled back by the function's own alarms, and API Gateway invokes the alias.

use serde_json::{json, Value};

use super::decode::{array, as_text, resources};

/// The `${Name}` references in an `Fn::Sub` string.
fn sub_references(text: &str) -> Vec<&str> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .map(|name| name.split('.').next().unwrap_or(name))
        .collect()
}

pub fn canary_differences(template: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    let resource = |id: &str| &template["Resources"][id];
    let aliases = resources(template, "AWS::Lambda::Alias");
    let functions = resources(template, "AWS::Lambda::Function");
    if functions.is_empty() {
        differences.push("the template has no function".into());
    }
    for (function, _) in &functions {
        let Some((alias, properties)) = aliases
            .iter()
            .find(|(_, a)| a["Properties"]["FunctionName"] == json!({"Ref": function}))
        else {
            differences.push(format!("{function}: no alias (AutoPublishAlias)"));
            continue;
        };
        let update = &properties["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"];
        let group_id = update["DeploymentGroupName"]["Ref"]
            .as_str()
            .unwrap_or_default();
        let group = resource(group_id);
        if group["Type"] != "AWS::CodeDeploy::DeploymentGroup" {
            differences.push(format!("{alias}: no CodeDeploy deployment group shifts it"));
            continue;
        }
        let config = as_text(&group["Properties"]["DeploymentConfigName"]);
        if !(config.contains("Canary") || config.contains("Linear")) {
            differences.push(format!("{group_id}: {config} is neither canary nor linear"));
        }
        let alarms = &group["Properties"]["AlarmConfiguration"];
        let own: Vec<&Value> = array(&alarms["Alarms"])
            .filter(|alarm| {
                let id = alarm["Name"]["Ref"].as_str().unwrap_or_default();
                let watched = resource(id);
                watched["Type"] == "AWS::CloudWatch::Alarm"
                    && array(&watched["Properties"]["Dimensions"]).any(|d| {
                        d["Name"] == "FunctionName" && d["Value"] == json!({"Ref": function})
                    })
            })
            .collect();
        if alarms["Enabled"] != true || own.is_empty() {
            differences.push(format!("{group_id}: no alarm of {function} rolls it back"));
        }
        let rollback = &group["Properties"]["AutoRollbackConfiguration"];
        if rollback["Enabled"] != true
            || !array(&rollback["Events"]).any(|e| e == "DEPLOYMENT_STOP_ON_ALARM")
        {
            differences.push(format!(
                "{group_id}: an alarm does not roll the deploy back"
            ));
        }
    }
    for (id, permission) in resources(template, "AWS::Lambda::Permission") {
        let target = permission["Properties"]["FunctionName"]["Ref"]
            .as_str()
            .unwrap_or_default();
        if permission["Properties"]["Principal"] == "apigateway.amazonaws.com"
            && resource(target)["Type"] != "AWS::Lambda::Alias"
        {
            differences.push(format!(
                "{id}: lets API Gateway invoke {target}, not an alias"
            ));
        }
    }
    for (api, rest) in resources(template, "AWS::ApiGateway::RestApi") {
        for (path, methods) in rest["Properties"]["Body"]["paths"]
            .as_object()
            .into_iter()
            .flatten()
        {
            for (method, operation) in methods.as_object().into_iter().flatten() {
                let uri = &operation["x-amazon-apigateway-integration"]["uri"];
                let text = as_text(&uri["Fn::Sub"]);
                let invokes_alias = sub_references(&text)
                    .into_iter()
                    .any(|name| resource(name)["Type"] == "AWS::Lambda::Alias");
                if !invokes_alias {
                    differences.push(format!(
                        "{api}: {method} {path} does not invoke an alias ({uri})"
                    ));
                }
            }
        }
    }
    differences
}
