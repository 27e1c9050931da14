//! Only real IAM actions: every action in the template's policies (roles, key policy, Lambda
//! permissions) is one IAM knows. An API operation is not always an action of the same name:
//! `TransactWriteItems` is authorised per item (`PutItem`, `UpdateItem`, `DeleteItem`,
//! `ConditionCheckItem`), so a policy naming it grants nothing.

use serde_json::Value;

use super::decode::{array, as_text, resources};

/// The actions this stack may use, as the Service Authorization Reference lists them ("Actions
/// defined by Amazon DynamoDB", "... by AWS Key Management Service", and so on). Add an action
/// here, checked against that reference, before a policy uses it.
pub const KNOWN_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "lambda:InvokeFunction",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "sns:Publish",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
    "sts:AssumeRole",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// Whether `action` is known, or a wildcard (`kms:*`, `kms:ReEncrypt*`) matching a known one.
pub fn is_known_action(action: &str) -> bool {
    match action.strip_suffix('*') {
        Some(prefix) => KNOWN_ACTIONS.iter().any(|known| known.starts_with(prefix)),
        None => KNOWN_ACTIONS.contains(&action),
    }
}

/// Each policy document of the template, labelled by where it is.
fn policy_documents(template: &Value) -> Vec<(String, &Value)> {
    let mut documents = Vec::new();
    for (id, role) in resources(template, "AWS::IAM::Role") {
        let properties = &role["Properties"];
        documents.push((
            format!("{id}.AssumeRolePolicyDocument"),
            &properties["AssumeRolePolicyDocument"],
        ));
        for policy in array(&properties["Policies"]) {
            let name = as_text(&policy["PolicyName"]);
            documents.push((format!("{id}.Policies.{name}"), &policy["PolicyDocument"]));
        }
    }
    for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
        for (id, policy) in resources(template, kind) {
            documents.push((id.to_owned(), &policy["Properties"]["PolicyDocument"]));
        }
    }
    for (id, key) in resources(template, "AWS::KMS::Key") {
        documents.push((format!("{id}.KeyPolicy"), &key["Properties"]["KeyPolicy"]));
    }
    documents
}

/// The actions that are not real IAM actions, by where they are.
pub fn iam_action_differences(template: &Value) -> Vec<String> {
    let mut used: Vec<(String, String)> = Vec::new();
    for (label, document) in policy_documents(template) {
        let statements = match &document["Statement"] {
            Value::Array(statements) => statements.iter().collect(),
            statement => vec![statement],
        };
        for statement in statements {
            let actions = match &statement["Action"] {
                Value::Array(actions) => actions.iter().map(as_text).collect(),
                Value::Null => Vec::new(),
                action => vec![as_text(action)],
            };
            used.extend(actions.into_iter().map(|a| (label.clone(), a)));
        }
    }
    for (id, permission) in resources(template, "AWS::Lambda::Permission") {
        used.push((id.to_owned(), as_text(&permission["Properties"]["Action"])));
    }
    let mut differences = Vec::new();
    if used.is_empty() {
        differences.push("the template grants no action".into());
    }
    for (label, action) in used {
        if !is_known_action(&action) {
            differences.push(format!("{label}: {action} is not a known IAM action"));
        }
    }
    differences
}
