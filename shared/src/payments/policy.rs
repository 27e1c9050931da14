//! The refund policy (SPEC §6.1): a cancelled paid lesson is refunded in full when the
//! instructor, an admin or the system cancels it, or when the student cancels at least 24 hours
//! before it starts; a later cancellation by the student refunds nothing.

use jiff::{SignedDuration, Timestamp};

/// The notice a student must give for a full refund.
pub const FULL_REFUND_NOTICE: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    Student,
    Instructor,
    Admin,
    /// The jobs function (a stale pending booking).
    System,
}

/// What cancelling a lesson priced `price_cents`, starting at `lesson_start`, refunds at `now`.
pub fn refund_cents(
    price_cents: i64,
    by: Canceller,
    lesson_start: Timestamp,
    now: Timestamp,
) -> i64 {
    match by {
        Canceller::Instructor | Canceller::Admin | Canceller::System => price_cents,
        Canceller::Student if lesson_start.duration_since(now) >= FULL_REFUND_NOTICE => price_cents,
        Canceller::Student => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    #[test]
    fn the_student_is_refunded_in_full_only_with_a_day_of_notice() {
        let start = at("2026-03-10T08:00:00Z");
        let cases = [
            ("2026-03-07T08:00:00Z", 45_000, "three days ahead"),
            ("2026-03-09T08:00:00Z", 45_000, "exactly 24 hours ahead"),
            ("2026-03-09T08:00:01Z", 0, "a second less"),
            ("2026-03-10T06:00:00Z", 0, "two hours ahead"),
        ];
        for (now, want, why) in cases {
            assert_eq!(
                refund_cents(45_000, Canceller::Student, start, at(now)),
                want,
                "{why}"
            );
        }
    }

    #[test]
    fn the_instructor_an_admin_or_the_system_always_refund_in_full() {
        let start = at("2026-03-10T08:00:00Z");
        let late = at("2026-03-10T07:59:00Z");
        for by in [Canceller::Instructor, Canceller::Admin, Canceller::System] {
            assert_eq!(refund_cents(45_000, by, start, late), 45_000, "{by:?}");
        }
    }
}
