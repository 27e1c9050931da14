//! An instructor's time off: whole local days, as periods `start_date`–`end_date` (both
//! included), at most 50 of them, none ending in the past or more than a year ahead, none
//! overlapping another. Availability is empty and lessons are refused on those days.

use jiff::civil::Date;
use jiff::Span;
use serde::{Deserialize, Serialize};

use super::lesson::parse_local_date;
use super::DomainError;

pub const MAX_TIME_OFF_PERIODS: usize = 50;
pub const MAX_TIME_OFF_DAYS_AHEAD: i32 = 365;
const MAX_REASON_CHARS: usize = 200;

/// The wire and storage shape of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeOffPeriodInput {
    /// The first local day away, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub start_date: String,
    /// The last local day away (included), `YYYY-MM-DD`: today or later, at most a year ahead.
    #[schema(format = Date)]
    pub end_date: String,
    /// At most 200 characters; shown to the instructor only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffPeriod {
    start: Date,
    end: Date,
    reason: Option<String>,
}

impl TimeOffPeriod {
    pub fn start(&self) -> Date {
        self.start
    }

    pub fn end(&self) -> Date {
        self.end
    }

    pub fn covers(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    fn to_input(&self) -> TimeOffPeriodInput {
        TimeOffPeriodInput {
            start_date: self.start.to_string(),
            end_date: self.end.to_string(),
            reason: self.reason.clone(),
        }
    }
}

/// A refused period list: the field (`periods[2].end_date`, or `periods`) and why.
pub type TimeOffError = (String, DomainError);

/// The periods, sorted by start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeOff {
    periods: Vec<TimeOffPeriod>,
}

