//! South African rand, held as whole cents so sums never drift.

use serde::{Serialize, Serializer};

use super::DomainError;

const MAX_HOURLY_RATE: f64 = 10_000.0;
/// How far from a whole cent a JSON number may be and still count as one: binary floats
/// cannot hold most decimals exactly (0.29 * 100 = 28.999999999999996).
const CENT_TOLERANCE: f64 = 1e-6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rands {
    cents: i64,
}

impl Rands {
    /// An hourly rate from a JSON number: more than R0, at most R10 000, whole cents.
    pub fn parse_amount(amount: f64) -> Result<Self, DomainError> {
        if !amount.is_finite() {
            return Err(DomainError::new("must be a number"));
        }
        if amount <= 0.0 {
            return Err(DomainError::new("must be greater than 0"));
        }
        if amount > MAX_HOURLY_RATE {
            return Err(DomainError::new("must be at most 10000"));
        }
        let scaled = amount * 100.0;
        let cents = scaled.round();
        // A positive amount below half a cent would round to R0.00.
        if (scaled - cents).abs() > CENT_TOLERANCE || cents < 1.0 {
            return Err(DomainError::new("must have at most 2 decimal places"));
        }
        // In range by the checks above: 1..=1_000_000.
        Ok(Self {
            cents: cents as i64,
        })
    }

    /// Amounts already in cents (stored values, computed prices) need no validation.
    pub fn from_cents(cents: i64) -> Self {
        Self { cents }
    }

    pub fn cents(&self) -> i64 {
        self.cents
    }

    pub fn as_f64(&self) -> f64 {
        self.cents as f64 / 100.0
    }
}

/// A plain JSON number in rand (`350.5`), which is what the existing clients send and read.
impl Serialize for Rands {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_to_whole_cents() {
        let cases = [
            (350.0, 35_000, "whole rand"),
            (350.5, 35_050, "one decimal"),
            (299.99, 29_999, "two decimals"),
            (0.29, 29, "a decimal that floats cannot hold exactly"),
            (1.1, 110, "another inexact decimal"),
            (0.01, 1, "one cent, the smallest"),
            (10_000.0, 1_000_000, "the maximum"),
        ];
        for (amount, cents, why) in cases {
            let rands = Rands::parse_amount(amount).unwrap_or_else(|e| panic!("{why}: {e}"));
            assert_eq!(rands.cents(), cents, "{why}");
        }
    }

    #[test]
    fn rejects_amounts_that_are_not_a_valid_rate() {
        let cases = [
            (f64::NAN, "must be a number", "NaN"),
            (f64::INFINITY, "must be a number", "infinity"),
            (0.0, "must be greater than 0", "zero"),
            (-0.0, "must be greater than 0", "negative zero"),
            (-350.0, "must be greater than 0", "negative"),
            (
                10_000.01,
                "must be at most 10000",
                "one cent over the maximum",
            ),
            (
                350.555,
                "must have at most 2 decimal places",
                "three decimals",
            ),
            (
                0.001,
                "must have at most 2 decimal places",
                "a tenth of a cent",
            ),
            (
                1e-9,
                "must have at most 2 decimal places",
                "rounds to zero cents",
            ),
        ];
        for (amount, message, why) in cases {
            assert_eq!(
                Rands::parse_amount(amount),
                Err(DomainError::new(message)),
                "{why}"
            );
        }
    }

    #[test]
    fn cents_round_trip_and_convert_to_rand() {
        let rands = Rands::from_cents(35_050);
        assert_eq!(rands.cents(), 35_050);
        assert_eq!(rands.as_f64(), 350.5);
    }

    #[test]
    fn serialises_as_a_json_number_in_rand() {
        let cases = [
            (35_000, "350.0", "whole rand"),
            (35_050, "350.5", "fifty cents"),
            (29_999, "299.99", "two decimals"),
            (1, "0.01", "one cent"),
        ];
        for (cents, json, why) in cases {
            assert_eq!(
                serde_json::to_string(&Rands::from_cents(cents)).unwrap(),
                json,
                "{why}"
            );
        }
    }
}
