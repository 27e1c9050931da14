//! `POST /bookings`: a student books a verified instructor. The lesson is checked against the
//! calendar rules and the instructor's hours, then the booking and its slots are written in
//! one transaction: of two students racing for a slot exactly one wins, the other gets 409.
//!
//! A student whose client never heard the answer can send the request again with the same
//! `Idempotency-Key` and gets the booking the first attempt made (see
//! `shared::store::idempotency`).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::auth::limited::BookingCreate;
use shared::auth::{AuthUser, LimitedUser, Role};
use shared::clock::Now;
use shared::domain::{Coordinates, LessonDuration, LessonSlot, StreetAddress, TimeOff};
use shared::http::idempotency::{IdempotencyKey, IDEMPOTENT_REPLAYED};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::validation::Validator;
use shared::notices::{queue, BookingEvent, Notice};
use shared::store::bookings::{self, BookingRecord, BookingStatus};
use shared::store::idempotency::{self, ClaimKey};
use shared::store::outbox;
use shared::store::stats;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::UserRecord;
use shared::{metrics, ApiError, ApiResult, AppState};

use crate::rules;
use crate::view::BookingView;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// A verified instructor's id.
    instructor_id: String,
    /// Local date, `YYYY-MM-DD`: in the future, at most 90 days ahead.
    #[schema(format = Date)]
    lesson_date: String,
    /// Local start time, `HH:MM`, on a quarter hour, inside the instructor's working hours.
    #[schema(example = "10:30")]
    lesson_time: String,
    /// 30 to 240, in steps of 15.
    #[schema(minimum = 30, maximum = 240, multiple_of = 15)]
    duration_minutes: i64,
    pickup_address: String,
    /// With `pickup_longitude`, or neither.
    #[schema(minimum = -90, maximum = 90)]
    pickup_latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pickup_longitude: Option<f64>,
}

impl NewBooking {
    /// What makes two requests the same booking request, for `Idempotency-Key` repeats.
    fn fingerprint(&self) -> String {
        let coordinate = |c: Option<f64>| c.map(|v| v.to_string()).unwrap_or_default();
        idempotency::fingerprint(&[
            self.instructor_id.trim(),
            &self.lesson_date,
            &self.lesson_time,
            &self.duration_minutes.to_string(),
            &self.pickup_address,
            &coordinate(self.pickup_latitude),
            &coordinate(self.pickup_longitude),
        ])
    }
}

/// The operation name idempotency claims are filed under.
const OPERATION: &str = "create_booking";

/// Book a lesson
///
/// A student books a verified instructor; the booking is `pending` until the instructor
/// confirms it. Of two students racing for a time, one gets it and the other 409. 20 an hour
/// per student.
///
/// Send an `Idempotency-Key` (for example a UUID made once per booking attempt) to retry
/// safely: a repeat with the same key and body within a day answers with the booking the
/// first attempt created, marked `Idempotent-Replayed: true`, and creates nothing; the same
/// key with a different body is a 422.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    operation_id = "create_booking",
    tag = "bookings",
    request_body = NewBooking,
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255,
            pattern = "^[!#-~]+$",
            description = "Unique per booking attempt (a UUID, say): 1 to 255 visible ASCII characters, remembered for a day."),
    ),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "Booked (or, with `Idempotent-Replayed: true`, booked by an earlier request with this `Idempotency-Key`); the instructor is told once (email and SMS).", body = BookingView,
            headers(("Idempotent-Replayed" = String, description = "`true` when the answer repeats an earlier request's booking."))),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    auth: LimitedUser<BookingCreate>,
    idempotency_key: Option<IdempotencyKey>,
    Json(body): Json<NewBooking>,
) -> ApiResult<Response> {
    auth.require_role(&[Role::Student])?;
    let now = state.clock.now();
    let request = BookingRequest::parse(&body, now)?;
    let instructor =
        rules::bookable_instructor(&state, body.instructor_id.trim(), &request.slot).await?;
    let booking = request.booking_of(&auth, &instructor, now)?;
    let claim = idempotency_key.as_ref().map(|key| ClaimKey {
        user_id: auth.user_id(),
        operation: OPERATION,
        key,
    });
    let fingerprint = body.fingerprint();
    let time_off = instructor
        .instructor
        .as_ref()
        .map(|d| d.time_off.clone())
        .unwrap_or_default();
    if let Some(refused) = store_booking(
        &state,
        &booking,
        &request.slot,
        &time_off,
        claim.as_ref(),
        &fingerprint,
        now,
    )
    .await?
    {
        return match refused {
            Refused::Repeat(claim) => replay(&state, &claim, &fingerprint, now).await,
            Refused::Taken(detail) => Err(ApiError::Conflict(detail.into())),
        };
    }
    metrics::count("BookingsCreated");
    notify_instructor(&state, &booking, claim.as_ref()).await;
    Ok((
        StatusCode::CREATED,
        JsonResponse(BookingView::from(booking)),
    )
        .into_response())
}

