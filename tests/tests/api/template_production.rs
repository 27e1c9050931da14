//! The production guarantees of `infra/template.yaml`, read from the template as SAM transforms
//! it (what CloudFormation deploys): a TLS 1.2 custom domain, CORS and `Retry-After` on API
//! Gateway's and the WAF's own answers, an action on every alarm in prod, a canary alias and
//! deployment per function, and only real IAM actions. Each check also runs on a copy broken
//! on purpose, to prove it can fail.

use integration_tests::template::alarms::alarm_action_differences;
use integration_tests::template::canary::canary_differences;
use integration_tests::template::decode::{assert_none, transformed};
use integration_tests::template::edge::{
    domain_differences, gateway_cors_differences, waf_differences,
};
use integration_tests::template::iam::{iam_action_differences, is_known_action};
use integration_tests::template::resolve::Deployment;
use integration_tests::template::sample::assert_reported;
use serde_json::{json, Value};

const PROD: [(&str, &str); 5] = [
    ("Stage", "prod"),
    ("PublicUrl", "https://app.drivealive.co.za"),
    ("AllowedOrigins", "https://app.drivealive.co.za"),
    ("WebAppOrigin", "https://app.drivealive.co.za"),
    ("DomainName", "api.drivealive.co.za"),
];
const CERTIFICATE: (&str, &str) = (
    "CertificateArn",
    "arn:aws:acm:af-south-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000",
);
const EMAIL: (&str, &str) = ("AlarmEmail", "ops@drivealive.co.za");
const TOPIC: (&str, &str) = (
    "AlarmTopicArn",
    "arn:aws:sns:af-south-1:123456789012:on-call",
);

fn deployment(template: &Value, parameters: &[(&str, &str)]) -> Deployment {
    Deployment::new(template, parameters).expect("the conditions can be decided")
}

fn prod_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut parameters = PROD.to_vec();
    parameters.push(CERTIFICATE);
    parameters.extend_from_slice(extra);
    parameters
}

/// A copy of the transformed template with `change` applied to every resource of `kind`.
fn broken(kind: &str, change: impl Fn(&str, &mut Value)) -> Value {
    let mut template = transformed().clone();
    for (id, resource) in template["Resources"]
        .as_object_mut()
        .expect("resources")
        .iter_mut()
    {
        if resource["Type"] == kind {
            change(id, resource);
        }
    }
    template
}

#[test]
fn prod_serves_the_api_only_on_a_tls_1_2_custom_domain() {
    let template = transformed();
    let prod = deployment(template, &prod_with(&[EMAIL]));
    assert_none(
        domain_differences(template, &prod),
        "the custom domain rules",
    );

    // Without a domain (dev), there is none and the execute-api endpoint stays on.
    let dev = deployment(template, &[("Stage", "dev")]);
    let differences = domain_differences(template, &dev);
    assert_reported(&differences, "no AWS::ApiGateway::DomainName");
    assert_reported(&differences, "the execute-api endpoint stays enabled");

    let tls_1_0 = broken("AWS::ApiGateway::DomainName", |_, domain| {
        domain["Properties"]["SecurityPolicy"] = json!("TLS_1_0");
    });
    assert_reported(
        &domain_differences(&tls_1_0, &prod),
        "SecurityPolicy is \"TLS_1_0\"",
    );
    let unmapped = broken("AWS::ApiGateway::BasePathMapping", |_, mapping| {
        mapping["Properties"]["RestApiId"] = json!({"Ref": "OtherApi"});
    });
    assert_reported(
        &domain_differences(&unmapped, &prod),
        "no base-path mapping",
    );
}

