//! Profile updates for the callers' transactions.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Update};

use super::keys::profile_key;
use crate::clock::Now;
use crate::domain::{AccountStatus, BookingStatus, TimeOff};
use crate::store::attr::{n, s};
use crate::store::transact::Write;

/// A new password hash, and every existing session revoked with it (password change and
/// reset): one update of the profile, for the caller's transaction.
pub fn password_change_update(
    table: &str,
    user_id: &str,
    password_hash: String,
    now: Now,
) -> anyhow::Result<Write> {
    Ok(Write::from(
        Update::builder()
            .table_name(table)
            .set_key(Some(profile_key(user_id)))
            .update_expression(
                "SET password_hash = :hash, sessions_valid_after = :now_ms, updated_at = :now",
            )
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":hash", s(password_hash))
            .expression_attribute_values(":now_ms", n(now.millis()))
            .expression_attribute_values(":now", s(now.rfc3339()))
            .build()?,
    ))
}

/// A condition for the transaction that signs `user` in: the profile still holds the password
/// hash that was verified and the `sessions_valid_after` that was read. A password reset or a
/// suspension landing between the check and the write fails the transaction instead of leaving
/// a session that outlives it (whatever the two instances' clocks say).
pub fn credentials_unchanged(table: &str, user: &super::UserRecord) -> anyhow::Result<Write> {
    let valid_after = if user.sessions_valid_after == 0 {
        "(attribute_not_exists(sessions_valid_after) OR sessions_valid_after = :valid_after)"
    } else {
        "sessions_valid_after = :valid_after"
    };
    Ok(Write::from(
        ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(profile_key(&user.user_id)))
            .condition_expression(format!("password_hash = :hash AND {valid_after}"))
            .expression_attribute_values(":hash", s(&user.password_hash))
            .expression_attribute_values(":valid_after", n(user.sessions_valid_after))
            .build()?,
    ))
}

/// A pending account made active (email verification): one update of the profile, for the
/// caller's transaction. Conditional on the account still pending: verifying never reactivates
/// a suspended one.
pub fn activation_update(table: &str, user_id: &str, now: Now) -> anyhow::Result<Write> {
    Ok(Write::from(
        Update::builder()
            .table_name(table)
            .set_key(Some(profile_key(user_id)))
            .update_expression("SET #status = :active, updated_at = :now")
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
            .expression_attribute_values(":pending", s(AccountStatus::PendingVerification.as_str()))
            .expression_attribute_values(":now", s(now.rfc3339()))
            .build()?,
    ))
}

/// A suspension, conditional on the status read (`user.status`), which it keeps in
/// `suspended_from` for the reactivation. It also revokes every session: the guard refuses
/// sessions created up to this millisecond, so one write ends them all without touching the
/// session items.
pub fn suspension_update(table: &str, user: &super::UserRecord, now: Now) -> anyhow::Result<Write> {
    Ok(Write::from(
        Update::builder()
            .table_name(table)
            .set_key(Some(profile_key(&user.user_id)))
            .update_expression(
                "SET #status = :suspended, suspended_from = :read_status, \
                 sessions_valid_after = :now_ms, updated_at = :now",
            )
            .condition_expression("#status = :read_status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":read_status", s(user.status.as_str()))
            .expression_attribute_values(":suspended", s(AccountStatus::Suspended.as_str()))
            .expression_attribute_values(":now_ms", n(now.millis()))
            .expression_attribute_values(":now", s(now.rfc3339()))
            .build()?,
    ))
}

/// The end of a suspension: the account gets back the status it had before
/// ([`UserRecord::status_after_suspension`](super::UserRecord::status_after_suspension)),
/// conditional on it still being suspended.
pub fn reactivation_update(
    table: &str,
    user: &super::UserRecord,
    now: Now,
) -> anyhow::Result<Write> {
    Ok(Write::from(
        Update::builder()
            .table_name(table)
            .set_key(Some(profile_key(&user.user_id)))
            .update_expression("SET #status = :status, updated_at = :now REMOVE suspended_from")
            .condition_expression("#status = :suspended")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":suspended", s(AccountStatus::Suspended.as_str()))
            .expression_attribute_values(":status", s(user.status_after_suspension().as_str()))
            .expression_attribute_values(":now", s(now.rfc3339()))
            .build()?,
    ))
}

/// `ADD` to one user's booking counters, for a transaction that changes a booking.
pub fn counter_update(
    table: &str,
    user_id: &str,
    changes: &[(BookingStatus, i64)],
) -> anyhow::Result<Update> {
    Ok(counter_builder(table, user_id, changes)
        .condition_expression("attribute_exists(PK)")
        .build()?)
}

fn counter_builder(
    table: &str,
    user_id: &str,
    changes: &[(BookingStatus, i64)],
) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(profile_key(user_id)));
    let mut adds = Vec::new();
    for (i, (status, delta)) in changes.iter().enumerate() {
        builder = builder
            .expression_attribute_names(format!("#c{i}"), counter_attribute(*status))
            .expression_attribute_values(format!(":d{i}"), n(delta));
        adds.push(format!("#c{i} :d{i}"));
    }
    builder.update_expression(format!("ADD {}", adds.join(", ")))
}

/// The condition that the instructor's time off is still the one a lesson was checked
/// against: a PUT of time off landing between the check and the booking's transaction fails
/// the transaction instead of leaving a lesson on a new day away that its answer never named.
const TIME_OFF_UNCHANGED: &str =
    "attribute_exists(PK) AND (attribute_not_exists(time_off) OR time_off = :time_off)";

fn stored_time_off(time_off: &TimeOff) -> anyhow::Result<AttributeValue> {
    Ok(s(serde_json::to_string(time_off)?))
}

/// [`counter_update`] of a booking's instructor, conditional on `time_off` being unchanged.
pub fn instructor_counter_update(
    table: &str,
    instructor_id: &str,
    changes: &[(BookingStatus, i64)],
    time_off: &TimeOff,
) -> anyhow::Result<Update> {
    Ok(counter_builder(table, instructor_id, changes)
        .condition_expression(TIME_OFF_UNCHANGED)
        .expression_attribute_values(":time_off", stored_time_off(time_off)?)
        .build()?)
}

/// The same condition alone, for a booking change that moves no counter (a reschedule that
/// keeps the status).
pub fn time_off_unchanged(
    table: &str,
    instructor_id: &str,
    time_off: &TimeOff,
) -> anyhow::Result<Write> {
    Ok(Write::from(
        ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(profile_key(instructor_id)))
            .condition_expression(TIME_OFF_UNCHANGED)
            .expression_attribute_values(":time_off", stored_time_off(time_off)?)
            .build()?,
    ))
}

/// The per-user counter attribute of a status (see [`BookingCounts`](super::BookingCounts)).
pub(super) fn counter_attribute(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Pending => "bookings_pending",
        BookingStatus::Confirmed => "bookings_confirmed",
        BookingStatus::Completed => "bookings_completed",
        BookingStatus::Cancelled => "bookings_cancelled",
    }
}
