//! The demo people: instructors with their places and rates, students, and their secrets.

use rand::Rng;

use shared::domain::Password;

/// A random password that passes the production policy.
pub(super) fn random_password() -> String {
    let mut rng = rand::thread_rng();
    loop {
        let core: String = (0..12)
            .map(|_| {
                let chars = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
                chars[rng.gen_range(0..chars.len())] as char
            })
            .collect();
        let candidate = format!("{core}-{}!", rng.gen_range(10..100));
        if Password::parse(&candidate).is_ok() {
            return candidate;
        }
    }
}

/// A South African ID number (born `yymmdd`) with a valid Luhn check digit.
pub(super) fn id_number(yymmdd: &str) -> String {
    let base = format!("{yymmdd}{:04}08", rand::thread_rng().gen_range(0..10_000));
    let sum: u32 = base
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (0, doubled) if doubled > 9 => doubled - 9,
            (0, doubled) => doubled,
            _ => d,
        })
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

pub(super) struct Person {
    pub(super) first: &'static str,
    pub(super) last: &'static str,
    pub(super) city: &'static str,
    pub(super) suburb: &'static str,
    pub(super) province: &'static str,
    pub(super) lat: f64,
    pub(super) lng: f64,
}

pub(super) const INSTRUCTORS: [(Person, i64); 5] = [
    (
        Person {
            first: "Naledi",
            last: "Khumalo",
            city: "Cape Town",
            suburb: "Gardens",
            province: "Western Cape",
            lat: -33.9321,
            lng: 18.4106,
        },
        35_000,
    ),
    (
        Person {
            first: "Pieter",
            last: "van der Merwe",
            city: "Cape Town",
            suburb: "Rondebosch",
            province: "Western Cape",
            lat: -33.9608,
            lng: 18.4719,
        },
        32_000,
    ),
    (
        Person {
            first: "Anele",
            last: "Jacobs",
            city: "Stellenbosch",
            suburb: "Die Boord",
            province: "Western Cape",
            lat: -33.9367,
            lng: 18.8458,
        },
        30_000,
    ),
    (
        Person {
            first: "Sipho",
            last: "Dlamini",
            city: "Johannesburg",
            suburb: "Braamfontein",
            province: "Gauteng",
            lat: -26.1929,
            lng: 28.0305,
        },
        38_000,
    ),
    (
        Person {
            first: "Zanele",
            last: "Mokoena",
            city: "Johannesburg",
            suburb: "Rosebank",
            province: "Gauteng",
            lat: -26.1467,
            lng: 28.0436,
        },
        40_000,
    ),
];

pub(super) const STUDENTS: [(&str, &str, &str, &str); 10] = [
    ("Thandiwe", "Mthembu", "Cape Town", "Observatory"),
    ("Liam", "Pillay", "Cape Town", "Woodstock"),
    ("Aisha", "Adams", "Cape Town", "Claremont"),
    ("Bongani", "Nkosi", "Stellenbosch", "Idas Valley"),
    ("Chloe", "Botha", "Stellenbosch", "Dalsig"),
    ("Kagiso", "Molefe", "Johannesburg", "Melville"),
    ("Lerato", "Sithole", "Johannesburg", "Parktown"),
    ("Ethan", "Naidoo", "Johannesburg", "Auckland Park"),
    ("Palesa", "Zulu", "Cape Town", "Sea Point"),
    ("Ruan", "Steyn", "Stellenbosch", "Mostertsdrift"),
];
