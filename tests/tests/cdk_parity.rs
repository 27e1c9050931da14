//! The CDK app (`infra/cdk`) deploys what the SAM template deploys, stage by stage: every
//! resource and output of `cdk synth -c stage=<stage>` against `infra/template.yaml` as SAM
//! transforms it, with its conditions decided for samconfig.toml's values of that stage, after
//! `template::cdk::normalise`; and prod once more with every other branch of the conditions.
//! Run by scripts/test.sh after `make sam-build` (the synth bundles those binaries):
//! `cargo test --workspace --test cdk_parity`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use integration_tests::template::cdk::{
    normalise, samconfig_pairs, samconfig_parameters, samconfig_value,
};
use integration_tests::template::decode::transformed;
use integration_tests::template::diff::template_differences;
use integration_tests::template::resolve::Deployment;
use serde_json::Value;

const SIDES: (&str, &str) = ("SAM template", "CDK app");

/// What prod needs beyond samconfig.toml (docs/deploy.md, "First deploy"): given to both sides.
const CERTIFICATE: (&str, &str) = (
    "CertificateArn",
    "arn:aws:acm:af-south-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000",
);

/// The compared deployments: a name, its stage, and the parameters given beyond samconfig.toml
/// (as template parameters to SAM, as context in lowerCamelCase to the CDK app). The third
/// takes every other branch of the template's conditions: an existing alarm topic, a restored
/// table, the API Gateway account setting managed elsewhere, mail over TLS.
const CASES: [(&str, &str, &[(&str, &str)]); 3] = [
    ("dev", "dev", &[]),
    (
        "prod",
        "prod",
        &[CERTIFICATE, ("AlarmEmail", "ops@drivealive.co.za")],
    ),
    (
        "prod-own-topic",
        "prod",
        &[
            CERTIFICATE,
            (
                "AlarmTopicArn",
                "arn:aws:sns:af-south-1:123456789012:on-call",
            ),
            ("TableNameOverride", "drive-alive-prod-restored"),
            ("ManageApiGatewayAccount", "false"),
            ("SmtpHost", "smtp.example.org"),
            ("SmtpTlsMode", "tls"),
        ],
    ),
];

fn root() -> PathBuf {
    local::stack::workspace_root()
}

fn case(name: &str) -> (&'static str, &'static [(&'static str, &'static str)]) {
    CASES
        .iter()
        .find(|(case, _, _)| *case == name)
        .map(|(_, stage, extra)| (*stage, *extra))
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn parameters(name: &str) -> Vec<(String, String)> {
    let (stage, extra) = case(name);
    let mut parameters = samconfig_parameters(&root(), stage).expect("samconfig.toml");
    parameters.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    parameters
}

/// Every case synthesised once by `scripts/cdk-synth.sh`, one after the other (parallel synths
/// would run cargo-lambda on the same target/ at once); one template as JSON.
fn synthesised(name: &str) -> &'static Value {
    static CASES_SYNTHESISED: OnceLock<BTreeMap<&'static str, Value>> = OnceLock::new();
    &CASES_SYNTHESISED.get_or_init(|| {
        CASES
            .iter()
            .map(|(name, _, _)| (*name, synth(name)))
            .collect()
    })[name]
}