impl TimeOff {
    /// A new list from a request, checked against `today` (local): every error at once.
    pub fn parse(input: &[TimeOffPeriodInput], today: Date) -> Result<Self, Vec<TimeOffError>> {
        let mut errors = Vec::new();
        if input.len() > MAX_TIME_OFF_PERIODS {
            errors.push((
                "periods".to_owned(),
                DomainError::new(format!("at most {MAX_TIME_OFF_PERIODS} periods")),
            ));
            return Err(errors);
        }
        let last = today + Span::new().days(MAX_TIME_OFF_DAYS_AHEAD);
        let mut periods = Vec::with_capacity(input.len());
        for (i, period) in input.iter().enumerate() {
            let field = |name: &str| format!("periods[{i}].{name}");
            let start = parse_local_date(&period.start_date)
                .map_err(|e| errors.push((field("start_date"), e)))
                .ok();
            let end = parse_local_date(&period.end_date)
                .map_err(|e| errors.push((field("end_date"), e)))
                .ok();
            let reason = period
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
                errors.push((
                    field("reason"),
                    DomainError::new(format!("must be at most {MAX_REASON_CHARS} characters")),
                ));
            }
            let (Some(start), Some(end)) = (start, end) else {
                continue;
            };
            if end < start {
                errors.push((
                    field("end_date"),
                    DomainError::new("must not be before start_date"),
                ));
            } else if end < today {
                errors.push((
                    field("end_date"),
                    DomainError::new("must not be in the past"),
                ));
            } else if end > last {
                errors.push((
                    field("end_date"),
                    DomainError::new("must be at most a year ahead"),
                ));
            } else {
                periods.push(TimeOffPeriod {
                    start,
                    end,
                    reason: reason.map(str::to_owned),
                });
            }
        }
        periods.sort_by_key(|p| p.start);
        if periods.windows(2).any(|w| w[1].start <= w[0].end) {
            errors.push((
                "periods".to_owned(),
                DomainError::new("periods must not overlap"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { periods })
        } else {
            Err(errors)
        }
    }

    pub fn periods(&self) -> &[TimeOffPeriod] {
        &self.periods
    }

    pub fn covers(&self, date: Date) -> bool {
        self.periods.iter().any(|p| p.covers(date))
    }

    /// The periods of `self` that `before` did not have, for telling the instructor which
    /// existing lessons a change puts on days away.
    pub fn added_since(&self, before: &TimeOff) -> Vec<TimeOffPeriod> {
        self.periods
            .iter()
            .filter(|p| !before.periods.contains(p))
            .cloned()
            .collect()
    }

    /// The periods that have not ended by `today`.
    pub fn current(&self, today: Date) -> Vec<TimeOffPeriodInput> {
        self.periods
            .iter()
            .filter(|p| p.end >= today)
            .map(TimeOffPeriod::to_input)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.periods.is_empty()
    }
}

/// Stored as the input list; read back without the checks against today (a stored period
/// may have ended since).
impl Serialize for TimeOff {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inputs: Vec<TimeOffPeriodInput> =
            self.periods.iter().map(TimeOffPeriod::to_input).collect();
        inputs.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TimeOff {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let inputs = Vec::<TimeOffPeriodInput>::deserialize(deserializer)?;
        let mut periods = Vec::with_capacity(inputs.len());
        for input in inputs {
            let date = |text: &str| parse_local_date(text).map_err(serde::de::Error::custom);
            periods.push(TimeOffPeriod {
                start: date(&input.start_date)?,
                end: date(&input.end_date)?,
                reason: input.reason,
            });
        }
        periods.sort_by_key(|p| p.start);
        Ok(Self { periods })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(start: &str, end: &str) -> TimeOffPeriodInput {
        TimeOffPeriodInput {
            start_date: start.into(),
            end_date: end.into(),
            reason: None,
        }
    }

    fn today() -> Date {
        parse_local_date("2026-03-02").expect("date")
    }

    #[test]
    fn periods_cover_their_days_inclusively_and_round_trip() {
        let off = TimeOff::parse(
            &[
                period("2026-04-10", "2026-04-12"),
                period("2026-03-03", "2026-03-03"),
            ],
            today(),
        )
        .expect("valid");
        for (day, away) in [
            ("2026-03-02", false),
            ("2026-03-03", true),
            ("2026-04-09", false),
            ("2026-04-10", true),
            ("2026-04-12", true),
            ("2026-04-13", false),
        ] {
            assert_eq!(
                off.covers(parse_local_date(day).expect("day")),
                away,
                "{day}"
            );
        }
        let stored = serde_json::to_string(&off).expect("json");
        let back: TimeOff = serde_json::from_str(&stored).expect("back");
        assert_eq!(back, off);
        assert_eq!(off.periods()[0].start().to_string(), "2026-03-03", "sorted");
    }

    #[test]
    fn bad_period_lists_name_their_field() {
        let cases: [(&str, Vec<TimeOffPeriodInput>, &str); 6] = [
            (
                "not a date",
                vec![period("2026-03-0", "2026-03-05")],
                "periods[0].start_date",
            ),
            (
                "end before start",
                vec![period("2026-03-05", "2026-03-04")],
                "periods[0].end_date",
            ),
            (
                "in the past",
                vec![period("2026-02-01", "2026-02-03")],
                "periods[0].end_date",
            ),
            (
                "beyond a year",
                vec![period("2027-03-01", "2027-03-03")],
                "periods[0].end_date",
            ),
            (
                "overlap",
                vec![
                    period("2026-03-05", "2026-03-10"),
                    period("2026-03-10", "2026-03-11"),
                ],
                "periods",
            ),
            (
                "too many",
                vec![period("2026-03-05", "2026-03-05"); 51],
                "periods",
            ),
        ];
        for (why, input, field) in cases {
            let errors = TimeOff::parse(&input, today()).expect_err(why);
            assert_eq!(errors[0].0, field, "{why}");
        }
    }

    #[test]
    fn added_periods_are_those_the_old_list_lacked() {
        let old = TimeOff::parse(&[period("2026-03-03", "2026-03-04")], today()).expect("old");
        let new = TimeOff::parse(
            &[
                period("2026-03-03", "2026-03-04"),
                period("2026-03-10", "2026-03-10"),
            ],
            today(),
        )
        .expect("new");
        let added = new.added_since(&old);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].start().to_string(), "2026-03-10");
    }
}
