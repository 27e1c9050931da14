//! Booking notices: to the instructor on a new booking, to the student on confirmation and
//! cancellation, to the other party on a reschedule. Sent after the change is stored; a
//! delivery failure is logged, not undone.

use shared::domain::lesson::{local_date_of, local_hhmm};
use shared::mail::OutgoingEmail;
use shared::store::bookings::BookingRecord;
use shared::AppState;

fn when(booking: &BookingRecord) -> String {
    match booking.lesson_start.parse::<jiff::Timestamp>() {
        Ok(start) => format!(
            "{} at {} ({} minutes)",
            local_date_of(start),
            local_hhmm(start),
            booking.duration_minutes
        ),
        Err(_) => booking.lesson_start.clone(),
    }
}

pub fn new_booking(to: &str, booking: &BookingRecord, public_url: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("New lesson request from {}", booking.student_name),
        text: format!(
            "{} asked for a lesson on {}, pickup at {}.\n\nConfirm or decline it in the app: \
             {public_url}/bookings/{}\n",
            booking.student_name,
            when(booking),
            booking.pickup_address,
            booking.id
        ),
    }
}

pub fn confirmed(to: &str, booking: &BookingRecord) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Your driving lesson is confirmed".into(),
        text: format!(
            "{} confirmed your lesson on {}. Pickup: {}.\n",
            booking.instructor_name,
            when(booking),
            booking.pickup_address
        ),
    }
}

pub fn cancelled(to: &str, booking: &BookingRecord, reason: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Your driving lesson was cancelled".into(),
        text: format!(
            "The lesson with {} on {} was cancelled.\nReason: {reason}\n",
            booking.instructor_name,
            when(booking)
        ),
    }
}

/// To the party who did not move the lesson: its new time and the old one.
pub fn rescheduled(
    to: &str,
    booking: &BookingRecord,
    moved_by: &str,
    public_url: &str,
) -> OutgoingEmail {
    let before = booking
        .rescheduled_from
        .as_deref()
        .and_then(|start| start.parse::<jiff::Timestamp>().ok())
        .map(|start| format!("{} at {}", local_date_of(start), local_hhmm(start)))
        .unwrap_or_default();
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Your driving lesson was rescheduled".into(),
        text: format!(
            "{moved_by} moved the lesson from {before} to {}. Pickup: {}.\n\nSee it in the \
             app: {public_url}/bookings/{}\n",
            when(booking),
            booking.pickup_address,
            booking.id
        ),
    }
}

/// Sends one notice; answers whether it went out.
pub async fn deliver(state: &AppState, email: OutgoingEmail, kind: &'static str) -> bool {
    match state.mailer.send(email).await {
        Ok(()) => true,
        Err(err) => {
            tracing::error!(kind, error = %err, "booking email not sent");
            shared::metrics::count("EmailsFailed");
            false
        }
    }
}
