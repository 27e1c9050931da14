//! `shared::domain::lesson::LessonSlot::parse` (the booking's date, time and length) and
//! `shared::domain::WorkingHours::parse` (an instructor's weekly hours). A parsed lesson is in
//! the bookable future, on quarter hours, and says back the local date and time it was given;
//! parsed hours are sorted, disjoint windows inside the day that round-trip, read from times
//! written as HH:MM.
#![no_main]

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use shared::domain::lesson::{local_date_of, local_hhmm, LessonSlot, MAX_DAYS_AHEAD, SLOT_MINUTES};
use shared::domain::{LessonDuration, WorkingHours, WorkingHoursInput, WEEKDAYS};

/// One weekday's entry as typed: the weekday (or, when `None`, a fuzzed name) and its windows.
type DayInput<'a> = (Option<u8>, &'a str, Vec<(&'a str, &'a str)>);

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// Empty: the local date `days_ahead` after `now`, so the future-window checks pass often.
    date: &'a str,
    days_ahead: u8,
    time: &'a str,
    minutes: u8,
    now: u32,
    hours: Vec<DayInput<'a>>,
    probe: (u16, u16),
}

/// Exactly `HH:MM`: two ASCII digits, a colon, two ASCII digits.
fn is_hh_mm(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
}

fuzz_target!(|input: Input<'_>| {
    let now = Timestamp::from_second(drive_alive_fuzz::clock(input.now)).expect("in range");
    let minutes = 30 + i64::from(input.minutes % 15) * 15;
    let duration = LessonDuration::parse(minutes).expect("a valid length");
    let derived =
        local_date_of(now + SignedDuration::from_hours(24 * i64::from(input.days_ahead % 95)))
            .to_string();
    let date = if input.date.is_empty() {
        derived.as_str()
    } else {
        input.date
    };
    if let Ok(slot) = LessonSlot::parse(date, input.time, duration, now) {
        assert!(slot.start() > now, "in the past");
        assert!(slot.start() <= now + SignedDuration::from_hours(24 * MAX_DAYS_AHEAD));
        assert_eq!(
            slot.start().as_second() % (SLOT_MINUTES * 60),
            0,
            "off the quarter hour"
        );
        assert_eq!(slot.quarters().len() as i64, minutes / SLOT_MINUTES);
        assert_eq!(
            slot.end().duration_since(slot.start()),
            SignedDuration::from_mins(minutes)
        );
        // The lesson is where the student asked for it, in the words they used.
        assert_eq!(
            local_hhmm(slot.start()),
            input.time.trim(),
            "another time than asked"
        );
        assert_eq!(
            local_date_of(slot.start()).to_string(),
            date.trim(),
            "another date"
        );
        assert_eq!(slot.local_start_minute() % SLOT_MINUTES, 0);
    }

    let hours: WorkingHoursInput = input
        .hours
        .iter()
        .map(|(day, name, windows)| {
            let name = match day {
                Some(day) => WEEKDAYS[usize::from(*day) % 7].0.to_owned(),
                None => (*name).to_owned(),
            };
            let windows = windows
                .iter()
                .map(|(start, end)| [(*start).to_owned(), (*end).to_owned()])
                .collect();
            (name, windows)
        })
        .collect::<BTreeMap<_, _>>();
    if let Ok(parsed) = WorkingHours::parse(&hours) {
        assert_eq!(
            WorkingHours::parse(&parsed.to_input()).as_ref(),
            Ok(&parsed)
        );
        for (_, day) in WEEKDAYS {
            let windows = parsed.windows(day);
            for (start, end) in windows {
                assert!(0 <= *start && start < end && *end <= 24 * 60);
                assert_eq!((start % SLOT_MINUTES, end % SLOT_MINUTES), (0, 0));
            }
            assert!(
                windows.windows(2).all(|w| w[0].1 <= w[1].0),
                "overlapping windows"
            );
            let (start, length) = (
                i64::from(input.probe.0 % 1440),
                i64::from(input.probe.1 % 241),
            );
            let fits = parsed.fits(day, start, length);
            let inside = windows
                .iter()
                .any(|(s, e)| *s <= start && start + length <= *e);
            assert_eq!(fits, inside);
        }
        for text in hours.values().flatten().flatten() {
            assert!(is_hh_mm(text), "accepted {text:?} as a time");
        }
    }
});
