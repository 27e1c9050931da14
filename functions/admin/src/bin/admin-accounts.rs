//! `admin-accounts suspend|reactivate <user id>`: the operator's way to change any account's
//! status, admins' included (the API lets an admin change only non-admin accounts). Takes the
//! functions' environment (`TABLE_NAME`, `AWS_REGION`, ...). Writes the same conditional
//! update and audit entry as the admin routes; prints the account's new status as JSON.

use std::process::ExitCode;

use admin::account_status::{self, Requester, StatusChange};
use shared::aws::AwsClients;
use shared::store::users;
use shared::Config;

const USAGE: &str = "usage: admin-accounts suspend|reactivate <user id>

suspend     ends every session of the account and refuses sign-in; keeps its status
reactivate  gives a suspended account back the status it had before the suspension
Configuration comes from the same environment variables as the functions.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (change, user_id) = match args.as_slice() {
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [command, user_id] => match StatusChange::parse(command) {
            Some(change) => (change, user_id.trim().to_owned()),
            None => return usage_error(&format!("unknown command {command:?}")),
        },
        _ => return usage_error("expected a command and a user id"),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("admin-accounts: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let aws = AwsClients::connect(&config).await;
    let table = &config.table_name;
    let user = match users::get(&aws.dynamodb, table, &user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            eprintln!("admin-accounts: no account {user_id:?}");
            return ExitCode::from(4);
        }
        Err(err) => {
            eprintln!("admin-accounts: cannot read the account: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let before = user.status;
    let requester = Requester {
        actor: None,
        ip: "admin-accounts".into(),
    };
    let now = shared::clock::Clock::system().now();
    match account_status::apply(&aws.dynamodb, table, user, change, requester, now).await {
        Ok(user) => {
            eprintln!(
                "admin-accounts: {user_id}: {} -> {}",
                before.as_str(),
                user.status.as_str()
            );
            println!(
                "{}",
                serde_json::json!({ "user_id": user.user_id, "status": user.status.as_str() })
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("admin-accounts: {err}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(why: &str) -> ExitCode {
    eprintln!("admin-accounts: {why}\n\n{USAGE}");
    ExitCode::from(2)
}
