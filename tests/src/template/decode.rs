//! `infra/template.yaml` read as JSON, as written and as SAM transforms it, and the helpers
//! every comparison uses.
//!
//! The template uses CloudFormation short tags (`!Ref`, `!Sub`), so it is read with cfn-lint's
//! own decoder from the project's virtualenv and handed over as JSON. The transformed template
//! (what CloudFormation deploys: functions, versions, aliases, deployment groups, the REST API's
//! OpenAPI body) comes from the SAM translator cfn-lint itself lints with.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

pub const TEMPLATE: &str = "infra/template.yaml";

/// Prints the template as JSON with every short tag in its long form (`{"Ref": ...}`).
pub const DECODE: &str = r#"
import json, sys
from cfnlint.decode import decode
template, matches = decode(sys.argv[1])
if matches or template is None:
    sys.exit("\n".join(str(m) for m in matches) or "the template is empty")
print(json.dumps(template, default=str))
"#;

/// Prints the template after the SAM transform, as JSON, for the stack's region (samconfig.toml).
pub const TRANSFORM: &str = r#"
import json, sys
from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform
template, matches = decode(sys.argv[1])
if matches or template is None:
    sys.exit("\n".join(str(m) for m in matches) or "the template is empty")
sam = Transform(sys.argv[1], template, "af-south-1")
matches = sam.transform_template()
if matches:
    sys.exit("\n".join(str(m) for m in matches))
print(json.dumps(sam.template(), default=str))
"#;

pub fn template() -> &'static Value {
    static DECODED: OnceLock<Value> = OnceLock::new();
    DECODED.get_or_init(|| decode_template(&local::stack::workspace_root()))
}

/// The template as SAM transforms it.
pub fn transformed() -> &'static Value {
    static TRANSFORMED: OnceLock<Value> = OnceLock::new();
    TRANSFORMED.get_or_init(|| run_python(&local::stack::workspace_root(), TRANSFORM))
}

pub fn decode_template(root: &Path) -> Value {
    run_python(root, DECODE)
}

/// Runs `script` with the template's path in the project's virtualenv; its stdout as JSON.
fn run_python(root: &Path, script: &str) -> Value {
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-python.sh",
        python.display()
    );
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
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

pub fn assert_none(differences: Vec<String>, what: &str) {
    assert!(
        differences.is_empty(),
        "{TEMPLATE} differs from {what}:\n  {}",
        differences.join("\n  ")
    );
}

pub fn array(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

/// The template's resources of one type, with their logical ids.
pub fn resources<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, resource)| resource["Type"] == kind)
        .map(|(id, resource)| (id.as_str(), resource))
        .collect()
}

pub fn as_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}
