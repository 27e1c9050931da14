//! Marketplace fixtures: verified instructors at real places, signed-in students, lesson dates
//! on working days, and bookings written straight to the table for volume tests.

use jiff::civil::Weekday;
use serde_json::{json, Value};

use shared::domain::lesson::local_date_of;
use shared::store::bookings::{BookingRecord, BookingStatus};
use shared::store::instructors::{listing_keys, verification_update, Decision};
use shared::store::users;

use crate::accounts::{instructor_body, LoggedIn, TestUser};
use crate::app::TestApp;

pub struct Place {
    pub city: &'static str,
    pub suburb: &'static str,
    pub lat: f64,
    pub lng: f64,
}

pub const CAPE_TOWN: Place = Place {
    city: "Cape Town",
    suburb: "Gardens",
    lat: -33.9321,
    lng: 18.4106,
};
pub const STELLENBOSCH: Place = Place {
    city: "Stellenbosch",
    suburb: "Die Boord",
    lat: -33.9367,
    lng: 18.8458,
};
pub const JOHANNESBURG: Place = Place {
    city: "Johannesburg",
    suburb: "Braamfontein",
    lat: -26.1929,
    lng: 28.0305,
};

/// A weekday (Monday–Friday, when the standard hours apply) at least `days` days ahead.
pub fn working_day(days: i64) -> String {
    let mut date = local_date_of(jiff::Timestamp::now()) + jiff::Span::new().days(days);
    while matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
        date += jiff::Span::new().days(1);
    }
    date.to_string()
}

impl TestApp {
    /// What the admin group's verify route does: mark verified and add the listing keys.
    pub async fn verify_instructor(&self, user_id: &str) {
        let table = &self.state.config.table_name;
        let user = users::get(&self.state.aws.dynamodb, table, user_id)
            .await
            .expect("read")
            .expect("instructor exists");
        let details = user.instructor.as_ref().expect("an instructor");
        let keys = listing_keys(
            user_id,
            &user.city,
            &user.last_name,
            details.latitude,
            details.longitude,
        );
        let update = verification_update(
            table,
            user_id,
            Decision::Verify,
            keys,
            &shared::clock::now_rfc3339(),
        )
        .expect("update");
        shared::store::transact::transact(
            &self.state.aws.dynamodb,
            vec![aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .update(update)
                .build()],
        )
        .await
        .expect("verify the instructor");
    }

    /// A registered, email-verified, admin-verified instructor at `place`.
    pub async fn listed_instructor(&self, place: &Place, hourly_rate: f64) -> TestUser {
        let mut body = instructor_body();
        body["city"] = place.city.into();
        body["suburb"] = place.suburb.into();
        body["latitude"] = place.lat.into();
        body["longitude"] = place.lng.into();
        body["hourly_rate"] = hourly_rate.into();
        let user = self.verified_user("instructor", body).await;
        self.verify_instructor(&user.user_id).await;
        user
    }

    pub async fn signed_in_student(&self) -> LoggedIn {
        let user = self.verified_student().await;
        self.login(&user).await
    }

    pub async fn post_booking(
        &self,
        session: &LoggedIn,
        instructor_id: &str,
        date: &str,
        time: &str,
        minutes: i64,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/bookings"))
            .bearer_auth(&session.access_token)
            .json(&json!({
                "instructor_id": instructor_id,
                "lesson_date": date,
                "lesson_time": time,
                "duration_minutes": minutes,
                "pickup_address": "12 Station Road, Observatory"
            }))
            .send()
            .await
            .expect("send")
    }

    /// Books and returns the booking JSON (asserting 201).
    pub async fn book(
        &self,
        session: &LoggedIn,
        instructor_id: &str,
        date: &str,
        time: &str,
        minutes: i64,
    ) -> Value {
        let response = self
            .post_booking(session, instructor_id, date, time, minutes)
            .await;
        assert_eq!(
            response.status(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("JSON")
    }

    pub async fn post_as(&self, session: &LoggedIn, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&session.access_token)
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    /// Writes `count` bookings straight to the table (no slots), for volume tests: the routes
    /// under test read bookings, so how they were made does not matter.
    pub async fn seed_bookings(
        &self,
        student_id: &str,
        instructor_id: &str,
        count: usize,
        status: BookingStatus,
    ) -> Vec<BookingRecord> {
        let table = &self.state.config.table_name;
        let mut made = Vec::with_capacity(count);
        for chunk in (0..count).collect::<Vec<_>>().chunks(25) {
            let mut writes = Vec::new();
            for i in chunk {
                let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 30)
                    + jiff::SignedDuration::from_mins(15 * *i as i64);
                let booking = BookingRecord {
                    id: uuid::Uuid::new_v4().to_string(),
                    instructor_id: instructor_id.to_owned(),
                    student_id: student_id.to_owned(),
                    instructor_name: "Seeded Instructor".into(),
                    student_name: "Seeded Student".into(),
                    instructor_email: "seed-instructor@example.co.za".into(),
                    student_email: "seed-student@example.co.za".into(),
                    lesson_start: shared::domain::lesson::quarter_key(start),
                    duration_minutes: 60,
                    status,
                    price: shared::domain::Rands::from_cents(35_000),
                    pickup_address: "1 Seed Street".into(),
                    pickup_latitude: None,
                    pickup_longitude: None,
                    created_at: shared::clock::now_rfc3339(),
                    updated_at: shared::clock::now_rfc3339(),
                    cancel_reason: None,
                    cancelled_by: None,
                    reviewed: false,
                    rescheduled_from: None,
                    reschedule_count: 0,
                    payment: Default::default(),
                };
                writes.push(
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(
                            aws_sdk_dynamodb::types::PutRequest::builder()
                                .set_item(Some(booking.to_item()))
                                .build()
                                .expect("put request"),
                        )
                        .build(),
                );
                made.push(booking);
            }
            self.state
                .aws
                .dynamodb
                .batch_write_item()
                .request_items(table.clone(), writes)
                .send()
                .await
                .expect("seed bookings");
        }
        made
    }
}
