//! Every alarm reaches a person: in a deployment, each `AWS::CloudWatch::Alarm` (those added
//! later too) notifies an SNS topic that exists in that deployment or is given by ARN.

use serde_json::Value;

use super::decode::{array, resources};
use super::resolve::{single_key, Deployment};

/// The alarms of `deployment` without an action that reaches a topic.
pub fn alarm_action_differences(template: &Value, deployment: &Deployment) -> Vec<String> {
    let mut differences = Vec::new();
    let topic_exists = |id: &str| {
        template["Resources"][id]["Type"] == "AWS::SNS::Topic"
            && deployment
                .includes(&template["Resources"][id])
                .unwrap_or(false)
    };
    let alarms = resources(template, "AWS::CloudWatch::Alarm");
    if alarms.is_empty() {
        differences.push("the template has no alarm".into());
    }
    for (id, alarm) in alarms {
        match deployment.includes(alarm) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(why) => {
                differences.push(format!("{id}: {why}"));
                continue;
            }
        }
        let actions = match deployment.resolve(&alarm["Properties"]["AlarmActions"]) {
            Ok(actions) => actions.unwrap_or(Value::Null),
            Err(why) => {
                differences.push(format!("{id}: {why}"));
                continue;
            }
        };
        if array(&actions).next().is_none() {
            differences.push(format!("{id}: no alarm action"));
        }
        for action in array(&actions) {
            let reaches = match single_key(action) {
                Some(("Ref", target)) => topic_exists(target.as_str().unwrap_or_default()),
                _ => action
                    .as_str()
                    .is_some_and(|arn| arn.starts_with("arn:aws") && arn.contains(":sns:")),
            };
            if !reaches {
                differences.push(format!(
                    "{id}: action {action} is no SNS topic of this stack"
                ));
            }
        }
    }
    differences
}
