use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function("users", shared::lambda::Preload::SigningKeys, users::routes)
}
