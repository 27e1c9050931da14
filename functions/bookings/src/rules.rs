//! The rules a lesson's time must meet, for a new booking and a reschedule alike: a quarter
//! hour in the future within the horizon (`LessonSlot::parse`), an instructor who takes
//! bookings, inside their working hours and not on a day they are away. The last rule, no
//! overlap for the instructor or the student, is the slot items' conditions in the writing
//! transaction; [`taken_detail`] says which one refused it.

use shared::auth::{AccountStatus, Role};
use shared::domain::{LessonDuration, LessonSlot};
use shared::http::validation::Validator;
use shared::store::users::{self, UserRecord};
use shared::{ApiError, ApiResult, AppState};

/// The lesson time of a request (`lesson_date`, `lesson_time` and a parsed length), its error
/// recorded on `v` against the field it belongs to.
pub fn parse_slot(
    v: &mut Validator,
    date: &str,
    time: &str,
    duration: Option<LessonDuration>,
    now: jiff::Timestamp,
) -> Option<LessonSlot> {
    let duration = duration?;
    match LessonSlot::parse(date, time, duration, now) {
        Ok(slot) => Some(slot),
        Err(err) => {
            v.error(err.field, &err.error.message);
            None
        }
    }
}

fn takes_bookings(instructor: &UserRecord) -> bool {
    instructor.role == Role::Instructor
        && instructor.status == AccountStatus::Active
        && instructor
            .instructor
            .as_ref()
            .is_some_and(|i| i.is_verified())
}

pub fn not_bookable() -> ApiError {
    ApiError::validation("instructor_id", "is not an instructor who takes bookings")
}

/// Whether `instructor` takes a lesson at `slot`: verified and active, working then, not away.
pub fn check_instructor(instructor: &UserRecord, slot: &LessonSlot) -> ApiResult<()> {
    let details = instructor
        .instructor
        .as_ref()
        .filter(|_| takes_bookings(instructor))
        .ok_or_else(not_bookable)?;
    if details.time_off.covers(slot.local_date()) {
        return Err(ApiError::validation(
            "lesson_date",
            "is a day the instructor is away",
        ));
    }
    if !details.hours().fits(
        slot.local_date().weekday(),
        slot.local_start_minute(),
        slot.duration().minutes(),
    ) {
        return Err(ApiError::validation(
            "lesson_time",
            "is outside the instructor's working hours",
        ));
    }
    Ok(())
}

/// The instructor, read (one `GetItem`) and checked against `slot`.
pub async fn bookable_instructor(
    state: &AppState,
    instructor_id: &str,
    slot: &LessonSlot,
) -> ApiResult<UserRecord> {
    let instructor = users::get(&state.aws.dynamodb, &state.config.table_name, instructor_id)
        .await?
        .ok_or_else(not_bookable)?;
    check_instructor(&instructor, slot)?;
    Ok(instructor)
}

/// The 409's detail for a refused booking or reschedule: whose slot was taken, or the
/// instructor's time off changed since the check (`profile`, the position of that condition).
pub fn taken_detail(
    failed: &[usize],
    instructor: &[usize],
    student: &[usize],
    profile: usize,
) -> &'static str {
    if failed.contains(&profile) {
        "The instructor's days away changed meanwhile; try again."
    } else if failed.iter().any(|i| instructor.contains(i)) {
        "That time is no longer available with this instructor."
    } else if failed.iter().any(|i| student.contains(i)) {
        "You already have a lesson at that time."
    } else {
        "The booking could not be changed; try again."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{Email, PhoneNumber, Rands, TimeOff, TimeOffPeriodInput, Verification};
    use shared::store::users::{InstructorDetails, NewAccount};

    fn instructor(verification: Verification, time_off: TimeOff) -> UserRecord {
        let mut user = UserRecord::new_account(NewAccount {
            role: Role::Instructor,
            status: AccountStatus::Active,
            email: Email::parse("thandi@example.co.za").expect("email"),
            phone: PhoneNumber::parse("0821234567").expect("phone"),
            password_hash: String::new(),
            first_name: "Thandi".into(),
            last_name: "Mokoena".into(),
            now: "2026-03-01T00:00:00Z".into(),
        });
        user.instructor = Some(InstructorDetails {
            licence_number: "L1".into(),
            vehicle: "Polo".into(),
            latitude: -33.9,
            longitude: 18.4,
            hourly_rate: Rands::from_cents(35_000),
            verification,
            bio: None,
            working_hours: None,
            rating_sum: 0,
            rating_count: 0,
            time_off,
        });
        user
    }

    fn slot(date: &str, time: &str) -> LessonSlot {
        let now = "2026-03-01T00:00:00Z".parse().expect("now");
        LessonSlot::parse(date, time, LessonDuration::parse(60).expect("60"), now).expect("slot")
    }

    fn field_of(result: ApiResult<()>) -> Option<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.first().map(|e| e.field.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_lesson_needs_a_verified_instructor_at_work_and_not_away() {
        let away = TimeOff::parse(
            &[TimeOffPeriodInput {
                start_date: "2026-03-03".into(),
                end_date: "2026-03-03".into(),
                reason: None,
            }],
            "2026-03-01".parse().expect("today"),
        )
        .expect("time off");
        let verified = instructor(Verification::Verified, away);
        // 2026-03-03 is a Tuesday; the standard hours are 08:00-17:00 on weekdays.
        assert!(check_instructor(&verified, &slot("2026-03-04", "10:00")).is_ok());
        let cases = [
            (
                &verified,
                slot("2026-03-03", "10:00"),
                "lesson_date",
                "a day away",
            ),
            (
                &verified,
                slot("2026-03-04", "16:30"),
                "lesson_time",
                "ends after 17:00",
            ),
            (
                &verified,
                slot("2026-03-08", "10:00"),
                "lesson_time",
                "a Sunday",
            ),
        ];
        for (who, at, field, why) in cases {
            assert_eq!(
                field_of(check_instructor(who, &at)).as_deref(),
                Some(field),
                "{why}"
            );
        }
        let pending = instructor(Verification::Pending, TimeOff::default());
        assert_eq!(
            field_of(check_instructor(&pending, &slot("2026-03-04", "10:00"))).as_deref(),
            Some("instructor_id"),
            "not yet verified"
        );
    }

    #[test]
    fn a_refusal_names_what_was_in_the_way() {
        assert!(taken_detail(&[9], &[1, 2], &[3, 4], 9).contains("days away"));
        assert!(taken_detail(&[2], &[1, 2], &[3, 4], 9).contains("no longer available"));
        assert!(taken_detail(&[4], &[1, 2], &[3, 4], 9).contains("already have a lesson"));
        assert!(taken_detail(&[0], &[1, 2], &[3, 4], 9).contains("try again"));
    }
}
