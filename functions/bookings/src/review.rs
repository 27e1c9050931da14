//! `POST /bookings/{id}/review`: the booking's student, once, after the lesson is completed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Deserialize;
use shared::http::query::PathId;
use utoipa::ToSchema;

use shared::auth::{LimitedUser, Role};
use shared::domain::{Rating, ReviewComment};
use shared::error::OrConflict;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::validation::Validator;
use shared::store::bookings::{BookingStatus, Party};
use shared::store::reviews::{public_name, review_items, ReviewRecord};
use shared::store::transact::transact;
use shared::{ApiError, ApiResult, AppState};

use crate::access::own_booking;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    rating: i64,
    /// At most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    comment: String,
}

/// Review a lesson
///
/// The booking's student, once, after the lesson is completed. The instructor's rating moves
/// with it.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/review",
    operation_id = "review_booking",
    tag = "bookings",
    params(("id" = String, Path, description = "The booking id.")),
    request_body = ReviewRequest,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "The review.", body = ReviewRecord),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn review(
    State(state): State<AppState>,
    auth: LimitedUser,
    PathId(id): PathId,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<(StatusCode, JsonResponse<ReviewRecord>)> {
    auth.require_role(&[Role::Student])?;
    let mut v = Validator::default();
    let rating = v.field("rating", Rating::parse(body.rating));
    let comment = v.field("comment", ReviewComment::parse(&body.comment));
    let (rating, comment) = v.finish_with(rating.zip(comment))?;
    let booking = own_booking(&state, &auth, &id, Party::Student).await?;
    if booking.status != BookingStatus::Completed {
        return Err(ApiError::Conflict(
            "Only a completed lesson can be reviewed.".into(),
        ));
    }
    if booking.reviewed {
        return Err(ApiError::Conflict(
            "This lesson is already reviewed.".into(),
        ));
    }
    let review = ReviewRecord {
        booking_id: booking.id.clone(),
        instructor_id: booking.instructor_id.clone(),
        student_name: public_name(&auth.user.first_name, &auth.user.last_name),
        rating: rating.value(),
        comment: comment.as_str().to_owned(),
        created_at: state.clock.now().rfc3339(),
    };
    let items = review_items(&state.config.table_name, &booking, &review)?;
    transact(&state.aws.dynamodb, items)
        .await
        .or_conflict("This lesson is already reviewed.")?;
    Ok((StatusCode::CREATED, JsonResponse(review)))
}
