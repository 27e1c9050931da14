use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function_with_warmup(
        "health",
        shared::lambda::Preload::Nothing,
        health::warmup,
        health::routes,
    )
}
