//! How a verified instructor becomes findable. The profile item (`USER#<id>`/`PROFILE`) carries
//! two sparse index keys that exist only while the instructor is verified:
//!
//! | index | partition key             | sort key                 | serves                    |
//! |-------|---------------------------|--------------------------|---------------------------|
//! | GSI2  | `CITY#<city slug>`        | `<last name>#<id>`       | `GET /instructors?city=`  |
//! | GSI3  | `GEO#<geohash, 3 chars>`  | `<geohash, 7 chars>#<id>`| `GET /instructors/nearby` |
//!
//! Unverified or rejected instructors have neither key, so no listing can show them, and no
//! listing needs a filter to hide them.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::schema::{GSI2, GSI3};
use crate::store::attr::s;

/// A geohash cell of this many characters is about 156 km × 156 km at the equator: a nearby
/// search of up to 100 km touches at most 3 × 3 of them.
pub const COARSE_CELL_LEN: usize = 3;
const FINE_CELL_LEN: usize = 7;

/// `Cape Town` → `cape-town`: the city part of the listing key.
pub fn city_slug(city: &str) -> String {
    city.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

pub fn geohash_of(lat: f64, lng: f64, len: usize) -> Option<String> {
    geohash::encode(geohash::Coord { x: lng, y: lat }, len).ok()
}

/// The `GSI2` partition of one city's listing.
pub fn city_pk(slug: &str) -> String {
    format!("CITY#{slug}")
}

/// The `GSI3` partition of one coarse geohash cell.
pub fn geo_pk(cell: &str) -> String {
    format!("GEO#{cell}")
}

/// The GSI2/GSI3 attributes of a verified instructor.
pub fn listing_keys(
    user_id: &str,
    city: &str,
    last_name: &str,
    lat: f64,
    lng: f64,
) -> Vec<(&'static str, AttributeValue)> {
    let mut keys = vec![
        (GSI2.partition_key, s(city_pk(&city_slug(city)))),
        (
            GSI2.sort_key,
            s(format!("{}#{user_id}", last_name.to_lowercase())),
        ),
    ];
    if let (Some(coarse), Some(fine)) = (
        geohash_of(lat, lng, COARSE_CELL_LEN),
        geohash_of(lat, lng, FINE_CELL_LEN),
    ) {
        keys.push((GSI3.partition_key, s(geo_pk(&coarse))));
        keys.push((GSI3.sort_key, s(format!("{fine}#{user_id}"))));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_slugs_ignore_case_and_spacing() {
        assert_eq!(city_slug("Cape Town"), "cape-town");
        assert_eq!(city_slug("  cape   TOWN "), "cape-town");
    }

    #[test]
    fn listing_keys_place_nearby_instructors_in_the_same_coarse_cell() {
        let cape_town = listing_keys("a", "Cape Town", "Naidoo", -33.9249, 18.4241);
        let same_city = listing_keys("b", "Cape Town", "Botha", -33.93, 18.43);
        let cell = |keys: &[(&str, AttributeValue)]| {
            keys.iter()
                .find(|(n, _)| *n == GSI3.partition_key)
                .and_then(|(_, v)| v.as_s().ok().cloned())
        };
        assert_eq!(cell(&cape_town), cell(&same_city));
        assert!(cell(&cape_town).is_some_and(|c| c.len() == "GEO#".len() + COARSE_CELL_LEN));
    }
}
