//! The words of every notice: the email and, where it has one, the SMS. Links are built from
//! the configured public URL, never from a request's Host header. An SMS never carries a link
//! token or a password; the only secret one carries is a phone code, to the phone it confirms.

use super::notice::{BookingEvent, Notice, NoticeKind};
use crate::domain::lesson::{local_date_of, local_hhmm};
use crate::mail::OutgoingEmail;
use crate::store::bookings::BookingRecord;
use crate::store::users::UserRecord;

/// What a notice is rendered with, read when it is sent.
pub struct Context<'a> {
    pub public_url: &'a str,
    pub recipient: &'a UserRecord,
    /// The booking of a booking notice.
    pub booking: Option<&'a BookingRecord>,
}

/// An SMS: the number (E.164) and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub text: String,
}

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

/// The other party of `booking`, seen from `recipient`.
fn other_party<'b>(booking: &'b BookingRecord, recipient: &UserRecord) -> &'b str {
    if recipient.user_id == booking.instructor_id {
        &booking.student_name
    } else {
        &booking.instructor_name
    }
}

fn email(to: &UserRecord, subject: String, text: String) -> OutgoingEmail {
    OutgoingEmail {
        to: to.email.as_str().to_owned(),
        subject,
        text,
    }
}

/// The email of `notice`, `None` when it has none (or its booking is missing).
pub fn email_of(notice: &Notice, ctx: &Context<'_>) -> Option<OutgoingEmail> {
    let (url, user) = (ctx.public_url, ctx.recipient);
    let name = &user.first_name;
    Some(match &notice.kind {
        NoticeKind::VerifyEmail { token } => email(
            user,
            "Verify your Drive Alive email address".into(),
            format!(
                "Hi {name},\n\nWelcome to Drive Alive. Confirm your email address to start \
                 booking lessons:\n\n{url}/verify?token={token}\n\nThe link works once and \
                 expires in 24 hours. If you did not sign up, ignore this email.\n"
            ),
        ),
        NoticeKind::PasswordReset { token } => email(
            user,
            "Reset your Drive Alive password".into(),
            format!(
                "Hi {name},\n\nSomeone asked to reset the password of your Drive Alive \
                 account. To choose a new one, open:\n\n{url}/reset-password?token={token}\n\n\
                 The link works once and expires in 1 hour. If it was not you, ignore this \
                 email; your password stays as it is.\n"
            ),
        ),
        NoticeKind::RegistrationAttempt => email(
            user,
            "Someone tried to register with your Drive Alive details".into(),
            format!(
                "Hi {name},\n\nSomeone tried to create a Drive Alive account with the email \
                 address or phone number of your account. Your account is unchanged and no new \
                 one was made. If it was you, sign in instead; if you forgot your password, \
                 reset it at:\n\n{url}/reset-password\n\nIf it was not you, you can ignore \
                 this email.\n"
            ),
        ),
        NoticeKind::PhoneCode { .. } => return None,
        NoticeKind::Booking { event, .. } => {
            let booking = ctx.booking?;
            let (subject, text) = booking_email(*event, booking, user, url);
            email(user, subject, text)
        }
    })
}

fn booking_email(
    event: BookingEvent,
    booking: &BookingRecord,
    recipient: &UserRecord,
    url: &str,
) -> (String, String) {
    let other = other_party(booking, recipient);
    match event {
        BookingEvent::Requested => (
            format!("New lesson request from {}", booking.student_name),
            format!(
                "{} asked for a lesson on {}, pickup at {}.\n\nConfirm or decline it in the \
                 app: {url}/bookings/{}\n",
                booking.student_name,
                when(booking),
                booking.pickup_address,
                booking.id
            ),
        ),
        BookingEvent::Confirmed => (
            "Your driving lesson is confirmed".into(),
            format!(
                "{} confirmed your lesson on {}. Pickup: {}.\n",
                booking.instructor_name,
                when(booking),
                booking.pickup_address
            ),
        ),
        BookingEvent::Cancelled => (
            "Your driving lesson was cancelled".into(),
            format!(
                "The lesson with {other} on {} was cancelled.\nReason: {}\n",
                when(booking),
                booking.cancel_reason.as_deref().unwrap_or("not given")
            ),
        ),
        BookingEvent::Reminder => (
            "Reminder: your driving lesson tomorrow".into(),
            format!(
                "Your lesson with {other} is on {}. Pickup: {}.\n",
                when(booking),
                booking.pickup_address
            ),
        ),
    }
}

/// The SMS of `notice`, `None` when it has none. Whether the recipient wants SMS is the
/// sender's question (`UserRecord::sms_notifications`); the phone code always goes.
pub fn sms_of(notice: &Notice, ctx: &Context<'_>) -> Option<Sms> {
    match &notice.kind {
        NoticeKind::PhoneCode { phone, code } => Some(Sms {
            to: phone.clone(),
            text: format!(
                "Drive Alive: your code to confirm this phone number is {code}. It expires in \
                 10 minutes."
            ),
        }),
        NoticeKind::Booking { event, .. } => {
            let booking = ctx.booking?;
            let other = other_party(booking, ctx.recipient);
            let text = match event {
                BookingEvent::Requested => format!(
                    "Drive Alive: {} asked for a lesson on {}. Open the app to confirm.",
                    booking.student_name,
                    when(booking)
                ),
                BookingEvent::Confirmed => format!(
                    "Drive Alive: {} confirmed your lesson on {}.",
                    booking.instructor_name,
                    when(booking)
                ),
                BookingEvent::Cancelled => format!(
                    "Drive Alive: your lesson with {other} on {} was cancelled.",
                    when(booking)
                ),
                BookingEvent::Reminder => format!(
                    "Drive Alive: reminder, your lesson with {other} is on {}.",
                    when(booking)
                ),
            };
            Some(Sms {
                to: ctx.recipient.phone.as_str().to_owned(),
                text,
            })
        }
        _ => None,
    }
}
