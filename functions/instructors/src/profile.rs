//! `GET /instructors/{id}` (a verified instructor's public profile) and
//! `PATCH /instructors/me` (an instructor's teaching details). A verified instructor's listing
//! keys move in the same update as the city or location they are made from.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::auth::{AuthUser, Role};
use shared::clock;
use shared::domain::{
    Coordinates, DomainError, Place, Province, Rands, VehicleDescription, WorkingHours,
    WorkingHoursInput,
};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::rate_limit::RuleName;
use shared::store::attr::{n, s};
use shared::store::instructors::listing_keys;
use shared::store::users;
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
    crate::public_limit(&state, &scope, &ip).await?;
    if id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let user = users::get(&state.aws.dynamodb, &state.config.table_name, &id)
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
    scope: RequestScope,
    auth: AuthUser,
    Json(patch): Json<InstructorPatch>,
) -> ApiResult<JsonResponse<InstructorView>> {
    auth.require_role(&[Role::Instructor])?;
    state
        .limiter
        .check(&scope, RuleName::User, auth.user_id(), false)
        .await?;
    let user = &auth.user;
    let Some(details) = user.instructor.as_ref() else {
        return Err(ApiError::Forbidden(
            "Only instructors have a teaching profile.".into(),
        ));
    };

    let mut v = Validator::default();
    let bio = v.optional("bio", patch.bio, |x| parse_bio(&x)).flatten();
    let vehicle = v
        .optional("vehicle", patch.vehicle, |x| VehicleDescription::parse(&x))
        .flatten();
    let rate = v
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
    let location = match (patch.latitude, patch.longitude) {
        (None, None) => None,
        (Some(lat), Some(lng)) => v.field("latitude", Coordinates::parse(lat, lng)),
        _ => {
            v.error("latitude", "latitude and longitude go together");
            None
        }
    };
    let hours = v
        .optional("working_hours", patch.working_hours, |h| {
            WorkingHours::parse(&h)
        })
        .flatten();
    v.finish()?;

    let mut changes: Vec<(&'static str, AttributeValue)> = Vec::new();
    if let Some(bio) = bio {
        changes.push(("bio", s(bio)));
    }
    if let Some(vehicle) = vehicle {
        changes.push(("vehicle", s(vehicle.as_str())));
    }
    if let Some(rate) = rate {
        changes.push(("hourly_rate_cents", n(rate.cents())));
    }
    if let Some(province) = province {
        changes.push(("province", s(province.as_str())));
    }
    if let Some(suburb) = &suburb {
        changes.push(("suburb", s(suburb.as_str())));
    }
    if let Some(hours) = &hours {
        let json = serde_json::to_string(hours).map_err(anyhow::Error::from)?;
        changes.push(("working_hours", s(json)));
    }
    let new_city = city.as_ref().map(|c| c.as_str().to_owned());
    if let Some(city) = &new_city {
        changes.push(("city", s(city)));
    }
    if let Some(location) = &location {
        changes.push(("latitude", n(location.lat())));
        changes.push(("longitude", n(location.lng())));
    }
    if details.is_verified() && (new_city.is_some() || location.is_some()) {
        let (lat, lng) = location
            .map(|l| (l.lat(), l.lng()))
            .unwrap_or((details.latitude, details.longitude));
        changes.extend(listing_keys(
            &user.user_id,
            new_city.as_deref().unwrap_or(&user.city),
            &user.last_name,
            lat,
            lng,
        ));
    }
    if changes.is_empty() {
        return InstructorView::of(user)
            .map(JsonResponse)
            .ok_or(ApiError::NotFound);
    }
    changes.push(("updated_at", s(clock::now_rfc3339())));

    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut sets = Vec::new();
    for (i, (name, value)) in changes.into_iter().enumerate() {
        names.insert(format!("#f{i}"), name.to_owned());
        values.insert(format!(":v{i}"), value);
        sets.push(format!("#f{i} = :v{i}"));
    }
    let table = &state.config.table_name;
    let output = state
        .aws
        .dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(users::profile_key(&user.user_id)))
        .update_expression(format!("SET {}", sets.join(", ")))
        .condition_expression("attribute_exists(PK)")
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await
        .map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context("Failed to update the profile"))
        })?;
    let updated = match output.attributes() {
        Some(item) if !item.is_empty() => users::UserRecord::try_from(item)?,
        // The emulator's ReturnValues shape can differ; read the profile back instead.
        _ => users::get(&state.aws.dynamodb, table, &user.user_id)
            .await?
            .ok_or(ApiError::NotFound)?,
    };
    InstructorView::of(&updated)
        .map(JsonResponse)
        .ok_or(ApiError::NotFound)
}
