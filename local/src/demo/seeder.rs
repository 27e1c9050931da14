//! Writing demo accounts and bookings through the store's own writes.

use anyhow::Context;
use jiff::Timestamp;

use shared::auth::{password_hash, AccountStatus, Role};
use shared::clock;
use shared::domain::lesson::{local_date_of, local_to_utc, quarter_key};
use shared::domain::{Email, LessonDuration, PhoneNumber, Rands, SaIdNumber};
use shared::store::bookings::{BookingRecord, BookingStatus};
use shared::store::instructors::{listing_keys, verification_update, Decision};
use shared::store::stats;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{NewAccount, UserRecord};
use shared::AppState;

use super::people::{id_number, random_password};

use super::seed::DemoLogin;

pub(super) struct Seeder<'a> {
    pub(super) state: &'a AppState,
    pub(super) logins: Vec<DemoLogin>,
    pub(super) phone_counter: u32,
}

impl Seeder<'_> {
    pub(super) fn table(&self) -> &str {
        &self.state.config.table_name
    }

    pub(super) async fn write(&self, items: Vec<Write>, what: &str) -> anyhow::Result<()> {
        match transact(&self.state.aws.dynamodb, items).await {
            Ok(()) => Ok(()),
            Err(TransactError::Other(err)) => Err(err.context(format!("Failed to seed {what}"))),
            Err(err) => Err(anyhow::anyhow!("Failed to seed {what}: {err}")),
        }
    }

    pub(super) async fn user(
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
        let record = UserRecord {
            id_number: SaIdNumber::parse(&id_number("950714")).ok(),
            city: place.0.to_owned(),
            suburb: place.1.to_owned(),
            province: place.2.to_owned(),
            pickup_address: (role == Role::Student).then(|| format!("1 Main Road, {}", place.1)),
            ..UserRecord::new_account(NewAccount {
                role,
                status: AccountStatus::Active,
                email: Email::parse(&username).map_err(|e| anyhow::anyhow!(e.message))?,
                phone: PhoneNumber::parse(&format!("+2782{:07}", 5_550_000 + self.phone_counter))
                    .map_err(|e| anyhow::anyhow!(e.message))?,
                password_hash: password_hash::hash(password.clone()).await?,
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                now: clock::now_rfc3339(),
            })
        };
        self.logins.push(DemoLogin {
            role: role.as_str(),
            username,
            password,
            user_id: record.user_id.clone(),
        });
        Ok(record)
    }

    pub(super) async fn store_user(&self, record: &UserRecord) -> anyhow::Result<()> {
        let table = self.table();
        let mut items: Vec<Write> = record
            .registration_puts(table)?
            .into_iter()
            .map(Write::from)
            .collect();
        // Counts the account (and, for an instructor, its place in the verification queue).
        items.push(Write::from(stats::user_created_update(
            table,
            record.role,
            &record.user_id,
        )?));
        self.write(items, "a user").await
    }

    pub(super) async fn verify(&self, record: &UserRecord) -> anyhow::Result<()> {
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
            Write::from(stats::pending_verifications_update(
                table,
                -1,
                &record.user_id,
            )?),
        ];
        self.write(items, "an instructor verification").await
    }
}

pub(super) fn booking(
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
        instructor_email: instructor.email.as_str().to_owned(),
        student_email: student.email.as_str().to_owned(),
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
        rescheduled_from: None,
        reschedule_count: 0,
        payment: Default::default(),
    }
}

/// A weekday at `hour`:00 local, `days` days from today (moved off weekends).
pub(super) fn lesson_start(days: i64, hour: i8) -> anyhow::Result<Timestamp> {
    let mut date = local_date_of(Timestamp::now()) + jiff::Span::new().days(days);
    while date.weekday().to_monday_zero_offset() >= 5 {
        date += jiff::Span::new().days(if days >= 0 { 1 } else { -1 });
    }
    let time = jiff::civil::Time::new(hour, 0, 0, 0)?;
    local_to_utc(date, time).map_err(|e| anyhow::anyhow!(e.message))
}