#[test]
fn prod_refuses_to_deploy_without_a_domain_or_someone_to_alarm() {
    let template = transformed();
    let refused = |parameters: &[(&str, &str)]| {
        deployment(template, parameters)
            .refused_by(template)
            .expect("the rules can be evaluated")
    };
    assert_eq!(refused(&prod_with(&[EMAIL])), Vec::<String>::new());
    assert_eq!(refused(&prod_with(&[TOPIC])), Vec::<String>::new());
    assert_eq!(refused(&[("Stage", "dev")]), Vec::<String>::new());

    assert_reported(&refused(&prod_with(&[])), "ProdAlarmsReachSomeone");
    let without_domain: Vec<(&str, &str)> = prod_with(&[EMAIL])
        .into_iter()
        .filter(|(name, _)| *name != "DomainName" && *name != "CertificateArn")
        .collect();
    assert_reported(&refused(&without_domain), "ProdNeedsCustomDomain");
    let without_certificate: Vec<(&str, &str)> = prod_with(&[EMAIL])
        .into_iter()
        .filter(|(name, _)| *name != "CertificateArn")
        .collect();
    assert_reported(&refused(&without_certificate), "DomainNeedsCertificate");
}

#[test]
fn gateway_answers_allow_the_web_app_and_every_429_says_when_to_retry() {
    assert_none(
        gateway_cors_differences(transformed()),
        "CORS and Retry-After",
    );

    let responses = "/x-amazon-apigateway-gateway-responses";
    let edit = |pointer: &'static str, value: Value| {
        broken("AWS::ApiGateway::RestApi", move |_, api| {
            let body = &mut api["Properties"]["Body"];
            *body
                .pointer_mut(&format!("{responses}{pointer}"))
                .expect("the pointer is in the body") = value.clone();
        })
    };
    let no_retry = edit(
        "/QUOTA_EXCEEDED/responseParameters/gatewayresponse.header.retry-after",
        Value::Null,
    );
    assert_reported(
        &gateway_cors_differences(&no_retry),
        "QUOTA_EXCEEDED: 429 without a Retry-After",
    );
    let echoed = edit(
        "/DEFAULT_4XX/responseParameters/gatewayresponse.header.access-control-allow-origin",
        json!("method.request.header.origin"),
    );
    assert_reported(
        &gateway_cors_differences(&echoed),
        "DEFAULT_4XX: access-control-allow-origin is \"method.request.header.origin\"",
    );
    let no_vary = edit(
        "/THROTTLED/responseParameters/gatewayresponse.header.vary",
        Value::Null,
    );
    assert_reported(
        &gateway_cors_differences(&no_vary),
        "THROTTLED: no Vary: Origin",
    );
}

#[test]
fn waf_rate_rules_answer_429_with_retry_after_security_and_cors_headers() {
    assert_none(
        waf_differences(transformed()),
        "the WAF rate rules' response",
    );

    let forbidden = broken("AWS::WAFv2::WebACL", |_, acl| {
        acl["Properties"]["Rules"][0]["Action"] = json!({"Block": {}});
    });
    let differences = waf_differences(&forbidden);
    assert_reported(&differences, "RatePerIp: blocks with null, not 429");
    assert_reported(&differences, "RatePerIp: no Retry-After in seconds");
    assert_reported(&differences, "RatePerIp: header x-frame-options is None");
}

#[test]
fn every_alarm_reaches_a_topic_in_prod() {
    let template = transformed();
    for extra in [EMAIL, TOPIC] {
        let prod = deployment(template, &prod_with(&[extra]));
        assert_none(alarm_action_differences(template, &prod), "alarm actions");
    }

    // An alarm added later without an action, or with one only when AlarmEmail is set.
    let mut template = template.clone();
    template["Resources"]["NewAlarm"] = json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"MetricName": "Errors", "Namespace": "AWS/Lambda"}
    });
    template["Resources"]["EmailOnlyAlarm"] = json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"AlarmActions": {"Fn::If": [
            "HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}
        ]}}
    });
    let with_topic = deployment(&template, &prod_with(&[TOPIC]));
    let differences = alarm_action_differences(&template, &with_topic);
    assert_reported(&differences, "NewAlarm: no alarm action");
    assert_reported(&differences, "EmailOnlyAlarm: no alarm action");
    // With an existing topic the stack creates none, so a reference to its own is no action.
    template["Resources"]["OwnTopicAlarm"] = json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"AlarmActions": [{"Ref": "AlarmTopic"}]}
    });
    let differences = alarm_action_differences(&template, &with_topic);
    assert_reported(
        &differences,
        "OwnTopicAlarm: action {\"Ref\":\"AlarmTopic\"} is no SNS topic",
    );
}

