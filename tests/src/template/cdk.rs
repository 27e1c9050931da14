//! The CDK app (`infra/cdk`) against the SAM template: both templates brought to one form for a
//! stage, then compared resource by resource (`super::diff`). Generic over resource types, so a
//! resource added to one side only is reported without this module knowing its type.
//!
//! What normalising removes is only what the two tools generate differently for the same
//! deployment: conditions and parameters (decided and substituted for the stage), `Fn::Sub`
//! variables and `Fn::FindInMap` (inlined), the hash suffixes of the version and deployment
//! logical ids and the deployment's description, the tools' own metadata (`aws:*`, SAM's build
//! metadata) and SAM's `lambda:createdBy` tag. A function's code is compared as the binary it
//! is: SAM's build of its `BuildProperties.Binary`, and the CDK asset, identified by its bytes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::resolve::{single_key, Deployment};

/// Resource types whose logical ids carry a content hash in both tools.
const HASHED_IDS: [&str; 2] = ["AWS::Lambda::Version", "AWS::ApiGateway::Deployment"];
/// Metadata keys the tools write for themselves.
const TOOL_METADATA: [&str; 3] = ["BuildMethod", "BuildProperties", "SamResourceId"];
const DEPLOYMENT_DESCRIPTION: &str = "RestApi deployment id: ";

/// A stage's parameter values for the SAM template: samconfig.toml's `parameter_overrides` of
/// that config-env.
pub fn samconfig_parameters(root: &Path, stage: &str) -> Result<Vec<(String, String)>, String> {
    samconfig_pairs(
        root,
        &format!("{stage}.deploy.parameters"),
        "parameter_overrides",
    )
}

/// A `Name="value" ...` setting of samconfig.toml (`parameter_overrides`, `tags`) as pairs.
pub fn samconfig_pairs(
    root: &Path,
    section: &str,
    key: &str,
) -> Result<Vec<(String, String)>, String> {
    samconfig_value(root, section, key)?
        .split_whitespace()
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("not Name=\"value\": {pair}"))?;
            Ok((name.to_owned(), value.trim_matches('"').to_owned()))
        })
        .collect()
}

/// One string setting of samconfig.toml, e.g. (`prod.deploy.parameters`, `region`).
pub fn samconfig_value(root: &Path, section: &str, key: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("samconfig.toml"))
        .map_err(|e| format!("samconfig.toml: {e}"))?;
    let header = format!("[{section}]");
    let prefix = format!("{key} = ");
    let value = text
        .lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .find_map(|line| line.trim().strip_prefix(prefix.as_str()))
        .ok_or_else(|| format!("samconfig.toml has no {key} under {header}"))?;
    value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .map(|inner| inner.replace("\\\"", "\""))
        .ok_or_else(|| format!("{key} is not one string: {value}"))
}

/// One template for one deployment, normalised: `{"Resources": {...}, "Outputs": {...}}`.
/// `code` names the code of a function resource (its logical id and resource as given).
pub fn normalise(
    template: &Value,
    deployment: &Deployment,
    code: &dyn Fn(&str, &Value) -> Result<String, String>,
) -> Result<Value, String> {
    let resources = template["Resources"]
        .as_object()
        .ok_or("the template has no Resources")?;
    let renamed: BTreeMap<String, String> = resources
        .iter()
        .map(|(id, resource)| (id.clone(), normal_id(id, resource)))
        .collect();
    let context = Context {
        deployment,
        mappings: &template["Mappings"],
        renamed: &renamed,
    };
    let mut normal = Map::new();
    for (id, resource) in resources {
        if !deployment.includes(resource)? {
            continue;
        }
        let Some(mut resource) = deployment.resolve(resource)? else {
            continue;
        };
        if resource["Type"] == "AWS::Lambda::Function" {
            let named = code(id, &resource)?;
            resource["Properties"]["Code"] = Value::String(named);
        }
        let mut resource = context.walk(&resource)?;
        tidy(&mut resource);
        normal.insert(renamed[id].clone(), resource);
    }
    let mut outputs = Map::new();
    for (name, output) in template["Outputs"].as_object().into_iter().flatten() {
        if !deployment.includes(output)? {
            continue;
        }
        if let Some(mut output) = deployment.resolve(output)? {
            if let Some(fields) = output.as_object_mut() {
                fields.remove("Condition");
            }
            outputs.insert(name.clone(), context.walk(&output)?);
        }
    }
    Ok(serde_json::json!({"Resources": normal, "Outputs": outputs}))
}

/// The logical id without the content hash some types carry (`ApiDeployment5168e50f94`).
fn normal_id(id: &str, resource: &Value) -> String {
    let hashed = HASHED_IDS.iter().any(|kind| resource["Type"] == *kind);
    let split = id.len().saturating_sub(10);
    match (hashed, id.get(split..)) {
        (true, Some(tail)) if tail.bytes().all(|b| b.is_ascii_hexdigit()) => id[..split].to_owned(),
        _ => id.to_owned(),
    }
}

