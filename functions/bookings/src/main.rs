use std::process::ExitCode;

fn main() -> ExitCode {
    shared::lambda::run_function(
        "bookings",
        shared::lambda::Preload::SigningKeys,
        bookings::routes,
    )
}
