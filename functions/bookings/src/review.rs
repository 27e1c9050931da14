//! `POST /bookings/{id}/review`: the booking's student, once, after the lesson is completed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::Deserialize;
use shared::http::query::PathId;

use shared::auth::{AuthUser, Role};
use shared::clock;
use shared::domain::{Rating, ReviewComment};
use shared::http::json::Json;
use shared::http::request_context::RequestScope;
use shared::http::validation::Validator;
use shared::rate_limit::RuleName;
use shared::store::bookings::BookingStatus;
use shared::store::reviews::{public_name, review_items, ReviewRecord};
use shared::store::transact::{transact, TransactError};
use shared::{ApiError, ApiResult, AppState};

use crate::access::visible_booking;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    rating: i64,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    State(state): State<AppState>,
    scope: RequestScope,
    auth: AuthUser,
    PathId(id): PathId,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<(StatusCode, JsonResponse<ReviewRecord>)> {
    auth.require_role(&[Role::Student])?;
    state
        .limiter
        .check(&scope, RuleName::User, auth.user_id(), false)
        .await?;
    let mut v = Validator::default();
    let rating = v.field("rating", Rating::parse(body.rating));
    let comment = v.field("comment", ReviewComment::parse(&body.comment));
    v.finish()?;
    let (Some(rating), Some(comment)) = (rating, comment) else {
        return Err(ApiError::validation("rating", "is required"));
    };
    let booking = visible_booking(&state, &auth, &id).await?;
    if booking.student_id != auth.user_id() {
        return Err(ApiError::NotFound);
    }
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
        created_at: clock::now_rfc3339(),
    };
    let items = review_items(&state.config.table_name, &booking, &review)?;
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => Ok((StatusCode::CREATED, JsonResponse(review))),
        Err(TransactError::ConditionFailed(_)) => Err(ApiError::Conflict(
            "This lesson is already reviewed.".into(),
        )),
        Err(TransactError::Other(err)) => Err(ApiError::Internal(err)),
    }
}
