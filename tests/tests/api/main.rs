mod config_errors;
mod health;
mod http_rules;
mod lambda_events;
mod lambda_runtime;
