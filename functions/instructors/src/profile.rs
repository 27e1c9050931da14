//! `GET /instructors/{id}` (a verified instructor's public profile) and
//! `PATCH /instructors/me` (an instructor's teaching details). A verified instructor's listing
//! keys move in the same update as the city or location they are made from.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::auth::{LimitedUser, Role};
use shared::domain::{
    DomainError, Place, Province, Rands, VehicleDescription, WorkingHours, WorkingHoursInput,
};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::store::users::{self, InstructorChanges, ProfileChanges};
use shared::{ApiError, ApiResult, AppState};

use crate::view::{is_listed, InstructorView};

/// A verified instructor's public profile
///
/// 100 a minute per IP.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}",
    operation_id = "get_instructor",
    tag = "instructors",
    params(("id" = String, Path, description = "The instructor's user id.")),
    responses(
        (status = 200, description = "The instructor.", body = InstructorView),
        (status = 404, response = doc::NotFound),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<InstructorView>> {
    crate::public_read(&state, &scope, &ip, read_one(&state, &id)).await
}

async fn read_one(state: &AppState, id: &str) -> ApiResult<JsonResponse<InstructorView>> {
    if id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let user = users::get(&state.aws.dynamodb, &state.config.table_name, id)
        .await?
        .filter(is_listed)
        .ok_or(ApiError::NotFound)?;
    InstructorView::of(&user)
        .map(JsonResponse)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructorPatch {
    /// At most 1000 characters.
    #[schema(max_length = 1000)]
    bio: Option<String>,
    vehicle: Option<String>,
    /// Rand per hour.
    hourly_rate: Option<f64>,
    city: Option<String>,
    suburb: Option<String>,
    province: Option<String>,
    /// With `longitude`, or neither.
    #[schema(minimum = -90, maximum = 90)]
    latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    longitude: Option<f64>,
    /// Replaces the whole week.
    #[schema(value_type = Option<WorkingHours>)]
    working_hours: Option<WorkingHoursInput>,
}

fn parse_bio(text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    if text.chars().count() > 1000 {
        return Err(DomainError::new("must be at most 1000 characters"));
    }
    Ok(text.to_owned())
}

/// Change the signed-in instructor's teaching profile
///
/// Bio, vehicle, rate, place, location and weekly working hours; only the fields sent change.
/// A verified instructor's listing follows a new city or location at once.
#[utoipa::path(
    patch,
    path = "/api/v1/instructors/me",
    operation_id = "patch_my_instructor_profile",
    tag = "instructors",
    request_body = InstructorPatch,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The profile as it now is.", body = InstructorView),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn patch_me(
    State(state): State<AppState>,
    auth: LimitedUser,
    Json(patch): Json<InstructorPatch>,
) -> ApiResult<JsonResponse<InstructorView>> {
    auth.require_role(&[Role::Instructor])?;
    let user = &auth.user;
    if user.instructor.is_none() {
        return Err(ApiError::Forbidden(
            "Only instructors have a teaching profile.".into(),
        ));
    }
    let changes = ProfileChanges::try_from(patch)?;
    let updated = users::apply(
        &state.aws.dynamodb,
        &state.config.table_name,
        user,
        &changes,
        &state.clock.now().rfc3339(),
    )
    .await?;
    InstructorView::of(&updated)
        .map(JsonResponse)
        .ok_or(ApiError::NotFound)
}

/// Every field parsed, all errors reported at once.
impl TryFrom<InstructorPatch> for ProfileChanges {
    type Error = ApiError;

    fn try_from(patch: InstructorPatch) -> ApiResult<Self> {
        let mut v = Validator::default();
        let bio = v.optional("bio", patch.bio, |x| parse_bio(&x)).flatten();
        let vehicle = v
            .optional("vehicle", patch.vehicle, |x| VehicleDescription::parse(&x))
            .flatten();
        let hourly_rate = v
            .optional("hourly_rate", patch.hourly_rate, Rands::parse_amount)
            .flatten();
        let city = v
            .optional("city", patch.city, |x| Place::parse(&x))
            .flatten();
        let suburb = v
            .optional("suburb", patch.suburb, |x| Place::parse(&x))
            .flatten();
        let province = v
            .optional("province", patch.province, |x| Province::parse(&x))
            .flatten();
        let location = v.coordinates(("latitude", "longitude"), patch.latitude, patch.longitude);
        let working_hours = v
            .optional("working_hours", patch.working_hours, |h| {
                WorkingHours::parse(&h)
            })
            .flatten();
        v.finish()?;
        Ok(ProfileChanges {
            city,
            suburb,
            province,
            instructor: InstructorChanges {
                bio,
                vehicle,
                hourly_rate,
                working_hours,
                location,
                time_off: None,
            },
            ..ProfileChanges::default()
        })
    }
}
