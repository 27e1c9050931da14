use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function("auth", shared::lambda::Preload::SigningKeys, auth::routes)
}
