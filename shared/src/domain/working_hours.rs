//! An instructor's weekly working hours in local time: per weekday, non-overlapping windows on
//! quarter hours, e.g. `{"monday": [["08:00", "12:00"], ["13:00", "17:00"]]}`.

use std::collections::BTreeMap;

use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};

use super::lesson::SLOT_MINUTES;
use super::DomainError;

pub const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

/// The wire and storage shape: weekday name → list of `[start, end]` as `HH:MM`.
pub type WorkingHoursInput = BTreeMap<String, Vec<[String; 2]>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    /// Minutes after midnight, `[start, end)`, sorted, per weekday index (Monday = 0).
    days: [Vec<(i64, i64)>; 7],
}

fn minutes(text: &str) -> Result<i64, DomainError> {
    let bad = || DomainError::new("times must be HH:MM on a quarter hour, 00:00 to 24:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    // Digits only: `i64::from_str` also takes a sign ("+8:00").
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(bad());
    }
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let total = h * 60 + m;
    if !(0..60).contains(&m) || !(0..=24 * 60).contains(&total) || total % SLOT_MINUTES != 0 {
        return Err(bad());
    }
    Ok(total)
}

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn index_of(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

impl WorkingHours {
    pub fn parse(input: &WorkingHoursInput) -> Result<Self, DomainError> {
        let mut days: [Vec<(i64, i64)>; 7] = Default::default();
        for (name, windows) in input {
            let (_, weekday) = WEEKDAYS
                .iter()
                .find(|(n, _)| n == &name.to_lowercase())
                .ok_or_else(|| DomainError::new(format!("{name:?} is not a weekday")))?;
            let mut parsed = windows
                .iter()
                .map(|[start, end]| Ok((minutes(start)?, minutes(end)?)))
                .collect::<Result<Vec<_>, DomainError>>()?;
            parsed.sort();
            for (start, end) in &parsed {
                if start >= end {
                    return Err(DomainError::new("each window must end after it starts"));
                }
            }
            if parsed.windows(2).any(|w| w[0].1 > w[1].0) {
                return Err(DomainError::new("windows of one day must not overlap"));
            }
            days[index_of(*weekday)] = parsed;
        }
        Ok(Self { days })
    }

    /// Until an instructor sets hours: weekdays 08:00–17:00, Saturday 08:00–13:00.
    pub fn standard() -> Self {
        let mut days: [Vec<(i64, i64)>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            *day = vec![(8 * 60, 17 * 60)];
        }
        days[5] = vec![(8 * 60, 13 * 60)];
        Self { days }
    }

    pub fn windows(&self, day: Weekday) -> &[(i64, i64)] {
        &self.days[index_of(day)]
    }

    /// True when `[start, start + length)` (minutes after midnight) fits inside one window.
    pub fn fits(&self, day: Weekday, start: i64, length: i64) -> bool {
        self.windows(day)
            .iter()
            .any(|(from, to)| *from <= start && start + length <= *to)
    }

    pub fn to_input(&self) -> WorkingHoursInput {
        WEEKDAYS
            .iter()
            .filter(|(_, day)| !self.windows(*day).is_empty())
            .map(|(name, day)| {
                let windows = self
                    .windows(*day)
                    .iter()
                    .map(|(s, e)| [hhmm(*s), hhmm(*e)])
                    .collect();
                ((*name).to_owned(), windows)
            })
            .collect()
    }
}

impl Serialize for WorkingHours {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_input().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WorkingHours {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let input = WorkingHoursInput::deserialize(deserializer)?;
        Self::parse(&input).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &[[&str; 2]])]) -> WorkingHoursInput {
        pairs
            .iter()
            .map(|(day, windows)| {
                (
                    (*day).to_owned(),
                    windows
                        .iter()
                        .map(|[a, b]| [(*a).to_owned(), (*b).to_owned()])
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn valid_hours_round_trip_and_fit_lessons() {
        let hours = WorkingHours::parse(&input(&[(
            "monday",
            &[["13:00", "17:00"], ["08:00", "12:00"]],
        )]))
        .expect("valid");
        assert!(hours.fits(Weekday::Monday, 8 * 60, 60));
        assert!(hours.fits(Weekday::Monday, 16 * 60, 60));
        assert!(
            !hours.fits(Weekday::Monday, 11 * 60 + 30, 60),
            "crosses the lunch break"
        );
        assert!(
            !hours.fits(Weekday::Tuesday, 9 * 60, 60),
            "no hours on Tuesday"
        );
        assert_eq!(
            WorkingHours::parse(&hours.to_input()).expect("round trip"),
            hours
        );
    }

    #[test]
    fn malformed_hours_are_refused() {
        let cases: [(&str, WorkingHoursInput); 7] = [
            ("not a weekday", input(&[("funday", &[["08:00", "12:00"]])])),
            (
                "end before start",
                input(&[("monday", &[["12:00", "08:00"]])]),
            ),
            (
                "overlap",
                input(&[("monday", &[["08:00", "12:00"], ["11:00", "13:00"]])]),
            ),
            (
                "off the quarter",
                input(&[("monday", &[["08:10", "12:00"]])]),
            ),
            ("not a time", input(&[("monday", &[["eight", "12:00"]])])),
            ("a signed hour", input(&[("monday", &[["+8:00", "12:00"]])])),
            (
                "a signed minute",
                input(&[("monday", &[["08:+0", "12:00"]])]),
            ),
        ];
        for (why, hours) in cases {
            assert!(WorkingHours::parse(&hours).is_err(), "{why}");
        }
    }
}
