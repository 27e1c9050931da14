//! The notice as it travels (outbox item, queue message): who it is for, what it is about, and
//! only the secret its message must carry (a link token, a phone code). Everything else (names,
//! addresses, lesson times) is read when it is sent, so a queued notice never carries stale or
//! needless personal data.

use serde::{Deserialize, Serialize};

use crate::store::bookings::BookingRecord;

/// A notice. `id` is its dedup id: one id is sent at most once per [`Channel`], however often
/// it is enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    /// The recipient.
    pub user_id: String,
    #[serde(flatten)]
    pub kind: NoticeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeKind {
    /// The email-verification link.
    VerifyEmail { token: String },
    /// The password-reset link.
    PasswordReset { token: String },
    /// Someone tried to register with this account's email or phone.
    RegistrationAttempt,
    /// The code confirming a new phone number, by SMS to that number only.
    PhoneCode { phone: String, code: String },
    /// News of a booking, for one of its parties.
    Booking {
        booking_id: String,
        event: BookingEvent,
    },
}

/// What happened to a booking. New events (reschedules, refunds) are new variants here and a
/// text in `texts`; nothing else changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingEvent {
    /// A student asked for a lesson (to the instructor).
    Requested,
    /// The instructor confirmed it (to the student).
    Confirmed,
    /// It was cancelled (to a party).
    Cancelled,
    /// It starts in about 24 hours (to a party).
    Reminder,
    /// One party moved it (to the other).
    Rescheduled,
}

impl BookingEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Reminder => "reminder",
            Self::Rescheduled => "rescheduled",
        }
    }
}

/// How a notice reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "EMAIL" => Some(Self::Email),
            "SMS" => Some(Self::Sms),
            _ => None,
        }
    }
}

fn fresh_id(kind: &str) -> String {
    format!("{kind}#{}", uuid::Uuid::new_v4().simple())
}

impl Notice {
    pub fn verify_email(user_id: &str, token: &str) -> Self {
        Self {
            id: fresh_id("verify"),
            user_id: user_id.to_owned(),
            kind: NoticeKind::VerifyEmail {
                token: token.to_owned(),
            },
        }
    }

    pub fn password_reset(user_id: &str, token: &str) -> Self {
        Self {
            id: fresh_id("reset"),
            user_id: user_id.to_owned(),
            kind: NoticeKind::PasswordReset {
                token: token.to_owned(),
            },
        }
    }

    pub fn registration_attempt(user_id: &str) -> Self {
        Self {
            id: fresh_id("attempt"),
            user_id: user_id.to_owned(),
            kind: NoticeKind::RegistrationAttempt,
        }
    }

    pub fn phone_code(user_id: &str, phone: &str, code: &str) -> Self {
        Self {
            id: fresh_id("phone"),
            user_id: user_id.to_owned(),
            kind: NoticeKind::PhoneCode {
                phone: phone.to_owned(),
                code: code.to_owned(),
            },
        }
    }

    /// One event of one booking for one party, in the booking's current round (how often it was
    /// rescheduled): repeating the request that caused it (an `Idempotency-Key` replay, a job
    /// retry) sends nothing twice, while a lesson moved and confirmed again is told again.
    pub fn booking(event: BookingEvent, booking: &BookingRecord, recipient: &str) -> Self {
        Self::booking_round(event, &booking.id, booking.reschedule_count, recipient)
    }

    /// [`Notice::booking`] by its parts: the id is fixed by the four.
    pub fn booking_round(
        event: BookingEvent,
        booking_id: &str,
        round: i64,
        recipient: &str,
    ) -> Self {
        let event_name = event.as_str();
        Self {
            id: if round == 0 {
                format!("booking#{booking_id}#{event_name}#{recipient}")
            } else {
                format!("booking#{booking_id}#{event_name}.{round}#{recipient}")
            },
            user_id: recipient.to_owned(),
            kind: NoticeKind::Booking {
                booking_id: booking_id.to_owned(),
                event,
            },
        }
    }

    /// The reminder of a lesson starting at `lesson_start`: a rescheduled lesson gets its own.
    pub fn reminder(booking_id: &str, lesson_start: &str, recipient: &str) -> Self {
        Self {
            id: format!("reminder#{booking_id}#{lesson_start}#{recipient}"),
            ..Self::booking_round(BookingEvent::Reminder, booking_id, 0, recipient)
        }
    }

    /// The channels this notice goes by, before the recipient's preferences.
    pub fn channels(&self) -> &'static [Channel] {
        match self.kind {
            NoticeKind::PhoneCode { .. } => &[Channel::Sms],
            NoticeKind::Booking { .. } => &[Channel::Email, Channel::Sms],
            _ => &[Channel::Email],
        }
    }

    /// A name for logs and metrics (never the secret).
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NoticeKind::VerifyEmail { .. } => "verify_email",
            NoticeKind::PasswordReset { .. } => "password_reset",
            NoticeKind::RegistrationAttempt => "registration_attempt",
            NoticeKind::PhoneCode { .. } => "phone_code",
            NoticeKind::Booking { event, .. } => event.as_str(),
        }
    }

    pub fn booking_id(&self) -> Option<&str> {
        match &self.kind {
            NoticeKind::Booking { booking_id, .. } => Some(booking_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_round_trips_through_json_with_its_kind_named() {
        let notice = Notice::booking_round(BookingEvent::Requested, "b1", 0, "u1");
        let json = serde_json::to_value(&notice).expect("serialise");
        assert_eq!(json["kind"], "booking");
        assert_eq!(json["event"], "requested");
        let back: Notice = serde_json::from_value(json).expect("parse");
        assert_eq!(back, notice);
    }

    #[test]
    fn booking_notices_have_fixed_ids_and_token_notices_fresh_ones() {
        assert_eq!(
            Notice::booking_round(BookingEvent::Confirmed, "b1", 0, "u1").id,
            Notice::booking_round(BookingEvent::Confirmed, "b1", 0, "u1").id
        );
        assert_ne!(
            Notice::reminder("b1", "2026-01-01T08:00:00Z", "u1").id,
            Notice::reminder("b1", "2026-01-02T08:00:00Z", "u1").id
        );
        assert_ne!(
            Notice::verify_email("u1", "t").id,
            Notice::verify_email("u1", "t").id
        );
    }

    #[test]
    fn only_booking_notices_and_phone_codes_go_by_sms() {
        assert_eq!(Notice::verify_email("u", "t").channels(), &[Channel::Email]);
        assert_eq!(
            Notice::phone_code("u", "+27", "1").channels(),
            &[Channel::Sms]
        );
        assert!(Notice::booking_round(BookingEvent::Cancelled, "b", 0, "u")
            .channels()
            .contains(&Channel::Sms));
    }

    #[test]
    fn a_kind_name_never_carries_the_secret() {
        let notice = Notice::password_reset("u", "secret-token");
        assert!(!notice.kind_name().contains("secret"));
    }
}