#[test]
fn every_function_deploys_as_a_canary_behind_an_alias() {
    assert_none(canary_differences(transformed()), "canary deploys");

    let no_alias = broken("AWS::Lambda::Alias", |_, alias| {
        if alias["Properties"]["FunctionName"] == json!({"Ref": "HealthFunction"}) {
            alias["Properties"]["FunctionName"] = json!({"Ref": "Elsewhere"});
        }
    });
    assert_reported(&canary_differences(&no_alias), "HealthFunction: no alias");

    let all_at_once = broken("AWS::CodeDeploy::DeploymentGroup", |_, group| {
        group["Properties"]["DeploymentConfigName"] = json!("CodeDeployDefault.LambdaAllAtOnce");
        group["Properties"]["AlarmConfiguration"] = json!({"Enabled": false});
    });
    let differences = canary_differences(&all_at_once);
    assert_reported(&differences, "is neither canary nor linear");
    assert_reported(&differences, "no alarm of AuthFunction rolls it back");

    let to_function = broken("AWS::Lambda::Permission", |_, permission| {
        permission["Properties"]["FunctionName"] = json!({"Ref": "AuthFunction"});
    });
    assert_reported(
        &canary_differences(&to_function),
        "lets API Gateway invoke AuthFunction, not an alias",
    );

    let uri = broken("AWS::ApiGateway::RestApi", |_, api| {
        api["Properties"]["Body"]["paths"]["/api/v1/health"]["get"]
            ["x-amazon-apigateway-integration"]["uri"] = json!({
            "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HealthFunction.Arn}/invocations"
        });
    });
    assert_reported(
        &canary_differences(&uri),
        "get /api/v1/health does not invoke an alias",
    );
}

#[test]
fn policies_name_only_real_iam_actions() {
    assert_none(
        iam_action_differences(transformed()),
        "the IAM actions IAM knows",
    );

    assert!(is_known_action("kms:ReEncrypt*"));
    assert!(is_known_action("kms:*"));
    assert!(!is_known_action("dynamodb:TransactWriteItems"));
    assert!(!is_known_action("kms:Rotate*"));

    let transact = broken("AWS::IAM::Role", |id, role| {
        if id == "BookingsFunctionRole" {
            let statement =
                &mut role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
            statement["Action"] = json!(["logs:PutLogEvents", "dynamodb:TransactWriteItems"]);
        }
    });
    assert_reported(
        &iam_action_differences(&transact),
        "BookingsFunctionRole.Policies.bookings: dynamodb:TransactWriteItems is not a known IAM action",
    );
}

/// The runbook entry of an alarm: its own heading, or the one of its kind (`<Group>ErrorsAlarm`
/// for `AuthErrorsAlarm`).
fn runbook_misses(runbook: &str, alarms: &[&str]) -> Vec<String> {
    const GROUPS: [&str; 8] = [
        "Health",
        "Auth",
        "Users",
        "Instructors",
        "Bookings",
        "Admin",
        "Notifications",
        "Jobs",
    ];
    alarms
        .iter()
        .filter(|alarm| {
            let generic = GROUPS
                .iter()
                .find_map(|group| alarm.strip_prefix(group))
                .map(|kind| format!("### `<Group>{kind}`"));
            !runbook.contains(&format!("### `{alarm}`"))
                && !generic.is_some_and(|heading| runbook.contains(&heading))
        })
        .map(|alarm| format!("{alarm} has no entry in docs/runbook.md"))
        .collect()
}

#[test]
fn the_runbook_has_an_entry_for_every_alarm() {
    let root = local::stack::workspace_root();
    let runbook = std::fs::read_to_string(root.join("docs/runbook.md")).expect("docs/runbook.md");
    let alarms: Vec<&str> = transformed()["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(alarms.len() > 20, "{alarms:?}");
    assert_none(runbook_misses(&runbook, &alarms), "docs/runbook.md");

    assert_eq!(
        runbook_misses(&runbook, &["AuthColdStartsAlarm", "QueueDepthAlarm"]),
        vec![
            "AuthColdStartsAlarm has no entry in docs/runbook.md",
            "QueueDepthAlarm has no entry in docs/runbook.md"
        ]
    );
}
