//! Lessons in time: planned in Africa/Johannesburg local time, stored in UTC. A lesson is
//! 30–240 minutes in 15-minute steps, starts on a quarter hour, in the future and at most
//! 90 days ahead. It occupies whole quarter-hour slots, which is what makes double booking
//! detectable with plain key conditions.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{DomainError, Rands};

pub const LESSON_TIME_ZONE: &str = "Africa/Johannesburg";
pub const SLOT_MINUTES: i64 = 15;
pub const MAX_DAYS_AHEAD: i64 = 90;

/// The lesson time zone. The tz database is compiled in, so this cannot fail at run time on a
/// machine without /usr/share/zoneinfo; the fixed +02:00 fallback is South Africa's offset
/// (no daylight saving since 1944) should it ever be missing.
pub fn lesson_time_zone() -> TimeZone {
    TimeZone::get(LESSON_TIME_ZONE)
        .unwrap_or_else(|_| TimeZone::fixed(jiff::tz::Offset::constant(2)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonDuration(i64);

impl LessonDuration {
    pub fn parse(minutes: i64) -> Result<Self, DomainError> {
        if !(30..=240).contains(&minutes) || minutes % SLOT_MINUTES != 0 {
            return Err(DomainError::new(
                "must be between 30 and 240 minutes in steps of 15",
            ));
        }
        Ok(Self(minutes))
    }

    pub fn minutes(self) -> i64 {
        self.0
    }

    /// The price of a lesson this long: the hourly rate pro rata, rounded to the nearest cent.
    pub fn price(self, hourly_rate: Rands) -> Rands {
        Rands::from_cents((hourly_rate.cents() * self.0 + 30) / 60)
    }
}

pub fn parse_local_date(text: &str) -> Result<Date, DomainError> {
    let date: Date = text
        .trim()
        .parse()
        .map_err(|_| DomainError::new("must be a date as YYYY-MM-DD"))?;
    if text.trim().len() != 10 {
        return Err(DomainError::new("must be a date as YYYY-MM-DD"));
    }
    Ok(date)
}

/// Exactly `HH:MM`: jiff's ISO 8601 parser also takes other spellings of five characters
/// (`"10+02"` is 10:00 with an offset it then ignores), which must not book a lesson.
fn is_hh_mm(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5 && b[2] == b':' && [b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit)
}

pub fn parse_local_time(text: &str) -> Result<Time, DomainError> {
    let text = text.trim();
    let bad = || DomainError::new("must be a time as HH:MM");
    if !is_hh_mm(text) {
        return Err(bad());
    }
    let time: Time = text.parse().map_err(|_| bad())?;
    if i64::from(time.minute()) % SLOT_MINUTES != 0 {
        return Err(DomainError::new(
            "must start on a quarter hour (:00, :15, :30, :45)",
        ));
    }
    Ok(time)
}

/// The UTC instant of a local date and time.
pub fn local_to_utc(date: Date, time: Time) -> Result<Timestamp, DomainError> {
    date.to_datetime(time)
        .to_zoned(lesson_time_zone())
        .map(|z| z.timestamp())
        .map_err(|_| DomainError::new("is not a valid local time"))
}

/// `[start, end)` of a local day, in UTC.
pub fn local_day_bounds(date: Date) -> Result<(Timestamp, Timestamp), DomainError> {
    let start = local_to_utc(date, Time::midnight())?;
    Ok((start, start + SignedDuration::from_hours(24)))
}

pub fn local_date_of(instant: Timestamp) -> Date {
    instant.to_zoned(lesson_time_zone()).date()
}

pub fn local_hhmm(instant: Timestamp) -> String {
    let time = instant.to_zoned(lesson_time_zone()).time();
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// A lesson's place in time, validated against `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonSlot {
    start: Timestamp,
    duration: LessonDuration,
    local_date: Date,
    local_time: Time,
}

/// Which request field a lesson-time error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonTimeError {
    pub field: &'static str,
    pub error: DomainError,
}

impl LessonSlot {
    pub fn parse(
        date: &str,
        time: &str,
        duration: LessonDuration,
        now: Timestamp,
    ) -> Result<Self, LessonTimeError> {
        let on = |field: &'static str| move |error: DomainError| LessonTimeError { field, error };
        let local_date = parse_local_date(date).map_err(on("lesson_date"))?;
        let local_time = parse_local_time(time).map_err(on("lesson_time"))?;
        let start = local_to_utc(local_date, local_time).map_err(on("lesson_time"))?;
        if start <= now {
            return Err(on("lesson_date")(DomainError::new("must be in the future")));
        }
        if start > now + SignedDuration::from_hours(24 * MAX_DAYS_AHEAD) {
            return Err(on("lesson_date")(DomainError::new(
                "must be at most 90 days ahead",
            )));
        }
        Ok(Self {
            start,
            duration,
            local_date,
            local_time,
        })
    }

    /// A slot read back from storage (already validated when it was booked).
    pub fn from_stored(start: Timestamp, duration: LessonDuration) -> Self {
        let zoned = start.to_zoned(lesson_time_zone());
        Self {
            start,
            duration,
            local_date: zoned.date(),
            local_time: zoned.time(),
        }
    }

    pub fn start(&self) -> Timestamp {
        self.start
    }

    pub fn end(&self) -> Timestamp {
        self.start + SignedDuration::from_mins(self.duration.minutes())
    }

    pub fn duration(&self) -> LessonDuration {
        self.duration
    }

    pub fn local_date(&self) -> Date {
        self.local_date
    }

    pub fn local_time(&self) -> Time {
        self.local_time
    }

    /// Minutes after local midnight at which the lesson starts.
    pub fn local_start_minute(&self) -> i64 {
        i64::from(self.local_time.hour()) * 60 + i64::from(self.local_time.minute())
    }

    /// The start of every quarter hour the lesson occupies.
    pub fn quarters(&self) -> Vec<Timestamp> {
        (0..self.duration.minutes() / SLOT_MINUTES)
            .map(|i| self.start + SignedDuration::from_mins(i * SLOT_MINUTES))
            .collect()
    }
}

/// Quarter-hour keys are RFC 3339 UTC without fractions, so they sort and compare as text.
pub fn quarter_key(instant: Timestamp) -> String {
    instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_is_the_hourly_rate_pro_rata_to_the_cent() {
        let price = |rate: i64, minutes: i64| {
            LessonDuration::parse(minutes)
                .expect("duration")
                .price(Rands::from_cents(rate))
                .cents()
        };
        assert_eq!(price(35_000, 60), 35_000);
        assert_eq!(price(35_000, 90), 52_500);
        assert_eq!(price(33_333, 45), 25_000);
        assert_eq!(price(10_001, 30), 5_001);
    }

    fn now() -> Timestamp {
        "2026-03-02T06:00:00Z".parse().expect("timestamp")
    }

    #[test]
    fn durations_are_30_to_240_minutes_in_quarter_hours() {
        for ok in [30, 45, 60, 90, 240] {
            assert!(LessonDuration::parse(ok).is_ok(), "{ok}");
        }
        for bad in [0, 15, 50, 245, 255, -60] {
            assert!(LessonDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_johannesburg_time_is_stored_as_utc() {
        let slot =
            LessonSlot::parse("2026-03-03", "10:30", LessonDuration(60), now()).expect("valid");
        assert_eq!(quarter_key(slot.start()), "2026-03-03T08:30:00Z");
        assert_eq!(quarter_key(slot.end()), "2026-03-03T09:30:00Z");
        assert_eq!(slot.quarters().len(), 4);
        assert_eq!(local_hhmm(slot.start()), "10:30");
    }

    #[test]
    fn bad_lesson_times_name_their_field() {
        let cases = [
            (
                "2026-03-03",
                "10:10",
                "lesson_time",
                "not on a quarter hour",
            ),
            ("2026-03-03", "25:00", "lesson_time", "no such time"),
            ("2026-03-03", "10+02", "lesson_time", "an offset, not HH:MM"),
            ("2026-03-03", "1030Z", "lesson_time", "no colon"),
            ("03/03/2026", "10:00", "lesson_date", "wrong date format"),
            (
                "2026-03-02",
                "07:00",
                "lesson_date",
                "in the past (05:00 UTC)",
            ),
            (
                "2026-06-15",
                "10:00",
                "lesson_date",
                "more than 90 days ahead",
            ),
        ];
        for (date, time, field, why) in cases {
            let err = LessonSlot::parse(date, time, LessonDuration(60), now()).expect_err(why);
            assert_eq!(err.field, field, "{why}");
        }
    }

    #[test]
    fn day_bounds_are_local_midnights() {
        let date = parse_local_date("2026-03-03").expect("date");
        let (start, end) = local_day_bounds(date).expect("bounds");
        assert_eq!(quarter_key(start), "2026-03-02T22:00:00Z");
        assert_eq!(quarter_key(end), "2026-03-03T22:00:00Z");
    }
}
