//! The template as CloudFormation would see it for one set of parameter values: conditions
//! decided, `Fn::If` branches chosen, `AWS::NoValue` dropped and parameters substituted. Only
//! the condition functions are evaluated; anything else (`Fn::Sub`, `Fn::GetAtt`, a `Ref` to a
//! resource) is kept as written.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Parameter values (the parameters' defaults fill in the rest) and the conditions they decide.
pub struct Deployment {
    parameters: BTreeMap<String, Value>,
    conditions: BTreeMap<String, bool>,
}

impl Deployment {
    /// Decides every condition of `template` for `overrides` over the parameters' defaults.
    pub fn new(template: &Value, overrides: &[(&str, &str)]) -> Result<Self, String> {
        let mut parameters: BTreeMap<String, Value> = template["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, p)| Some((name.clone(), p.get("Default")?.clone())))
            .collect();
        for (name, value) in overrides {
            parameters.insert((*name).to_owned(), Value::String((*value).to_owned()));
        }
        let mut deployment = Self {
            parameters,
            conditions: BTreeMap::new(),
        };
        let declared = template["Conditions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        // Conditions may name each other: decide them until none is left.
        let mut pending: Vec<(String, Value)> = declared.into_iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut later = Vec::new();
            for (name, expression) in pending {
                match deployment.truth(&expression) {
                    Ok(value) => {
                        deployment.conditions.insert(name, value);
                    }
                    Err(_) => later.push((name, expression)),
                }
            }
            if later.len() == before {
                let names: Vec<&str> = later.iter().map(|(n, _)| n.as_str()).collect();
                return Err(format!("conditions that cannot be decided: {names:?}"));
            }
            pending = later;
        }
        Ok(deployment)
    }

    /// Whether the named condition holds.
    pub fn condition(&self, name: &str) -> Result<bool, String> {
        self.conditions
            .get(name)
            .copied()
            .ok_or_else(|| format!("no condition {name}"))
    }

    /// Whether a resource (or output) with an optional `Condition` is part of this deployment.
    pub fn includes(&self, resource: &Value) -> Result<bool, String> {
        match resource.get("Condition").and_then(Value::as_str) {
            None => Ok(true),
            Some(name) => self.condition(name),
        }
    }

    /// A condition expression (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`).
    pub fn truth(&self, expression: &Value) -> Result<bool, String> {
        let Some((function, arguments)) = single_key(expression) else {
            return match expression {
                Value::Bool(value) => Ok(*value),
                Value::String(text) if text == "true" || text == "false" => Ok(text == "true"),
                other => Err(format!("not a condition: {other}")),
            };
        };
        let each = || -> Result<Vec<bool>, String> {
            arguments
                .as_array()
                .ok_or_else(|| format!("{function} takes a list"))?
                .iter()
                .map(|argument| self.truth(argument))
                .collect()
        };
        match function {
            "Condition" => self.condition(arguments.as_str().unwrap_or_default()),
            "Fn::Equals" => match arguments.as_array().map(Vec::as_slice) {
                Some([a, b]) => Ok(self.resolve(a)? == self.resolve(b)?),
                _ => Err("Fn::Equals takes two values".into()),
            },
            "Fn::Not" => match each()?.as_slice() {
                [value] => Ok(!value),
                _ => Err("Fn::Not takes one condition".into()),
            },
            "Fn::And" => Ok(each()?.into_iter().all(|value| value)),
            "Fn::Or" => Ok(each()?.into_iter().any(|value| value)),
            other => Err(format!("{other} is no condition function")),
        }
    }

    /// `value` with its `Fn::If`s decided, `AWS::NoValue` removed and parameters substituted;
    /// `None` when the whole value is `AWS::NoValue`.
    pub fn resolve(&self, value: &Value) -> Result<Option<Value>, String> {
        if let Some((function, arguments)) = single_key(value) {
            match function {
                "Ref" if arguments == "AWS::NoValue" => return Ok(None),
                "Ref" => {
                    let name = arguments.as_str().unwrap_or_default();
                    if let Some(parameter) = self.parameters.get(name) {
                        return Ok(Some(parameter.clone()));
                    }
                }
                "Fn::If" => {
                    return match arguments.as_array().map(Vec::as_slice) {
                        Some([condition, then, otherwise]) => {
                            let name = condition.as_str().unwrap_or_default();
                            let chosen = if self.condition(name)? {
                                then
                            } else {
                                otherwise
                            };
                            self.resolve(chosen)
                        }
                        _ => Err(format!("Fn::If takes three values: {arguments}")),
                    };
                }
                _ => {}
            }
        }
        Ok(Some(match value {
            Value::Array(items) => {
                let mut kept = Vec::new();
                for item in items {
                    kept.extend(self.resolve(item)?);
                }
                Value::Array(kept)
            }
            Value::Object(fields) => {
                let mut kept = Map::new();
                for (key, field) in fields {
                    if let Some(field) = self.resolve(field)? {
                        kept.insert(key.clone(), field);
                    }
                }
                Value::Object(kept)
            }
            other => other.clone(),
        }))
    }

    /// The assertions of the template's `Rules` that fail for these parameters (a deploy with
    /// them is refused), by their descriptions.
    pub fn refused_by(&self, template: &Value) -> Result<Vec<String>, String> {
        let mut failed = Vec::new();
        for (name, rule) in template["Rules"].as_object().into_iter().flatten() {
            let applies = match rule.get("RuleCondition") {
                None => true,
                Some(condition) => self.truth(condition)?,
            };
            if !applies {
                continue;
            }
            for assertion in rule["Assertions"].as_array().into_iter().flatten() {
                if !self.truth(&assertion["Assert"])? {
                    let description = assertion["AssertDescription"].as_str().unwrap_or(name);
                    failed.push(format!("{name}: {description}"));
                }
            }
        }
        Ok(failed)
    }
}

/// The one key and its value of an intrinsic function object such as `{"Ref": "X"}`.
pub fn single_key(value: &Value) -> Option<(&str, &Value)> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    let (key, inner) = object.iter().next()?;
    (key == "Ref" || key == "Condition" || key.starts_with("Fn::")).then_some((key.as_str(), inner))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template() -> Value {
        json!({
            "Parameters": {"Stage": {"Default": "dev"}, "Email": {"Default": ""}},
            "Conditions": {
                "HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]},
                "ProdWithEmail": {"Fn::And": [
                    {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}, {"Condition": "HasEmail"}
                ]}
            },
            "Rules": {"ProdNeedsEmail": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                "Assertions": [{"Assert": {"Condition": "HasEmail"}, "AssertDescription": "email"}]
            }}
        })
    }

    #[test]
    fn decides_chained_conditions_and_drops_no_value() {
        let template = template();
        let prod = Deployment::new(&template, &[("Stage", "prod"), ("Email", "a@b.co")])
            .expect("decidable");
        assert!(prod.condition("ProdWithEmail").expect("declared"));
        let dev = Deployment::new(&template, &[]).expect("decidable");
        assert!(!dev.condition("ProdWithEmail").expect("declared"));

        let value = json!({"Actions": {"Fn::If": ["HasEmail", [{"Ref": "Email"}], {"Ref": "AWS::NoValue"}]},
                           "Kept": {"Ref": "Topic"}});
        assert_eq!(
            prod.resolve(&value).expect("resolves"),
            Some(json!({"Actions": ["a@b.co"], "Kept": {"Ref": "Topic"}}))
        );
        assert_eq!(
            dev.resolve(&value).expect("resolves"),
            Some(json!({"Kept": {"Ref": "Topic"}}))
        );
    }

    #[test]
    fn reports_the_rules_a_deployment_breaks() {
        let template = template();
        let refused = |parameters: &[(&str, &str)]| {
            Deployment::new(&template, parameters)
                .and_then(|d| d.refused_by(&template))
                .expect("evaluable")
        };
        assert_eq!(refused(&[("Stage", "prod")]), vec!["ProdNeedsEmail: email"]);
        assert!(refused(&[("Stage", "prod"), ("Email", "a@b.co")]).is_empty());
        assert!(refused(&[]).is_empty());

        let cyclic = json!({"Conditions": {"A": {"Condition": "B"}, "B": {"Condition": "A"}}});
        assert!(Deployment::new(&cyclic, &[]).is_err());
    }
}