fn synth(name: &str) -> Value {
    let (stage, extra) = case(name);
    let mut command = Command::new(root().join("scripts/cdk-synth.sh"));
    command
        .arg(stage)
        .env("CDK_SYNTH_OUT", format!("cdk.out/{name}"));
    for (parameter, value) in extra {
        // cdk.json's names are the parameters' in lowerCamelCase.
        let key = format!("{}{}", parameter[..1].to_lowercase(), &parameter[1..]);
        command.arg("-c").arg(format!("{key}={value}"));
    }
    let started = Instant::now();
    let output = command.output().expect("run scripts/cdk-synth.sh");
    assert!(
        output.status.success(),
        "cdk synth of {name} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "cdk synth of {name}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let path = cdk_out(name).join(format!("drive-alive-{stage}.template.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("the synthesised template is JSON")
}

fn cdk_out(name: &str) -> PathBuf {
    root().join("infra/cdk/cdk.out").join(name)
}

/// SAM's functions: their logical id and binary (`BuildProperties.Binary`).
fn sam_binaries() -> BTreeMap<String, String> {
    transformed()["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
        .filter_map(|(id, r)| {
            Some((
                id.clone(),
                r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()?
                    .to_owned(),
            ))
        })
        .collect()
}

fn sam_code(_: &str, resource: &Value) -> Result<String, String> {
    let binary = resource["Metadata"]["BuildProperties"]["Binary"]
        .as_str()
        .ok_or("a SAM function without BuildProperties.Binary")?;
    Ok(format!("the {binary} binary"))
}

/// The binary a CDK function's asset holds: the SAM build (.aws-sam/build/<id>/bootstrap) with
/// the same bytes.
fn cdk_code(stage: &str) -> impl Fn(&str, &Value) -> Result<String, String> {
    let out = cdk_out(stage);
    move |id: &str, resource: &Value| {
        let asset = resource["Metadata"]["aws:asset:path"]
            .as_str()
            .ok_or_else(|| format!("{id}: no aws:asset:path metadata"))?;
        let bytes = std::fs::read(out.join(asset).join("bootstrap"))
            .map_err(|e| format!("{id}: {asset}/bootstrap: {e}"))?;
        for (sam_id, binary) in sam_binaries() {
            let built = root()
                .join(".aws-sam/build")
                .join(&sam_id)
                .join("bootstrap");
            if std::fs::read(&built)
                .map_err(|e| format!("{} (run make sam-build): {e}", built.display()))?
                == bytes
            {
                return Ok(format!("the {binary} binary"));
            }
        }
        Ok(format!(
            "a bootstrap ({asset}) that is no binary of the SAM build"
        ))
    }
}

fn normalised_pair(stage: &str, sam: &Value, cdk: &Value) -> (Value, Value) {
    let parameters = parameters(stage);
    let borrowed: Vec<(&str, &str)> = parameters
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let sam_deployment =
        Deployment::new(sam, &borrowed).expect("the SAM conditions can be decided");
    let refused = sam_deployment
        .refused_by(sam)
        .expect("the rules can be evaluated");
    assert!(refused.is_empty(), "SAM would refuse {stage}: {refused:?}");
    let cdk_deployment = Deployment::new(cdk, &[]).expect("the CDK template has no open condition");
    (
        normalise(sam, &sam_deployment, &sam_code).expect("normalise the SAM template"),
        normalise(cdk, &cdk_deployment, &cdk_code(stage)).expect("normalise the CDK template"),
    )
}

fn differences(stage: &str, sam: &Value, cdk: &Value) -> Vec<String> {
    let (sam, cdk) = normalised_pair(stage, sam, cdk);
    template_differences(&sam, &cdk, SIDES)
}

fn assert_same(stage: &str) {
    let found = differences(stage, transformed(), synthesised(stage));
    assert!(
        found.is_empty(),
        "{stage}: the CDK app (infra/cdk) differs from infra/template.yaml in {} places:\n  {}",
        found.len(),
        found.join("\n  ")
    );
    let resources = synthesised(stage)["Resources"]
        .as_object()
        .map_or(0, |r| r.len());
    println!("{stage}: {resources} CDK resources, each equal to the SAM template's");
}

#[test]
fn dev_deploys_what_the_sam_template_deploys() {
    assert_same("dev");
}

#[test]
fn prod_deploys_what_the_sam_template_deploys() {
    assert_same("prod");
}

#[test]
fn prod_with_its_own_topic_and_a_restored_table_deploys_what_the_sam_template_deploys() {
    assert_same("prod-own-topic");
}

fn statement_actions<'a>(template: &'a mut Value, role: &str, sid: &str) -> &'a mut Vec<Value> {
    let statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_array_mut()
        .expect("the role has statements");
    statements
        .iter_mut()
        .find(|s| s["Sid"] == sid)
        .and_then(|s| s["Action"].as_array_mut())
        .expect("the statement lists its actions")
}

fn without_route(template: &Value, path: &str, method: &str) -> Value {
    let mut copy = template.clone();
    let removed = copy["Resources"]["Api"]["Properties"]["Body"]["paths"][path]
        .as_object_mut()
        .and_then(|methods| methods.remove(method));
    assert!(removed.is_some(), "no route {method} {path} to remove");
    copy
}

fn without_action(template: &Value, role: &str, sid: &str, action: &str) -> Value {
    let mut copy = template.clone();
    let actions = statement_actions(&mut copy, role, sid);
    let before = actions.len();
    actions.retain(|a| a != action);
    assert_eq!(
        actions.len(),
        before - 1,
        "no {action} in {role}/{sid} to remove"
    );
    copy
}

fn assert_reports(found: &[String], wanted: &str) {
    assert!(
        found.iter().any(|d| d.contains(wanted)),
        "expected a difference mentioning {wanted:?}, found:\n  {}",
        found.join("\n  ")
    );
}

/// The comparison fails on a route or an IAM action missing on either side.
#[test]
fn detects_a_removed_route_or_action_on_either_side() {
    let (sam, cdk) = (transformed(), synthesised("dev"));
    let route = "Api.Properties.Body.paths./api/v1/users/me.patch: only in the";

    let found = differences("dev", &without_route(sam, "/api/v1/users/me", "patch"), cdk);
    assert_reports(&found, &format!("{route} CDK app"));
    let found = differences("dev", sam, &without_route(cdk, "/api/v1/users/me", "patch"));
    assert_reports(&found, &format!("{route} SAM template"));

    let action = "AuthFunctionRole.Properties.Policies[0].PolicyDocument.Statement[ReadWriteTable].Action: only in the";
    let found = differences(
        "dev",
        &without_action(
            sam,
            "AuthFunctionRole",
            "ReadWriteTable",
            "dynamodb:DeleteItem",
        ),
        cdk,
    );
    assert_reports(
        &found,
        &format!("{action} CDK app: \"dynamodb:DeleteItem\""),
    );
    let found = differences(
        "dev",
        sam,
        &without_action(
            cdk,
            "AuthFunctionRole",
            "ReadWriteTable",
            "dynamodb:DeleteItem",
        ),
    );
    assert_reports(
        &found,
        &format!("{action} SAM template: \"dynamodb:DeleteItem\""),
    );

    // A resource of any type on one side only, and a changed table setting.
    let mut extra = cdk.clone();
    extra["Resources"]["Queue"] = serde_json::json!({"Type": "AWS::SQS::Queue", "Properties": {}});
    extra["Resources"]["Table"]["Properties"]["PointInTimeRecoverySpecification"]
        ["PointInTimeRecoveryEnabled"] = Value::Bool(false);
    let found = differences("dev", sam, &extra);
    assert_reports(&found, "Queue (AWS::SQS::Queue): only in the CDK app");
    assert_reports(&found, "Table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: SAM template true ≠ CDK app false");
}

/// A stage SAM's rules refuse (prod without a certificate or anyone to alarm) does not synth.
#[test]
fn refuses_to_synth_what_the_sam_rules_refuse() {
    let output = Command::new(root().join("scripts/cdk-synth.sh"))
        .arg("prod")
        .env("CDK_SYNTH_OUT", "cdk.out/refused")
        .output()
        .expect("run scripts/cdk-synth.sh");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "prod without certificateArn synthesised"
    );
    assert!(
        stderr.contains("domainName needs certificateArn"),
        "{stderr}"
    );
    assert!(
        stderr.contains("prod needs alarmEmail or alarmTopicArn"),
        "{stderr}"
    );
}

#[test]
fn samconfig_stages_are_read_as_sam_reads_them() {
    let dev: BTreeMap<String, String> = samconfig_parameters(&root(), "dev")
        .expect("dev")
        .into_iter()
        .collect();
    assert_eq!(dev.get("Stage").map(String::as_str), Some("dev"));
    assert_eq!(
        dev.get("WebAppOrigin").map(String::as_str),
        Some("https://dev.drivealive.co.za")
    );
    let prod: BTreeMap<String, String> = samconfig_parameters(&root(), "prod")
        .expect("prod")
        .into_iter()
        .collect();
    assert_eq!(
        prod.get("DomainName").map(String::as_str),
        Some("api.drivealive.co.za")
    );
    assert!(samconfig_parameters(Path::new("/nonexistent"), "dev").is_err());
}

/// cdk.json's stages name the same stacks, regions and tags as samconfig.toml's config-envs
/// (the stack-level settings the templates do not hold).
#[test]
fn cdk_json_stages_match_samconfig() {
    let text = std::fs::read_to_string(root().join("infra/cdk/cdk.json")).expect("cdk.json");
    let cdk: Value = serde_json::from_str(&text).expect("cdk.json is JSON");
    for stage in ["dev", "prod"] {
        let declared = &cdk["context"]["stages"][stage];
        let global = format!("{stage}.global.parameters");
        let deploy = format!("{stage}.deploy.parameters");
        let setting = |section: &str, key: &str| {
            samconfig_value(&root(), section, key).expect("samconfig.toml")
        };
        assert_eq!(
            declared["stackName"],
            setting(&global, "stack_name").as_str(),
            "{stage} stack name"
        );
        assert_eq!(
            declared["region"],
            setting(&deploy, "region").as_str(),
            "{stage} region"
        );
        let tags: BTreeMap<String, String> = samconfig_pairs(&root(), &deploy, "tags")
            .expect("tags")
            .into_iter()
            .collect();
        let cdk_tags: BTreeMap<String, String> =
            serde_json::from_value(declared["tags"].clone()).expect("cdk.json tags");
        assert_eq!(cdk_tags, tags, "{stage} tags");
    }
}
