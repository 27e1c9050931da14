//! A booking and its item mapping.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::keys::{all_bookings_pk, booking_key, instructor_index_pk, student_index_pk};
use crate::domain::lesson::LessonSlot;
use crate::domain::{BookingStatus, Rands};
use crate::schema::{GSI1, GSI2, GSI3};
use crate::store::attr::{get_bool, get_n, get_s, n, put_opt, req_n, req_s, s, Item};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingRecord {
    pub id: String,
    pub instructor_id: String,
    pub student_id: String,
    pub instructor_name: String,
    pub student_name: String,
    /// Where the booking notices go; kept on the booking so sending one costs no extra read.
    #[serde(skip)]
    pub instructor_email: String,
    #[serde(skip)]
    pub student_email: String,
    /// RFC 3339 UTC.
    pub lesson_start: String,
    pub duration_minutes: i64,
    pub status: BookingStatus,
    pub price: Rands,
    pub pickup_address: String,
    pub pickup_latitude: Option<f64>,
    pub pickup_longitude: Option<f64>,
    pub created_at: String,
    pub updated_at: String,
    pub cancel_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub reviewed: bool,
    /// The start (RFC 3339 UTC) the lesson had before its latest reschedule.
    pub rescheduled_from: Option<String>,
    /// How often the lesson was moved: the calendar feed's `SEQUENCE`.
    pub reschedule_count: i64,
    /// Where its payment is (`crate::store::payments`).
    pub payment: super::payment::BookingPayment,
}

impl BookingRecord {
    /// Whether the lesson has begun at `now`: from then on it can no longer be confirmed or
    /// cancelled by its student (its instructor may still record a no-show or complete it).
    /// An unreadable stored start counts as started, the safer answer for both rules.
    pub fn has_started(&self, now: crate::clock::Now) -> bool {
        self.lesson_start
            .parse::<jiff::Timestamp>()
            .map_or(true, |start| start <= now.timestamp())
    }

    pub fn slot(&self) -> anyhow::Result<LessonSlot> {
        let start: jiff::Timestamp = self.lesson_start.parse().context("stored lesson_start")?;
        let duration = crate::domain::LessonDuration::parse(self.duration_minutes)
            .map_err(|e| anyhow::anyhow!("stored duration: {e}"))?;
        Ok(LessonSlot::from_stored(start, duration))
    }

    pub fn to_item(&self) -> Item {
        let order = format!("{}#{}", self.lesson_start, self.id);
        let mut item = booking_key(&self.id);
        let fields = [
            ("booking_id", s(&self.id)),
            ("instructor_id", s(&self.instructor_id)),
            ("student_id", s(&self.student_id)),
            ("instructor_name", s(&self.instructor_name)),
            ("student_name", s(&self.student_name)),
            ("instructor_email", s(&self.instructor_email)),
            ("student_email", s(&self.student_email)),
            ("lesson_start", s(&self.lesson_start)),
            ("duration_minutes", n(self.duration_minutes)),
            ("status", s(self.status.as_str())),
            ("price_cents", n(self.price.cents())),
            ("pickup_address", s(&self.pickup_address)),
            ("created_at", s(&self.created_at)),
            ("updated_at", s(&self.updated_at)),
            ("reviewed", AttributeValue::Bool(self.reviewed)),
            (
                GSI1.partition_key,
                s(instructor_index_pk(&self.instructor_id)),
            ),
            (GSI1.sort_key, s(&order)),
            (GSI2.partition_key, s(student_index_pk(&self.student_id))),
            (GSI2.sort_key, s(&order)),
            (GSI3.partition_key, s(all_bookings_pk(&self.id))),
            (GSI3.sort_key, s(&order)),
        ];
        for (name, value) in fields {
            item.insert(name.to_owned(), value);
        }
        put_opt(&mut item, "pickup_latitude", self.pickup_latitude.map(n));
        put_opt(&mut item, "pickup_longitude", self.pickup_longitude.map(n));
        put_opt(
            &mut item,
            "cancel_reason",
            self.cancel_reason.as_ref().map(s),
        );
        put_opt(&mut item, "cancelled_by", self.cancelled_by.as_ref().map(s));
        put_opt(
            &mut item,
            "rescheduled_from",
            self.rescheduled_from.as_ref().map(s),
        );
        if self.reschedule_count > 0 {
            item.insert("reschedule_count".to_owned(), n(self.reschedule_count));
        }
        self.payment.write(&mut item);
        item
    }
}

impl TryFrom<&Item> for BookingRecord {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        Ok(Self {
            id: req_s(item, "booking_id")?,
            instructor_id: req_s(item, "instructor_id")?,
            student_id: req_s(item, "student_id")?,
            instructor_name: req_s(item, "instructor_name")?,
            student_name: req_s(item, "student_name")?,
            instructor_email: get_s(item, "instructor_email")
                .unwrap_or_default()
                .to_owned(),
            student_email: get_s(item, "student_email").unwrap_or_default().to_owned(),
            lesson_start: req_s(item, "lesson_start")?,
            duration_minutes: req_n(item, "duration_minutes")?,
            status: get_s(item, "status")
                .and_then(BookingStatus::parse)
                .context("booking has no valid status")?,
            price: Rands::from_cents(req_n(item, "price_cents")?),
            pickup_address: req_s(item, "pickup_address")?,
            pickup_latitude: get_n(item, "pickup_latitude"),
            pickup_longitude: get_n(item, "pickup_longitude"),
            created_at: req_s(item, "created_at")?,
            updated_at: req_s(item, "updated_at")?,
            cancel_reason: get_s(item, "cancel_reason").map(str::to_owned),
            cancelled_by: get_s(item, "cancelled_by").map(str::to_owned),
            reviewed: get_bool(item, "reviewed").unwrap_or(false),
            rescheduled_from: get_s(item, "rescheduled_from").map(str::to_owned),
            reschedule_count: get_n(item, "reschedule_count").unwrap_or(0),
            payment: super::payment::BookingPayment::read(item),
        })
    }
}
