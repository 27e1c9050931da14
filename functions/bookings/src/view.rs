//! A booking as clients see it (SPEC §3a).

use serde::Serialize;
use utoipa::ToSchema;

use shared::domain::PaymentStatus;
use shared::store::bookings::{BookingRecord, BookingStatus};

/// A lesson booking.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Booking)]
pub struct BookingView {
    id: String,
    instructor_id: String,
    student_id: String,
    instructor_name: String,
    student_name: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    lesson_start: String,
    duration_minutes: i64,
    status: BookingStatus,
    /// Rand: the instructor's hourly rate pro rata.
    price: f64,
    pickup_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pickup_latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pickup_longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancel_reason: Option<String>,
    /// The start (RFC 3339, UTC) before the latest reschedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    rescheduled_from: Option<String>,
    /// Whether the student has reviewed the lesson.
    reviewed: bool,
    payment_status: PaymentStatus,
    /// Rand: what the cancellation of the paid lesson refunds (refunded, or owed while the
    /// refund is being made); 0 when the policy refunds nothing. Absent when not cancelled
    /// after payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_amount: Option<f64>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<BookingRecord> for BookingView {
    fn from(b: BookingRecord) -> Self {
        Self {
            id: b.id,
            instructor_id: b.instructor_id,
            student_id: b.student_id,
            instructor_name: b.instructor_name,
            student_name: b.student_name,
            lesson_start: b.lesson_start,
            duration_minutes: b.duration_minutes,
            status: b.status,
            price: b.price.as_f64(),
            pickup_address: b.pickup_address,
            pickup_latitude: b.pickup_latitude,
            pickup_longitude: b.pickup_longitude,
            cancel_reason: b.cancel_reason,
            rescheduled_from: b.rescheduled_from,
            reviewed: b.reviewed,
            payment_status: b.payment.status,
            refund_amount: b
                .payment
                .refund_cents
                .map(|c| shared::domain::Rands::from_cents(c).as_f64()),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}
