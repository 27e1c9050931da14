//! `GET /instructors/nearby?lat&lng&radius_km`: verified instructors within the radius,
//! nearest first, with `distance_km`. The GSI3 listing key is a ~156 km geohash cell: the
//! search queries only the few cells (at most 3 × 3) that the circle's bounding box touches,
//! concurrently, then measures exact distances. No scan, whatever the number of instructors.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::Json as JsonResponse;
use futures::future::try_join_all;
use serde::Deserialize;
use utoipa::IntoParams;

use shared::domain::{Coordinates, DomainError};
use shared::http::openapi as doc;
use shared::http::query::Query;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::pagination::{offset_key, Page, PagedList};
use shared::store::instructors::{self, geohash_of, COARSE_CELL_LEN};
use shared::{ApiResult, AppState};

use crate::listing::PUBLIC_CALLER;
use crate::view::{is_listed, InstructorView};

const KM_PER_DEGREE: f64 = 111.32;
/// Pages read per cell at most; a cell with more instructors than this is a city-sized
/// problem for the listing key, not something to page through on a request.
const MAX_PAGES_PER_CELL: usize = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    /// Latitude of the point, in degrees.
    #[param(value_type = f64, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// Longitude of the point, in degrees.
    #[param(value_type = f64, minimum = -180, maximum = 180)]
    lng: Option<String>,
    /// Search radius in kilometres, 1 to 100.
    #[param(value_type = f64, minimum = 1, maximum = 100)]
    radius_km: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (same filters).
    cursor: Option<String>,
}

fn number(raw: Option<&str>, what: &str) -> Result<f64, DomainError> {
    raw.and_then(|r| r.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| DomainError::new(format!("{what} is required and must be a number")))
}

fn radius(raw: Option<&str>) -> Result<f64, DomainError> {
    let value = number(raw, "radius_km")?;
    if (1.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::new("must be between 1 and 100 km"))
    }
}

/// The coarse geohash cells a circle's bounding box touches, by sampling the box on a grid
/// finer than a cell.
pub fn covering_cells(center: &Coordinates, radius_km: f64) -> BTreeSet<String> {
    let dlat = radius_km / KM_PER_DEGREE;
    let dlng = radius_km / (KM_PER_DEGREE * center.lat().to_radians().cos().abs().max(0.01));
    let steps = 6;
    let mut cells = BTreeSet::new();
    for i in 0..=steps {
        for j in 0..=steps {
            let lat = (center.lat() - dlat + 2.0 * dlat * f64::from(i) / f64::from(steps))
                .clamp(-90.0, 90.0);
            let mut lng = center.lng() - dlng + 2.0 * dlng * f64::from(j) / f64::from(steps);
            if lng > 180.0 {
                lng -= 360.0;
            } else if lng < -180.0 {
                lng += 360.0;
            }
            cells.extend(geohash_of(lat, lng, COARSE_CELL_LEN));
        }
    }
    cells
}

/// Verified instructors near a point
///
/// Within `radius_km` of `lat`,`lng`, nearest first, each with `distance_km`. 100 a minute
/// per IP.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/nearby",
    operation_id = "nearby_instructors",
    tag = "instructors",
    params(NearbyQuery),
    responses(
        (status = 200, description = "A page of instructors, nearest first.",
            body = Page<InstructorView>),
        (status = 400, response = doc::BadRequest),
        (status = 422, response = doc::ValidationFailed),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn nearby(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Query(query): Query<NearbyQuery>,
) -> ApiResult<JsonResponse<Page<InstructorView>>> {
    crate::public_read(&state, &scope, &ip, read_nearby(&state, query)).await
}

async fn read_nearby(
    state: &AppState,
    query: NearbyQuery,
) -> ApiResult<JsonResponse<Page<InstructorView>>> {
    let mut v = Validator::default();
    let lat = v.field("lat", number(query.lat.as_deref(), "lat"));
    let lng = v.field("lng", number(query.lng.as_deref(), "lng"));
    let radius_km = v.field("radius_km", radius(query.radius_km.as_deref()));
    let center = match (lat, lng) {
        (Some(lat), Some(lng)) => v.field("lat", Coordinates::parse(lat, lng)),
        _ => None,
    };
    let (center, radius_km) = v.finish_with(center.zip(radius_km))?;

    let fingerprint = format!(
        "nearby?lat={:.5}&lng={:.5}&radius_km={radius_km}",
        center.lat(),
        center.lng()
    );
    let list = PagedList::new(state, PUBLIC_CALLER, fingerprint);
    let page = list
        .request(query.limit.as_deref(), query.cursor.as_deref())
        .await?;
    let offset = page.offset();

    let cells = covering_cells(&center, radius_km);
    let (db, table) = (&state.aws.dynamodb, &state.config.table_name);
    let found = try_join_all(
        cells
            .iter()
            .map(|cell| instructors::in_cell(db, table, cell, MAX_PAGES_PER_CELL)),
    )
    .await?;
    let mut matches: Vec<InstructorView> = found
        .into_iter()
        .flatten()
        .filter(is_listed)
        .filter_map(|user| {
            let details = user.instructor.as_ref()?;
            let here = Coordinates::parse(details.latitude, details.longitude).ok()?;
            let distance = center.distance_km(&here);
            (distance <= radius_km).then(|| {
                let mut view = InstructorView::of(&user)?;
                view.distance_km = Some((distance * 100.0).round() / 100.0);
                Some(view)
            })?
        })
        .collect();
    matches.sort_by(|a, b| {
        a.distance_km
            .partial_cmp(&b.distance_km)
            .unwrap_or(std::cmp::Ordering::Equal)
    });

    let limit = usize::try_from(page.limit).unwrap_or(20);
    let total = matches.len();
    let items: Vec<InstructorView> = matches.into_iter().skip(offset).take(limit).collect();
    let next_offset = offset + items.len();
    // The matches are measured, not stored in order: the cursor is the offset into them.
    let next_key = (next_offset < total).then(|| offset_key(next_offset));
    Ok(JsonResponse(list.page(items, next_key.as_ref()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_radius_touches_few_cells_and_a_large_one_at_most_nine() {
        let cape_town = Coordinates::parse(-33.9249, 18.4241).expect("valid");
        assert!(covering_cells(&cape_town, 1.0).len() <= 4);
        let large = covering_cells(&cape_town, 100.0);
        assert!((1..=9).contains(&large.len()), "{large:?}");
        let stellenbosch = geohash_of(-33.9321, 18.8602, COARSE_CELL_LEN).expect("cell");
        assert!(covering_cells(&cape_town, 60.0).contains(&stellenbosch));
    }
}
