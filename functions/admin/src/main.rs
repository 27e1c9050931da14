use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function("admin", shared::lambda::Preload::SigningKeys, admin::routes)
}