/// A booking body as domain values, all field errors at once.
struct BookingRequest {
    slot: LessonSlot,
    pickup_address: StreetAddress,
    pickup: Option<Coordinates>,
}

impl BookingRequest {
    fn parse(body: &NewBooking, now: Now) -> ApiResult<Self> {
        let mut v = Validator::default();
        let duration = v.field(
            "duration_minutes",
            LessonDuration::parse(body.duration_minutes),
        );
        let slot = rules::parse_slot(
            &mut v,
            &body.lesson_date,
            &body.lesson_time,
            duration,
            now.timestamp(),
        );
        let pickup_address = v.field("pickup_address", StreetAddress::parse(&body.pickup_address));
        let pickup = v.field(
            "pickup_latitude",
            Coordinates::parse_pair(
                body.pickup_latitude,
                body.pickup_longitude,
                ("pickup_latitude", "pickup_longitude"),
            ),
        );
        let parsed = (|| {
            Some(Self {
                slot: slot?,
                pickup_address: pickup_address?,
                pickup: pickup?,
            })
        })();
        v.finish_with(parsed)
    }

    /// The new booking of `student` with `instructor` (the price from their rate).
    fn booking_of(
        &self,
        student: &AuthUser,
        instructor: &UserRecord,
        now: Now,
    ) -> ApiResult<BookingRecord> {
        let details = instructor
            .instructor
            .as_ref()
            .ok_or_else(rules::not_bookable)?;
        let created = now.rfc3339();
        Ok(BookingRecord {
            id: uuid::Uuid::new_v4().to_string(),
            instructor_id: instructor.user_id.clone(),
            student_id: student.user_id().to_owned(),
            instructor_name: instructor.full_name(),
            student_name: student.user.full_name(),
            instructor_email: instructor.email.as_str().to_owned(),
            student_email: student.user.email.as_str().to_owned(),
            lesson_start: shared::domain::lesson::quarter_key(self.slot.start()),
            duration_minutes: self.slot.duration().minutes(),
            status: BookingStatus::Pending,
            price: self.slot.duration().price(details.hourly_rate),
            pickup_address: self.pickup_address.as_str().to_owned(),
            pickup_latitude: self.pickup.map(|c| c.lat()),
            pickup_longitude: self.pickup.map(|c| c.lng()),
            created_at: created.clone(),
            updated_at: created,
            cancel_reason: None,
            cancelled_by: None,
            reviewed: false,
            rescheduled_from: None,
            reschedule_count: 0,
            payment: Default::default(),
        })
    }
}

