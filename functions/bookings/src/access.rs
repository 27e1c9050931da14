//! Who may see a booking: its student, its instructor, and admins. Anyone else gets the same
//! 404 as for a booking that does not exist.

use shared::auth::{AuthUser, Role};
use shared::store::bookings::{self, BookingRecord, Party};
use shared::{ApiError, ApiResult, AppState};

pub fn is_party(auth: &AuthUser, booking: &BookingRecord) -> bool {
    booking.student_id == auth.user_id() || booking.instructor_id == auth.user_id()
}

/// The booking if the caller may see it (one `GetItem`).
pub async fn visible_booking(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
) -> ApiResult<BookingRecord> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let booking = bookings::get(&state.aws.dynamodb, &state.config.table_name, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if auth.role() == Role::Admin || is_party(auth, &booking) {
        Ok(booking)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The booking if the caller is its `party` (its student, or its instructor): for the moves
/// only that party makes. Admins and the other party get the same 404 as anyone else.
pub async fn own_booking(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
    party: Party,
) -> ApiResult<BookingRecord> {
    let booking = visible_booking(state, auth, id).await?;
    let owner = match party {
        Party::Student => &booking.student_id,
        Party::Instructor => &booking.instructor_id,
    };
    if owner != auth.user_id() {
        return Err(ApiError::NotFound);
    }
    Ok(booking)
}
