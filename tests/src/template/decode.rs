//! `infra/template.yaml` read as JSON, and the helpers every comparison uses.
//!
//! The template uses CloudFormation short tags (`!Ref`, `!Sub`), so it is read with cfn-lint's
//! own decoder from the project's virtualenv and handed over as JSON.

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

pub fn template() -> &'static Value {
    static DECODED: OnceLock<Value> = OnceLock::new();
    DECODED.get_or_init(|| decode_template(&local::stack::workspace_root()))
}

pub fn decode_template(root: &Path) -> Value {
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
