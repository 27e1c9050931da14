//! `shared::http::json::parse_json`, the body reader of every route, on any bytes: into a
//! `serde_json::Value`, into `WorkingHours` (whose `Deserialize` parses), and into copies of the
//! request types (the real ones are private to their function crates; these have the same
//! fields and the same `deny_unknown_fields`). A failure is a 400 or a 422 naming a field, and
//! its problem document renders as JSON.
#![no_main]

use axum::response::IntoResponse;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use shared::domain::{WorkingHours, WorkingHoursInput};
use shared::http::json::parse_json;
use shared::http::problem::Problem;
use shared::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewBooking {
    instructor_id: String,
    lesson_date: String,
    lesson_time: String,
    duration_minutes: i64,
    pickup_address: String,
    pickup_latitude: Option<f64>,
    pickup_longitude: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Login {
    username: String,
    password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InstructorPatch {
    bio: Option<String>,
    vehicle: Option<String>,
    hourly_rate: Option<f64>,
    city: Option<String>,
    province: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    working_hours: Option<WorkingHoursInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Review {
    rating: i64,
    comment: Option<String>,
}

/// serde_json's " at line L column C" suffix, which clients are spared (the message may still
/// quote the client's own text, which can contain anything).
fn ends_with_position(message: &str) -> bool {
    let Some((_, tail)) = message.rsplit_once(" at line ") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    tail.split_once(" column ")
        .is_some_and(|(line, column)| digits(line) && digits(column))
}

fn check<T: DeserializeOwned>(data: &[u8]) {
    let Err(err) = parse_json::<T>(data) else {
        return;
    };
    match &err {
        ApiError::BadRequest(_) => {}
        ApiError::Validation(errors) => {
            assert!(!errors.is_empty());
            for error in errors {
                assert!(!error.message.is_empty());
                assert!(!ends_with_position(&error.message), "{}", error.message);
            }
        }
        other => panic!("parse_json answered {other:?}"),
    }
    let status = err.status_code();
    let mut response = err.into_response();
    Problem::finalize(&mut response, "fuzz-request", true);
    assert_eq!(response.status(), status);
}

fuzz_target!(|data: &[u8]| {
    check::<serde_json::Value>(data);
    check::<WorkingHours>(data);
    check::<NewBooking>(data);
    check::<Login>(data);
    check::<InstructorPatch>(data);
    check::<Review>(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        assert!(parse_json::<serde_json::Value>(data).is_ok_and(|v| v == value));
    }
});
