//! Demo data for `make run`: an admin, verified instructors around Cape Town, Stellenbosch and
//! Johannesburg, students, and bookings in every state with a few reviews. Written through the
//! same store code and transactions the functions use. Passwords are random on every run.

use anyhow::Context;
use jiff::Timestamp;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use shared::auth::{password_hash, AccountStatus, Role};
use shared::clock;
use shared::domain::lesson::{local_date_of, local_to_utc, quarter_key};
use shared::domain::{LessonDuration, LessonSlot, Password, Rands, Verification};
use shared::store::bookings::{self, BookingRecord, BookingStatus, Transition};
use shared::store::instructors::{listing_keys, verification_update, Decision};
use shared::store::reviews::{public_name, review_items, ReviewRecord};
use shared::store::stats;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{InstructorDetails, UserRecord};
use shared::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    pub role: &'static str,
    pub username: String,
    pub password: String,
    pub user_id: String,
}

/// A random password that passes the production policy.
fn random_password() -> String {
    let mut rng = rand::thread_rng();
    loop {
        let core: String = (0..12)
            .map(|_| {
                let chars = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
                chars[rng.gen_range(0..chars.len())] as char
            })
            .collect();
        let candidate = format!("{core}-{}!", rng.gen_range(10..100));
        if Password::parse(&candidate).is_ok() {
            return candidate;
        }
    }
}

/// A South African ID number (born `yymmdd`) with a valid Luhn check digit.
fn id_number(yymmdd: &str) -> String {
    let base = format!("{yymmdd}{:04}08", rand::thread_rng().gen_range(0..10_000));
    let sum: u32 = base
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (0, doubled) if doubled > 9 => doubled - 9,
            (0, doubled) => doubled,
            _ => d,
        })
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

struct Person {
    first: &'static str,
    last: &'static str,
    city: &'static str,
    suburb: &'static str,
    province: &'static str,
    lat: f64,
    lng: f64,
}

const INSTRUCTORS: [(Person, i64); 5] = [
    (
        Person {
            first: "Naledi",
            last: "Khumalo",
            city: "Cape Town",
            suburb: "Gardens",
            province: "Western Cape",
            lat: -33.9321,
            lng: 18.4106,
        },
        35_000,
    ),
    (
        Person {
            first: "Pieter",
            last: "van der Merwe",
            city: "Cape Town",
            suburb: "Rondebosch",
            province: "Western Cape",
            lat: -33.9608,
            lng: 18.4719,
        },
        32_000,
    ),
    (
        Person {
            first: "Anele",
            last: "Jacobs",
            city: "Stellenbosch",
            suburb: "Die Boord",
            province: "Western Cape",
            lat: -33.9367,
            lng: 18.8458,
        },
        30_000,
    ),
    (
        Person {
            first: "Sipho",
            last: "Dlamini",
            city: "Johannesburg",
            suburb: "Braamfontein",
            province: "Gauteng",
            lat: -26.1929,
            lng: 28.0305,
        },
        38_000,
    ),
    (
        Person {
            first: "Zanele",
            last: "Mokoena",
            city: "Johannesburg",
            suburb: "Rosebank",
            province: "Gauteng",
            lat: -26.1467,
            lng: 28.0436,
        },
        40_000,
    ),
];

const STUDENTS: [(&str, &str, &str, &str); 10] = [
    ("Thandiwe", "Mthembu", "Cape Town", "Observatory"),
    ("Liam", "Pillay", "Cape Town", "Woodstock"),
    ("Aisha", "Adams", "Cape Town", "Claremont"),
    ("Bongani", "Nkosi", "Stellenbosch", "Idas Valley"),
    ("Chloe", "Botha", "Stellenbosch", "Dalsig"),
    ("Kagiso", "Molefe", "Johannesburg", "Melville"),
    ("Lerato", "Sithole", "Johannesburg", "Parktown"),
    ("Ethan", "Naidoo", "Johannesburg", "Auckland Park"),
    ("Palesa", "Zulu", "Cape Town", "Sea Point"),
    ("Ruan", "Steyn", "Stellenbosch", "Mostertsdrift"),
];

struct Seeder<'a> {
    state: &'a AppState,
    logins: Vec<DemoLogin>,
    phone_counter: u32,
}