/// Why the booking transaction was refused.
enum Refused<'a> {
    /// The idempotency key was used before: answer with that booking.
    Repeat(ClaimKey<'a>),
    /// A slot is taken (or the write could not be made): the 409's detail.
    Taken(&'static str),
}

/// The booking, its slots, the counters, (with a key) the idempotency claim and the
/// instructor's notice in the outbox: one transaction. `Ok(None)` when it was written.
async fn store_booking<'a>(
    state: &AppState,
    booking: &BookingRecord,
    slot: &LessonSlot,
    time_off: &TimeOff,
    claim: Option<&ClaimKey<'a>>,
    fingerprint: &str,
    now: Now,
) -> ApiResult<Option<Refused<'a>>> {
    let table = &state.config.table_name;
    let (mut items, positions) = bookings::create_items(table, booking, slot, time_off)?;
    let claim_position = match claim {
        Some(claim) => {
            items.push(Write::from(claim.put(
                table,
                fingerprint,
                &booking.id,
                now.secs(),
            )?));
            Some(items.len() - 1)
        }
        None => None,
    };
    // The admin stats' "bookings today" moves with the booking.
    items.push(Write::from(stats::booking_created_update(
        table,
        &booking.id,
        now.timestamp(),
    )?));
    items.push(outbox::put(table, &requested_notice(booking), now)?);
    let failed = match transact(&state.aws.dynamodb, items).await {
        Ok(()) => return Ok(None),
        Err(TransactError::ConditionFailed(failed)) => failed,
        Err(TransactError::Other(err)) => return Err(ApiError::Internal(err)),
    };
    if let (Some(claim), Some(position)) = (claim, claim_position) {
        if failed.contains(&position) {
            return Ok(Some(Refused::Repeat(claim.clone())));
        }
    }
    let instructor: Vec<usize> = positions.instructor.collect();
    let student: Vec<usize> = positions.student.collect();
    Ok(Some(Refused::Taken(rules::taken_detail(
        &failed,
        &instructor,
        &student,
        positions.instructor_profile,
    ))))
}

/// The instructor's notice of a new booking. Its id is fixed by the booking, so enqueueing it
/// again (a replay, the outbox) sends nothing twice.
fn requested_notice(booking: &BookingRecord) -> Notice {
    Notice::booking(BookingEvent::Requested, booking, &booking.instructor_id)
}

/// Enqueues the instructor's notice of a new booking (stored in the outbox with it) and, for
/// a keyed request, records on the claim that it was enqueued. A failure of either is logged;
/// the booking stands and the outbox keeps the notice.
async fn notify_instructor(
    state: &AppState,
    booking: &BookingRecord,
    claim: Option<&ClaimKey<'_>>,
) {
    if !queue::enqueue(state, &[requested_notice(booking)]).await {
        return;
    }
    if let Some(claim) = claim {
        if let Err(err) = claim
            .mark_notified(&state.aws.dynamodb, &state.config.table_name)
            .await
        {
            tracing::warn!(error = %format!("{err:#}"), "the sent notice is not recorded; a repeat of the request sends it again");
        }
    }
}

/// The answer to a repeated `Idempotency-Key`: the booking its first use created, as it is
/// now, or 422 when the key came with a different request.
async fn replay(
    state: &AppState,
    claim: &ClaimKey<'_>,
    fingerprint: &str,
    now: Now,
) -> ApiResult<Response> {
    let now_secs = now.secs();
    let table = &state.config.table_name;
    let Some(stored) = claim.get(&state.aws.dynamodb, table, now_secs).await? else {
        // The claim expired between the transaction and this read.
        return Err(ApiError::Conflict(
            "The booking could not be created; try again.".into(),
        ));
    };
    if stored.request_hash != fingerprint {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "was already used for a different booking request",
        ));
    }
    let booking = bookings::get(&state.aws.dynamodb, table, &stored.resource_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("an idempotency claim names a missing booking"))?;
    // The first attempt stored the booking but ended before its notice: send it now.
    if !stored.notified && booking.status == BookingStatus::Pending {
        notify_instructor(state, &booking, Some(claim)).await;
    }
    Ok((
        StatusCode::CREATED,
        [(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"))],
        JsonResponse(BookingView::from(booking)),
    )
        .into_response())
}
