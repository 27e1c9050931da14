//! `migrate-smtp-passwords [--dry-run]`: seals legacy plaintext SMTP passwords with KMS envelope
//! encryption. Takes the functions' environment (`TABLE_NAME`, `KMS_KEY_ID`, `AWS_REGION`, ...).
//! Prints the report as JSON on stdout and a summary on stderr; never a secret.

use std::process::ExitCode;

use shared::aws::AwsClients;
use shared::envelope::Envelope;
use shared::Config;

const USAGE: &str = "usage: migrate-smtp-passwords [--dry-run]

Encrypts SMTP passwords that the old back ends stored in plaintext. Safe to run again: encrypted
records are left alone. --dry-run reports what would change and writes nothing.
Configuration comes from the same environment variables as the functions.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut dry_run = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("migrate-smtp-passwords: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("migrate-smtp-passwords: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let aws = AwsClients::connect(&config).await;
    let envelope = Envelope::new(aws.kms.clone(), config.kms_key_id.clone());
    let result = admin::migrate::migrate_smtp_passwords(
        &aws.dynamodb,
        &envelope,
        &config.table_name,
        dry_run,
    )
    .await;
    match result {
        Ok(report) => {
            for (record, outcome) in &report.records {
                eprintln!("{record}: {outcome:?}");
            }
            eprintln!(
                "migrate-smtp-passwords{}: scanned {}, plaintext found {}, encrypted {}, already encrypted {}, plaintext copies removed {}, changed meanwhile {}",
                if report.dry_run { " (dry run, nothing written)" } else { "" },
                report.scanned,
                report.plaintext_found,
                report.encrypted,
                report.already_encrypted,
                report.plaintext_removed,
                report.changed_meanwhile,
            );
            match serde_json::to_string(&report) {
                Ok(json) => println!("{json}"),
                Err(err) => eprintln!("migrate-smtp-passwords: cannot print the report: {err}"),
            }
            if report.changed_meanwhile > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("migrate-smtp-passwords: {err:#}");
            ExitCode::FAILURE
        }
    }
}
