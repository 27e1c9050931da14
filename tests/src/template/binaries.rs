//! Each function's binary against the crates under `functions/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::decode::{array, as_text, resources};

/// The binary targets of the crates under `functions/`, by package, from `cargo metadata`.
pub fn function_crates(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(root)
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let functions = root.join("functions");
    array(&metadata["packages"])
        .filter(|package| {
            package["manifest_path"]
                .as_str()
                .is_some_and(|path| Path::new(path).starts_with(&functions))
        })
        .map(|package| {
            let binaries = array(&package["targets"])
                .filter(|target| array(&target["kind"]).any(|kind| kind == "bin"))
                .filter_map(|target| target["name"].as_str().map(str::to_owned))
                .collect();
            (as_text(&package["name"]), binaries)
        })
        .collect()
}

/// Every binary of those crates (a function may be built from any of them).
pub fn all_binaries(crates: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    crates.values().flatten().cloned().collect()
}

/// The Lambda binary of each crate: the one named like the crate. Other binaries (tools such as
/// a migration command) are not deployed as functions.
pub fn lambda_binaries(crates: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    crates
        .iter()
        .filter(|(package, binaries)| binaries.contains(*package))
        .map(|(package, _)| package.clone())
        .collect()
}

/// Each function is built by cargo-lambda from a binary under `functions/`.
pub fn build_differences(template: &Value, binaries: &BTreeSet<String>) -> Vec<String> {
    let mut differences = Vec::new();
    for (id, function) in resources(template, "AWS::Serverless::Function") {
        let metadata = &function["Metadata"];
        if metadata["BuildMethod"] != "rust-cargolambda" {
            differences.push(format!(
                "{id}: BuildMethod is {}, not rust-cargolambda",
                metadata["BuildMethod"]
            ));
        }
        match metadata["BuildProperties"]["Binary"].as_str() {
            None => differences.push(format!("{id}: no BuildProperties.Binary")),
            Some(binary) if !binaries.contains(binary) => differences.push(format!(
                "{id}: binary {binary} is not built by any crate under functions/"
            )),
            Some(_) => {}
        }
    }
    differences
}

/// Each Lambda binary under `functions/` is deployed by some function.
pub fn undeployed_differences(template: &Value, binaries: &BTreeSet<String>) -> Vec<String> {
    let deployed: BTreeSet<&str> = resources(template, "AWS::Serverless::Function")
        .into_iter()
        .filter_map(|(_, function)| function["Metadata"]["BuildProperties"]["Binary"].as_str())
        .collect();
    binaries
        .iter()
        .filter(|binary| !deployed.contains(binary.as_str()))
        .map(|binary| format!("binary {binary} (functions/) is deployed by no function"))
        .collect()
}
