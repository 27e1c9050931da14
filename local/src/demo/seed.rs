//! The demo data set, seeded in order: admin, instructors (verified), students, bookings.

use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use shared::auth::Role;
use shared::clock;
use shared::domain::{LessonDuration, LessonSlot, Rands, Verification};
use shared::store::bookings::{self, BookingStatus, Transition};
use shared::store::reviews::{public_name, review_items, ReviewRecord};
use shared::store::transact::Write;
use shared::store::users::InstructorDetails;
use shared::AppState;

use super::people::{INSTRUCTORS, STUDENTS};
use super::seeder::{booking, lesson_start, Seeder};

#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    pub role: &'static str,
    pub username: String,
    pub password: String,
    pub user_id: String,
}

pub async fn seed(state: &AppState) -> anyhow::Result<Vec<DemoLogin>> {
    let mut seeder = Seeder {
        state,
        logins: Vec::new(),
        phone_counter: 0,
    };
    let admin = seeder
        .user(
            Role::Admin,
            "Ayesha",
            "Admin",
            ("Cape Town", "City Bowl", "Western Cape"),
        )
        .await?;
    seeder.store_user(&admin).await?;

    let mut instructors = Vec::new();
    for (person, rate) in &INSTRUCTORS {
        let mut record = seeder
            .user(
                Role::Instructor,
                person.first,
                person.last,
                (person.city, person.suburb, person.province),
            )
            .await?;
        record.instructor = Some(InstructorDetails {
            licence_number: format!("WC{:09}", rand::thread_rng().gen_range(0..1_000_000_000)),
            vehicle: "Toyota Corolla Quest (manual)".into(),
            latitude: person.lat,
            longitude: person.lng,
            hourly_rate: Rands::from_cents(*rate),
            verification: Verification::Pending,
            bio: Some(format!(
                "Patient instructor in {}, code 8 and code 10.",
                person.city
            )),
            working_hours: None,
            rating_sum: 0,
            rating_count: 0,
            time_off: Default::default(),
        });
        seeder.store_user(&record).await?;
        seeder.verify(&record).await?;
        instructors.push(record);
    }

    let mut students = Vec::new();
    for (first, last, city, suburb) in STUDENTS {
        let province = if city == "Johannesburg" {
            "Gauteng"
        } else {
            "Western Cape"
        };
        let record = seeder
            .user(Role::Student, first, last, (city, suburb, province))
            .await?;
        seeder.store_user(&record).await?;
        students.push(record);
    }

    let table = state.config.table_name.clone();
    let hour = LessonDuration::parse(60).map_err(|e| anyhow::anyhow!(e.message))?;
    // Future lessons through the booking transaction (slots included): pending and confirmed.
    for (i, student) in students.iter().enumerate() {
        let instructor = &instructors[i % instructors.len()];
        let start = lesson_start(2 + (i as i64 % 5), 8 + (i as i8 % 8))?;
        let slot = LessonSlot::from_stored(start, hour);
        let record = booking(student, instructor, start, hour, BookingStatus::Pending);
        // Demo instructors have no time off.
        let (items, _) = bookings::create_items(&table, &record, &slot, &Default::default())?;
        seeder.write(items, "a booking").await?;
        if i % 2 == 0 {
            let items = bookings::transition_items(
                &table,
                &record,
                &Transition::Confirm,
                &clock::now_rfc3339(),
            )?;
            seeder.write(items, "a confirmation").await?;
        }
    }
    // Past lessons, completed, most of them reviewed.
    let comments = [
        "Calm and clear, I passed my K53 first time.",
        "Very patient with parallel parking.",
        "Always on time, explains the rules of the road well.",
        "",
    ];
    for (i, student) in students.iter().enumerate().take(8) {
        let instructor = &instructors[(i + 1) % instructors.len()];
        let start = lesson_start(-(3 + i as i64), 9)?;
        let record = booking(student, instructor, start, hour, BookingStatus::Completed);
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&table)
            .set_item(Some(record.to_item()))
            .build()?;
        let mut items = vec![Write::from(put)];
        for user in [&student.user_id, &instructor.user_id] {
            items.push(Write::from(bookings::counter_update(
                &table,
                user,
                &[(BookingStatus::Completed, 1)],
            )?));
        }
        seeder.write(items, "a completed lesson").await?;
        if i < 6 {
            let review = ReviewRecord {
                booking_id: record.id.clone(),
                instructor_id: instructor.user_id.clone(),
                student_name: public_name(&student.first_name, &student.last_name),
                rating: if i % 3 == 0 { 4 } else { 5 },
                comment: comments
                    .choose(&mut rand::thread_rng())
                    .copied()
                    .unwrap_or("")
                    .to_owned(),
                created_at: clock::now_rfc3339(),
            };
            seeder
                .write(review_items(&table, &record, &review)?, "a review")
                .await?;
        }
    }
    Ok(seeder.logins)
}