/// Removes what only one tool writes: its metadata, SAM's tag, the Condition (decided), and
/// the deployment description's hash; sorts DependsOn.
fn tidy(resource: &mut Value) {
    let Some(fields) = resource.as_object_mut() else {
        return;
    };
    fields.remove("Condition");
    if let Some(Value::Object(metadata)) = fields.get_mut("Metadata") {
        metadata
            .retain(|key, _| !key.starts_with("aws:") && !TOOL_METADATA.contains(&key.as_str()));
        if metadata.is_empty() {
            fields.remove("Metadata");
        }
    }
    if let Some(depends) = fields.get_mut("DependsOn") {
        let mut names: Vec<Value> = match &*depends {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        names.sort_by_key(|name| name.to_string());
        *depends = Value::Array(names);
    }
    let Some(Value::Object(properties)) = fields.get_mut("Properties") else {
        return;
    };
    if let Some(Value::Array(tags)) = properties.get_mut("Tags") {
        tags.retain(|tag| tag["Key"] != "lambda:createdBy");
        if tags.is_empty() {
            properties.remove("Tags");
        }
    }
    if let Some(Value::String(description)) = properties.get_mut("Description") {
        if description.starts_with(DEPLOYMENT_DESCRIPTION) {
            *description = format!("{DEPLOYMENT_DESCRIPTION}<hash of the API body>");
        }
    }
}

struct Context<'a> {
    deployment: &'a Deployment,
    mappings: &'a Value,
    renamed: &'a BTreeMap<String, String>,
}

impl Context<'_> {
    fn rename(&self, id: &str) -> String {
        self.renamed
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    fn walk(&self, value: &Value) -> Result<Value, String> {
        if let Some((function, arguments)) = single_key(value) {
            match function {
                "Ref" => {
                    let name = arguments.as_str().unwrap_or_default();
                    return Ok(serde_json::json!({"Ref": self.rename(name)}));
                }
                "Fn::GetAtt" => {
                    if let Some([id, attribute]) = arguments.as_array().map(Vec::as_slice) {
                        let id = self.rename(id.as_str().unwrap_or_default());
                        return Ok(serde_json::json!({"Fn::GetAtt": [id, attribute]}));
                    }
                }
                "Fn::Sub" => return self.sub(arguments),
                "Fn::FindInMap" => return self.find_in_map(arguments),
                _ => {}
            }
        }
        Ok(match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.walk(i))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.walk(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    /// `Fn::Sub` with its variables inlined (literals, `Ref`s and `GetAtt`s become `${...}`),
    /// parameters substituted and logical ids renamed; a plain string when nothing is left.
    fn sub(&self, arguments: &Value) -> Result<Value, String> {
        let (text, variables) = match arguments {
            Value::String(text) => (text.clone(), Map::new()),
            Value::Array(parts) => match parts.as_slice() {
                [Value::String(text), Value::Object(variables)] => {
                    (text.clone(), variables.clone())
                }
                _ => return Err(format!("Fn::Sub takes a string and a map: {arguments}")),
            },
            other => return Err(format!("Fn::Sub of {other}")),
        };
        let mut kept = Map::new();
        let mut inline = BTreeMap::new();
        for (name, variable) in &variables {
            let variable = self.walk(variable)?;
            let replacement = match single_key(&variable) {
                None => variable.as_str().map(str::to_owned),
                Some(("Ref", id)) => id.as_str().map(|id| format!("${{{id}}}")),
                Some(("Fn::GetAtt", Value::Array(parts))) => match parts.as_slice() {
                    [Value::String(id), Value::String(attribute)] => {
                        Some(format!("${{{id}.{attribute}}}"))
                    }
                    _ => None,
                },
                Some(_) => None,
            };
            match replacement {
                Some(replacement) => {
                    inline.insert(name.clone(), replacement);
                }
                None => {
                    kept.insert(name.clone(), variable);
                }
            }
        }
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            out.push_str(&self.sub_variable(name, &inline, &kept)?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(if !kept.is_empty() {
            serde_json::json!({"Fn::Sub": [out, kept]})
        } else if out.contains("${") {
            serde_json::json!({"Fn::Sub": out})
        } else {
            Value::String(out)
        })
    }

    fn sub_variable(
        &self,
        name: &str,
        inline: &BTreeMap<String, String>,
        kept: &Map<String, Value>,
    ) -> Result<String, String> {
        if let Some(replacement) = inline.get(name) {
            return Ok(replacement.clone());
        }
        if kept.contains_key(name) || name.starts_with("AWS::") || name.starts_with('!') {
            return Ok(format!("${{{name}}}"));
        }
        let (id, attribute) = match name.split_once('.') {
            Some((id, attribute)) => (id, Some(attribute)),
            None => (name, None),
        };
        if attribute.is_none() {
            if let Some(Value::String(parameter)) =
                self.deployment.resolve(&serde_json::json!({"Ref": id}))?
            {
                return Ok(parameter);
            }
        }
        Ok(match attribute {
            Some(attribute) => format!("${{{}.{attribute}}}", self.rename(id)),
            None => format!("${{{}}}", self.rename(id)),
        })
    }

    fn find_in_map(&self, arguments: &Value) -> Result<Value, String> {
        let keys: Vec<Value> = arguments
            .as_array()
            .map(|a| a.iter().map(|k| self.walk(k)).collect::<Result<_, _>>())
            .transpose()?
            .unwrap_or_default();
        match keys.as_slice() {
            [Value::String(map), Value::String(top), Value::String(second)] => self.mappings[map]
                [top]
                .get(second)
                .cloned()
                .ok_or_else(|| format!("no mapping {map}.{top}.{second}")),
            _ => Ok(serde_json::json!({"Fn::FindInMap": keys})),
        }
    }
}