impl Seeder<'_> {
    fn table(&self) -> &str {
        &self.state.config.table_name
    }

    async fn write(&self, items: Vec<Write>, what: &str) -> anyhow::Result<()> {
        match transact(&self.state.aws.dynamodb, items).await {
            Ok(()) => Ok(()),
            Err(TransactError::Other(err)) => Err(err.context(format!("Failed to seed {what}"))),
            Err(err) => Err(anyhow::anyhow!("Failed to seed {what}: {err}")),
        }
    }

    async fn user(
        &mut self,
        role: Role,
        first: &str,
        last: &str,
        place: (&str, &str, &str),
    ) -> anyhow::Result<UserRecord> {
        let password = random_password();
        self.phone_counter += 1;
        let username = format!(
            "{}.{}@demo.drivealive.co.za",
            first.to_lowercase(),
            last.to_lowercase().replace(' ', "")
        );
        let now = clock::now_rfc3339();
        let record = UserRecord {
            user_id: uuid::Uuid::new_v4().to_string(),
            role,
            status: AccountStatus::Active,
            email: username.clone(),
            phone: format!("+2782{:07}", 5_550_000 + self.phone_counter),
            password_hash: password_hash::hash(password.clone()).await?,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            id_number: id_number("950714"),
            city: place.0.to_owned(),
            suburb: place.1.to_owned(),
            province: place.2.to_owned(),
            pickup_address: (role == Role::Student).then(|| format!("1 Main Road, {}", place.1)),
            pickup_latitude: None,
            pickup_longitude: None,
            instructor: None,
            created_at: now.clone(),
            updated_at: now,
            sessions_valid_after: 0,
            booking_counts: Default::default(),
        };
        self.logins.push(DemoLogin {
            role: role.as_str(),
            username,
            password,
            user_id: record.user_id.clone(),
        });
        Ok(record)
    }

    async fn store_user(&self, record: &UserRecord) -> anyhow::Result<()> {
        let table = self.table();
        let mut items: Vec<Write> = record
            .registration_puts(table)?
            .into_iter()
            .map(Write::from)
            .collect();
        // Counts the account (and, for an instructor, its place in the verification queue).
        items.push(Write::from(stats::user_created_update(table, record.role)?));
        self.write(items, "a user").await
    }

    async fn verify(&self, record: &UserRecord) -> anyhow::Result<()> {
        let details = record.instructor.as_ref().context("not an instructor")?;
        let keys = listing_keys(
            &record.user_id,
            &record.city,
            &record.last_name,
            details.latitude,
            details.longitude,
        );
        let table = self.table();
        let items = vec![
            Write::from(verification_update(
                table,
                &record.user_id,
                Decision::Verify,
                keys,
                &clock::now_rfc3339(),
            )?),
            Write::from(stats::pending_verifications_update(table, -1)?),
        ];
        self.write(items, "an instructor verification").await
    }
}

fn booking(
    student: &UserRecord,
    instructor: &UserRecord,
    start: Timestamp,
    duration: LessonDuration,
    status: BookingStatus,
) -> BookingRecord {
    let rate = instructor
        .instructor
        .as_ref()
        .map_or(Rands::from_cents(30_000), |d| d.hourly_rate);
    BookingRecord {
        id: uuid::Uuid::new_v4().to_string(),
        instructor_id: instructor.user_id.clone(),
        student_id: student.user_id.clone(),
        instructor_name: instructor.full_name(),
        student_name: student.full_name(),
        instructor_email: instructor.email.clone(),
        student_email: student.email.clone(),
        lesson_start: quarter_key(start),
        duration_minutes: duration.minutes(),
        status,
        price: duration.price(rate),
        pickup_address: student.pickup_address.clone().unwrap_or_default(),
        pickup_latitude: None,
        pickup_longitude: None,
        created_at: clock::now_rfc3339(),
        updated_at: clock::now_rfc3339(),
        cancel_reason: None,
        cancelled_by: None,
        reviewed: false,
    }
}

/// A weekday at `hour`:00 local, `days` days from today (moved off weekends).
fn lesson_start(days: i64, hour: i8) -> anyhow::Result<Timestamp> {
    let mut date = local_date_of(Timestamp::now()) + jiff::Span::new().days(days);
    while date.weekday().to_monday_zero_offset() >= 5 {
        date += jiff::Span::new().days(if days >= 0 { 1 } else { -1 });
    }
    let time = jiff::civil::Time::new(hour, 0, 0, 0)?;
    local_to_utc(date, time).map_err(|e| anyhow::anyhow!(e.message))
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
        let (items, _) = bookings::create_items(&table, &record, &slot)?;
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
