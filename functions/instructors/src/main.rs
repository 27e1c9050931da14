use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function(
        "instructors",
        shared::lambda::Preload::SigningKeys,
        instructors::routes,
    )
}
