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

/// " from <the old local time>" of a rescheduled booking, empty when it was never moved.
fn moved_from(booking: &BookingRecord) -> String {
    booking
        .rescheduled_from
        .as_deref()
        .and_then(|start| start.parse::<jiff::Timestamp>().ok())
        .map(|start| format!(" from {} at {}", local_date_of(start), local_hhmm(start)))
        .unwrap_or_default()
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
        BookingEvent::Rescheduled => (
            "Your driving lesson was rescheduled".into(),
            format!(
                "{other} moved the lesson{} to {}. Pickup: {}.\n\nSee it in the app: \
                 {url}/bookings/{}\n",
                moved_from(booking),
                when(booking),
                booking.pickup_address,
                booking.id
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
                BookingEvent::Rescheduled => format!(
                    "Drive Alive: {other} moved your lesson{} to {}.",
                    moved_from(booking),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountStatus, Email, PhoneNumber, Rands, Role};
    use crate::store::users::NewAccount;

    fn user(id: &str) -> UserRecord {
        UserRecord {
            user_id: id.into(),
            ..UserRecord::new_account(NewAccount {
                role: Role::Student,
                status: AccountStatus::Active,
                email: Email::parse("thandi@example.co.za").expect("email"),
                phone: PhoneNumber::parse("0825550101").expect("phone"),
                password_hash: "h".into(),
                first_name: "Thandi".into(),
                last_name: "M".into(),
                now: "2026-03-01T08:00:00Z".into(),
            })
        }
    }

    fn booking() -> BookingRecord {
        BookingRecord {
            id: "b1".into(),
            instructor_id: "i1".into(),
            student_id: "s1".into(),
            instructor_name: "Sipho Dlamini".into(),
            student_name: "Thandi M".into(),
            instructor_email: "sipho@example.co.za".into(),
            student_email: "thandi@example.co.za".into(),
            lesson_start: "2026-03-10T08:00:00Z".into(),
            duration_minutes: 60,
            status: crate::domain::BookingStatus::Confirmed,
            price: Rands::from_cents(30_000),
            pickup_address: "12 Station Road".into(),
            pickup_latitude: None,
            pickup_longitude: None,
            created_at: "2026-03-01T08:00:00Z".into(),
            updated_at: "2026-03-01T08:00:00Z".into(),
            cancel_reason: Some("Sick".into()),
            cancelled_by: None,
            reviewed: false,
            rescheduled_from: None,
            reschedule_count: 0,
            payment: Default::default(),
        }
    }

    #[test]
    fn a_link_token_goes_into_the_email_only() {
        let recipient = user("s1");
        let ctx = Context {
            public_url: "https://drivealive.co.za",
            recipient: &recipient,
            booking: None,
        };
        let notice = Notice::password_reset("s1", "tok3n");
        let email = email_of(&notice, &ctx).expect("an email");
        assert!(email
            .text
            .contains("https://drivealive.co.za/reset-password?token=tok3n"));
        assert_eq!(email.to, "thandi@example.co.za");
        assert_eq!(sms_of(&notice, &ctx), None);
    }

    #[test]
    fn booking_texts_name_the_other_party_in_local_time() {
        let (student, lesson) = (user("s1"), booking());
        let ctx = Context {
            public_url: "https://drivealive.co.za",
            recipient: &student,
            booking: Some(&lesson),
        };
        let reminder = Notice::reminder("b1", &lesson.lesson_start, "s1");
        let sms = sms_of(&reminder, &ctx).expect("an SMS");
        assert_eq!(sms.to, "+27825550101");
        assert!(sms.text.contains("Sipho Dlamini"), "{}", sms.text);
        assert!(
            sms.text.contains("10:00"),
            "Johannesburg time: {}",
            sms.text
        );
        let cancelled = Notice::booking_round(BookingEvent::Cancelled, "b1", 0, "s1");
        let email = email_of(&cancelled, &ctx).expect("an email");
        assert!(email.text.contains("Reason: Sick"), "{}", email.text);
    }

    #[test]
    fn a_booking_notice_without_its_booking_renders_nothing() {
        let recipient = user("s1");
        let ctx = Context {
            public_url: "https://drivealive.co.za",
            recipient: &recipient,
            booking: None,
        };
        let notice = Notice::booking_round(BookingEvent::Confirmed, "b1", 0, "s1");
        assert_eq!(email_of(&notice, &ctx).map(|e| e.subject), None);
        assert_eq!(sms_of(&notice, &ctx), None);
    }
}
