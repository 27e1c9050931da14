//! `shared::domain::*::parse`: every request field becomes one of these at the edge. Nothing
//! may panic, and a parsed value is canonical: parsing its own text gives it back, and it
//! keeps the promises its type makes (lengths, ranges, character sets).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use shared::domain::{
    CancelReason, Coordinates, Email, LessonDuration, LicenceNumber, Password, PersonName,
    PhoneNumber, Place, Province, Rands, Rating, ReviewComment, SaIdNumber, StreetAddress,
    VehicleDescription,
};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    email: &'a str,
    phone: &'a str,
    name: &'a str,
    place: &'a str,
    address: &'a str,
    province: &'a str,
    licence: &'a str,
    vehicle: &'a str,
    id_number: &'a str,
    today: (u16, u8, u8),
    password: &'a str,
    comment: &'a str,
    reason: &'a str,
    rating: i64,
    minutes: i64,
    amount: f64,
    points: [(f64, f64); 2],
}

/// `parse(value.as_str()) == value`: the stored spelling is a fixed point.
macro_rules! canonical {
    ($ty:ty, $input:expr) => {
        if let Ok(value) = <$ty>::parse($input) {
            assert_eq!(
                <$ty>::parse(value.as_ref()).as_ref(),
                Ok(&value),
                concat!(stringify!($ty), " is not canonical")
            );
            Some(value)
        } else {
            None
        }
    };
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fuzz_target!(|input: Input<'_>| {
    if let Some(email) = canonical!(Email, input.email) {
        let text = email.as_str();
        assert!(text.len() <= 254 && text.is_ascii());
        assert_eq!(text, text.to_ascii_lowercase());
        assert_eq!(text.matches('@').count(), 1);
    }
    if let Some(phone) = canonical!(PhoneNumber, input.phone) {
        let digits = &phone.as_str()[1..];
        assert!(phone.as_str().starts_with('+'));
        assert!((8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Some(name) = canonical!(PersonName, input.name) {
        assert!(chars(name.as_str()) <= 100 && name.as_str() == name.as_str().trim());
    }
    if let Some(place) = canonical!(Place, input.place) {
        assert!((2..=100).contains(&chars(place.as_str())));
    }
    if let Some(address) = canonical!(StreetAddress, input.address) {
        assert!((5..=300).contains(&chars(address.as_str())));
    }
    if let Ok(province) = Province::parse(input.province) {
        assert_eq!(Province::parse(province.as_str()), Ok(province));
    }
    if let Some(licence) = canonical!(LicenceNumber, input.licence) {
        assert!((6..=20).contains(&licence.as_str().len()));
    }
    canonical!(VehicleDescription, input.vehicle);

    let (year, month, day) = input.today;
    let today = (
        2000 + i32::from(year % 200),
        u32::from(month % 12) + 1,
        u32::from(day % 28) + 1,
    );
    if let Ok(id) = SaIdNumber::parse_on(input.id_number, today) {
        assert_eq!(id.as_str().len(), 13);
        assert!(id.birth_date() <= today, "born in the future");
        assert!(id.masked().ends_with("*******"));
        assert_eq!(SaIdNumber::parse_on(id.as_str(), today), Ok(id));
    }

    if let Ok(password) = Password::parse(input.password) {
        assert_eq!(password.expose(), input.password, "a password was altered");
        assert!((8..=128).contains(&chars(input.password)));
    }
    if let Ok(comment) = ReviewComment::parse(input.comment) {
        assert!(chars(comment.as_str()) <= ReviewComment::MAX_CHARS);
        assert_eq!(ReviewComment::parse(comment.as_str()), Ok(comment));
    }
    if let Ok(reason) = CancelReason::parse(input.reason) {
        assert!((3..=500).contains(&chars(reason.as_str())));
        assert_eq!(CancelReason::parse(reason.as_str()), Ok(reason));
    }
    if let Ok(rating) = Rating::parse(input.rating) {
        assert!((1..=5).contains(&rating.value()));
        assert_eq!(i64::from(rating.value()), input.rating);
    }
    if let Ok(duration) = LessonDuration::parse(input.minutes) {
        assert!((30..=240).contains(&duration.minutes()) && duration.minutes() % 15 == 0);
    }
    if let Ok(rate) = Rands::parse_amount(input.amount) {
        assert!((1..=1_000_000).contains(&rate.cents()));
        assert!(
            (rate.as_f64() - input.amount).abs() < 0.005,
            "{rate:?} from {}",
            input.amount
        );
    }
    let [(lat1, lng1), (lat2, lng2)] = input.points;
    if let (Ok(a), Ok(b)) = (
        Coordinates::parse(lat1, lng1),
        Coordinates::parse(lat2, lng2),
    ) {
        let d = a.distance_km(&b);
        // Half the Earth's circumference is the farthest two points can be.
        assert!(d.is_finite() && (0.0..=20_016.0).contains(&d), "{d} km");
        assert!((a.distance_km(&b) - b.distance_km(&a)).abs() < 1e-6);
    }
});
