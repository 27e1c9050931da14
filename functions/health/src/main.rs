use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function("health", shared::lambda::Preload::Nothing, health::routes)
}
