//! The environment a function needs against the local stack, as one map: the local server and
//! the tests parse it with `Config::from_map`, and `make run` writes it to `.local/function.env`
//! for `cargo lambda watch --env-file` and any Lambda harness.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use shared::aws::AwsClients;
use shared::Config;

use crate::bootstrap::{self, ResourceNames};

pub const LOCAL_REGION: &str = "af-south-1";

pub struct LocalEndpoints<'a> {
    pub aws_endpoint_url: &'a str,
    pub smtp_port: u16,
    pub public_url: &'a str,
}

pub fn function_vars(
    endpoints: &LocalEndpoints<'_>,
    names: &ResourceNames,
) -> BTreeMap<String, String> {
    [
        ("APP_STAGE", "local"),
        ("AWS_REGION", LOCAL_REGION),
        ("AWS_ENDPOINT_URL", endpoints.aws_endpoint_url),
        ("TABLE_NAME", &names.table_name),
        ("KMS_KEY_ID", &names.kms_alias),
        ("JWT_SECRET_ID", &names.jwt_secret_id),
        ("CURSOR_SECRET_ID", &names.cursor_secret_id),
        ("PUBLIC_URL", endpoints.public_url),
        // The local server serves the web links and the API from one origin.
        ("API_PUBLIC_URL", endpoints.public_url),
        (
            "ALLOWED_ORIGINS",
            "http://localhost:5173,http://127.0.0.1:5173",
        ),
        ("VERBOSE_ERRORS", "true"),
        ("DEPENDENCY_TIMEOUT_MS", "2000"),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &endpoints.smtp_port.to_string()),
        ("SMTP_TLS_MODE", "none"),
        ("SMTP_FROM", "Drive Alive <no-reply@drivealive.local>"),
        (
            "NOTICES_QUEUE_URL",
            &local_queue_url(endpoints.aws_endpoint_url, &names.notices_queue),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// moto's account id, in every queue URL it makes.
const LOCAL_ACCOUNT: &str = "123456789012";

/// The URL moto gives a queue named `name`, known before it exists.
fn local_queue_url(endpoint: &str, name: &str) -> String {
    format!("{}/{LOCAL_ACCOUNT}/{name}", endpoint.trim_end_matches('/'))
}

/// The queue name at the end of a queue URL.
fn queue_name(url: &str) -> String {
    url.rsplit('/').next().unwrap_or(url).to_owned()
}

/// Parses the map and creates the table, key and secrets it names.
pub async fn provision(vars: &BTreeMap<String, String>) -> anyhow::Result<Config> {
    let config = Config::from_map(vars).context("the local environment is not a valid config")?;
    let aws = AwsClients::connect(&config).await;
    let names = ResourceNames {
        table_name: config.table_name.clone(),
        kms_alias: config.kms_key_id.clone(),
        jwt_secret_id: config.jwt_secret_id.clone(),
        cursor_secret_id: config.cursor_secret_id.clone(),
        notices_queue: config
            .notices_queue_url
            .as_deref()
            .map(queue_name)
            .context("the local environment names no notices queue")?,
    };
    let clients = bootstrap::Clients {
        dynamodb: &aws.dynamodb,
        kms: &aws.kms,
        secrets: &aws.secrets,
        sqs: &aws.sqs,
    };
    bootstrap::bootstrap(&clients, &names).await?;
    if let Some(stripe) = &config.stripe {
        bootstrap::ensure_stripe_secrets(&aws.secrets, stripe).await?;
    }
    Ok(config)
}

/// A value as dotenv parsers (cargo-lambda's among them) read it: bare when plain, otherwise
/// double-quoted with `\` and `"` escaped.
fn dotenv_value(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./:@,+".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// KEY=VALUE lines; values here never contain newlines.
pub fn write_env_file(path: &Path, vars: &BTreeMap<String, String>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::from(
        "# Written by `make run`: the environment of a function against the local stack.\n",
    );
    for (key, value) in vars {
        text.push_str(&format!("{key}={}\n", dotenv_value(value)));
    }
    std::fs::write(path, text).with_context(|| format!("Failed to write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_queue_url_ends_in_the_queue_name() {
        let url = local_queue_url("http://127.0.0.1:5000/", "t1-notices");
        assert_eq!(url, "http://127.0.0.1:5000/123456789012/t1-notices");
        assert_eq!(queue_name(&url), "t1-notices");
    }

    #[test]
    fn plain_values_stay_bare_and_others_are_quoted() {
        assert_eq!(
            dotenv_value("http://127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            dotenv_value("Drive Alive <no-reply@drivealive.local>"),
            "\"Drive Alive <no-reply@drivealive.local>\""
        );
        assert_eq!(dotenv_value(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
