//! Prints the OpenAPI document: `cargo run -p local --bin openapi > docs/openapi.json`.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let json = match local::openapi::document_json() {
        Ok(json) => json,
        Err(err) => {
            eprintln!("openapi: cannot serialise the document: {err}");
            return ExitCode::FAILURE;
        }
    };
    match std::io::stdout().lock().write_all(json.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("openapi: cannot write the document: {err}");
            ExitCode::FAILURE
        }
    }
}
