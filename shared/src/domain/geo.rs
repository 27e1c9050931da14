//! A point on the Earth, for pickups and instructor search.

use super::DomainError;

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Latitude and longitude in decimal degrees (WGS 84), always finite and in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    lat: f64,
    lng: f64,
}

impl Coordinates {
    pub fn parse(lat: f64, lng: f64) -> Result<Self, DomainError> {
        // `contains` is false for NaN, and infinities are out of range, so this also refuses
        // non-finite values.
        if !(-90.0..=90.0).contains(&lat) {
            return Err(DomainError::new("latitude must be between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(DomainError::new("longitude must be between -180 and 180"));
        }
        Ok(Self { lat, lng })
    }

    /// A point sent as two optional fields named `names` (latitude, longitude): both or
    /// neither. Neither is `Ok(None)`.
    pub fn parse_pair(
        lat: Option<f64>,
        lng: Option<f64>,
        names: (&str, &str),
    ) -> Result<Option<Self>, DomainError> {
        match (lat, lng) {
            (None, None) => Ok(None),
            (Some(lat), Some(lng)) => Self::parse(lat, lng).map(Some),
            _ => Err(DomainError::new(format!(
                "{} and {} go together",
                names.0, names.1
            ))),
        }
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lng(&self) -> f64 {
        self.lng
    }

    /// Great-circle distance by the haversine formula; good to about 0.5% on a sphere, which
    /// is plenty for "instructors near me".
    pub fn distance_km(&self, other: &Coordinates) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let d_lat = lat2 - lat1;
        let d_lng = (other.lng - self.lng).to_radians();
        let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
        // Rounding can push h a hair above 1 for antipodal points; asin would then be NaN.
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lng: f64) -> Coordinates {
        Coordinates::parse(lat, lng).unwrap()
    }

    #[test]
    fn a_latitude_needs_its_longitude() {
        let names = ("latitude", "longitude");
        assert_eq!(Coordinates::parse_pair(None, None, names), Ok(None));
        assert_eq!(
            Coordinates::parse_pair(Some(1.0), Some(2.0), names),
            Ok(Some(at(1.0, 2.0)))
        );
        for (lat, lng) in [(Some(1.0), None), (None, Some(2.0))] {
            let err = Coordinates::parse_pair(lat, lng, names).expect_err("half a pair");
            assert_eq!(err.message, "latitude and longitude go together");
        }
        assert!(Coordinates::parse_pair(Some(91.0), Some(0.0), names).is_err());
    }

    #[test]
    fn accepts_coordinates_in_range() {
        let cases = [
            (-33.9249, 18.4241, "Cape Town"),
            (0.0, 0.0, "null island"),
            (90.0, 180.0, "upper bounds inclusive"),
            (-90.0, -180.0, "lower bounds inclusive"),
        ];
        for (lat, lng, why) in cases {
            let point = Coordinates::parse(lat, lng).unwrap_or_else(|e| panic!("{why}: {e}"));
            assert_eq!((point.lat(), point.lng()), (lat, lng), "{why}");
        }
    }

    #[test]
    fn rejects_out_of_range_and_non_finite_values() {
        let lat_msg = "latitude must be between -90 and 90";
        let lng_msg = "longitude must be between -180 and 180";
        let cases = [
            (90.0001, 0.0, lat_msg, "latitude above 90"),
            (-90.5, 0.0, lat_msg, "latitude below -90"),
            (f64::NAN, 0.0, lat_msg, "NaN latitude"),
            (f64::INFINITY, 0.0, lat_msg, "infinite latitude"),
            (0.0, 180.0001, lng_msg, "longitude above 180"),
            (0.0, -181.0, lng_msg, "longitude below -180"),
            (0.0, f64::NAN, lng_msg, "NaN longitude"),
            (0.0, f64::NEG_INFINITY, lng_msg, "infinite longitude"),
        ];
        for (lat, lng, message, why) in cases {
            assert_eq!(
                Coordinates::parse(lat, lng),
                Err(DomainError::new(message)),
                "{why}"
            );
        }
    }

    #[test]
    fn distance_matches_known_south_african_distances() {
        let cape_town = at(-33.9249, 18.4241);
        let cases = [
            (
                at(-33.9321, 18.8602),
                39.3,
                41.3,
                "Cape Town to Stellenbosch, about 40.3 km",
            ),
            (
                at(-26.2041, 28.0473),
                1260.0,
                1275.0,
                "Cape Town to Johannesburg",
            ),
            (cape_town, 0.0, 0.0, "a point to itself"),
        ];
        for (other, min, max, why) in cases {
            let km = cape_town.distance_km(&other);
            assert!((min..=max).contains(&km), "{why}: got {km}");
            assert!(
                (other.distance_km(&cape_town) - km).abs() < 1e-9,
                "{why}: symmetric"
            );
        }
    }

    #[test]
    fn antipodal_points_are_half_the_circumference_apart() {
        let km = at(0.0, 0.0).distance_km(&at(0.0, 180.0));
        assert!(
            (km - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6,
            "got {km}"
        );
    }
}
