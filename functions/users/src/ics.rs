//! A user's lessons as an RFC 5545 calendar: CRLF line ends, content lines folded at 75
//! octets (never inside a UTF-8 character), TEXT values escaped (`\`, `;`, `,`, newlines),
//! times in UTC. Small enough to write here rather than pull in a crate for it.

use shared::store::bookings::{BookingRecord, BookingStatus};

/// Whose calendar it is: the other party's name goes in each lesson's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Student,
    Instructor,
}

const MAX_LINE_OCTETS: usize = 75;

/// A TEXT value with RFC 5545's escapes (3.3.11).
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded (3.1): after every 75 octets a CRLF and a space, only between
/// characters.
fn push_line(out: &mut String, line: &str) {
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            // The leading space counts towards the continuation line's 75.
            octets = 1;
        }
        out.push(c);
        octets += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// An RFC 3339 UTC time as an iCalendar UTC DATE-TIME (`20260303T080000Z`).
fn utc(timestamp: jiff::Timestamp) -> String {
    timestamp.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn status(booking: &BookingRecord) -> &'static str {
    match booking.status {
        BookingStatus::Pending => "TENTATIVE",
        BookingStatus::Confirmed | BookingStatus::Completed => "CONFIRMED",
        BookingStatus::Cancelled => "CANCELLED",
    }
}

fn push_event(out: &mut String, booking: &BookingRecord, viewer: Viewer, stamp: &str) {
    let Ok(slot) = booking.slot() else {
        // A booking whose stored time cannot be read has no place in a calendar.
        return;
    };
    let other = match viewer {
        Viewer::Student => &booking.instructor_name,
        Viewer::Instructor => &booking.student_name,
    };
    let lines = [
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape_text(&booking.id)),
        format!("DTSTAMP:{stamp}"),
        format!("DTSTART:{}", utc(slot.start())),
        format!("DTEND:{}", utc(slot.end())),
        format!("SEQUENCE:{}", booking.reschedule_count),
        format!("STATUS:{}", status(booking)),
        format!(
            "SUMMARY:{}",
            escape_text(&format!("Driving lesson with {other}"))
        ),
        format!("LOCATION:{}", escape_text(&booking.pickup_address)),
        "END:VEVENT".to_owned(),
    ];
    for line in &lines {
        push_line(out, line);
    }
}

/// The whole calendar; `now` is every event's DTSTAMP (when this copy was made).
pub fn calendar(bookings: &[BookingRecord], viewer: Viewer, now: jiff::Timestamp) -> String {
    let stamp = utc(now);
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Drive Alive//Lessons//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Drive Alive lessons",
    ] {
        push_line(&mut out, line);
    }
    for booking in bookings {
        push_event(&mut out, booking, viewer, &stamp);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::Rands;

    fn booking(status: BookingStatus, count: i64) -> BookingRecord {
        BookingRecord {
            id: "b-1".into(),
            instructor_id: "i".into(),
            student_id: "s".into(),
            instructor_name: "Thandi Mokoena".into(),
            student_name: "Sipho Dlamini".into(),
            instructor_email: String::new(),
            student_email: String::new(),
            lesson_start: "2026-03-03T08:00:00Z".into(),
            duration_minutes: 90,
            status,
            price: Rands::from_cents(52_500),
            pickup_address: "12 Station Road, Observatory; gate 2\\back".into(),
            pickup_latitude: None,
            pickup_longitude: None,
            created_at: String::new(),
            updated_at: String::new(),
            cancel_reason: None,
            cancelled_by: None,
            reviewed: false,
            rescheduled_from: None,
            reschedule_count: count,
            payment: Default::default(),
        }
    }

    fn now() -> jiff::Timestamp {
        "2026-03-01T10:00:00Z".parse().expect("now")
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(
            escape_text("a,b;c\\d\ne\r"),
            "a\\,b\\;c\\\\d\\ne",
            "comma, semicolon, backslash, newline; CR dropped"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(60));
        push_line(&mut out, &line);
        let physical: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 1, "{out:?}");
        for part in &physical {
            assert!(part.len() <= 75, "{} octets: {part:?}", part.len());
        }
        for part in &physical[1..] {
            assert!(part.starts_with(' '), "a continuation starts with a space");
        }
        let unfolded: String = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end_matches("\r\n"), line);
    }

    #[test]
    fn every_line_ends_in_crlf_and_an_event_carries_the_lesson() {
        let text = calendar(
            &[
                booking(BookingStatus::Confirmed, 1),
                booking(BookingStatus::Cancelled, 0),
            ],
            Viewer::Student,
            now(),
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
        for expected in [
            "UID:b-1",
            "DTSTAMP:20260301T100000Z",
            "DTSTART:20260303T080000Z",
            "DTEND:20260303T093000Z",
            "SEQUENCE:1",
            "STATUS:CONFIRMED",
            "STATUS:CANCELLED",
            "SUMMARY:Driving lesson with Thandi Mokoena",
            "LOCATION:12 Station Road\\, Observatory\\; gate 2\\\\back",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        let instructor = calendar(
            &[booking(BookingStatus::Pending, 0)],
            Viewer::Instructor,
            now(),
        );
        assert!(instructor.contains("SUMMARY:Driving lesson with Sipho Dlamini"));
        assert!(instructor.contains("STATUS:TENTATIVE"));
    }
}
