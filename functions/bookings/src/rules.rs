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
