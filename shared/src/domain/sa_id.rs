//! A South African identity number: YYMMDD SSSS C A Z.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use super::DomainError;

const LEN: usize = 13;

/// A calendar date as (year, month, day).
type Date = (i32, u32, u32);

/// Thirteen digits with a real birth date, a known citizenship digit and a correct Luhn check
/// digit. The birth date is kept because the two-digit year cannot be placed in a century
/// again later without knowing the day it was parsed on.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SaIdNumber {
    digits: String,
    birth_date: Date,
}

impl SaIdNumber {
    /// Parses against today's date (UTC), which decides the century of the birth year.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::parse_on(input, today_utc())
    }

    /// Parses as if today were `today`: a two-digit year is 20YY unless that date is still in
    /// the future, then 19YY.
    pub fn parse_on(input: &str, today: Date) -> Result<Self, DomainError> {
        // Printed IDs are often grouped "YYMMDD SSSS CAZ"; the spaces carry nothing.
        let digits: String = input.trim().chars().filter(|c| *c != ' ').collect();
        if digits.len() != LEN || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::new("must be 13 digits"));
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let birth_date = birth_date(&d, today)
            .ok_or_else(|| DomainError::new("must start with a valid date of birth (YYMMDD)"))?;
        // C: 0 citizen, 1 permanent resident, 2 refugee.
        if d[10] > 2 {
            return Err(DomainError::new("must be a valid South African ID number"));
        }
        if !luhn_valid(&d) {
            return Err(DomainError::new("has an invalid check digit"));
        }
        Ok(Self { digits, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The birth date digits only, for screens and logs.
    pub fn masked(&self) -> String {
        format!("{}*******", &self.digits[..6])
    }
}

impl AsRef<str> for SaIdNumber {
    fn as_ref(&self) -> &str {
        &self.digits
    }
}

/// Masked so an ID number never reaches a log line through `{:?}`.
impl fmt::Debug for SaIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SaIdNumber").field(&self.masked()).finish()
    }
}

fn birth_date(d: &[u32], today: Date) -> Option<Date> {
    let yy = (d[0] * 10 + d[1]) as i32;
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    let this_century = (2000 + yy, month, day);
    if is_valid_date(this_century) && this_century <= today {
        return Some(this_century);
    }
    let last_century = (1900 + yy, month, day);
    is_valid_date(last_century).then_some(last_century)
}

fn is_valid_date((year, month, day): Date) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Luhn over all 13 digits: doubling every second digit from the right, the sum is a multiple
/// of ten exactly when the last digit is the check digit of the first twelve.
fn luhn_valid(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| match i % 2 {
            0 => digit,
            _ if digit * 2 > 9 => digit * 2 - 9,
            _ => digit * 2,
        })
        .sum();
    sum % 10 == 0
}

fn today_utc() -> Date {
    // A clock before 1970 is a broken host; treating it as the epoch only makes 20YY less likely.
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = (2025, 6, 15);

    /// The check digit by the Home Affairs formula, written independently of `luhn_valid`:
    /// sum the odd-position digits, double the number formed by the even-position digits, add
    /// its digit sum, and take what is needed to reach the next multiple of ten.
    fn with_check_digit(first12: &str) -> String {
        let d: Vec<u32> = first12.bytes().map(|b| u32::from(b - b'0')).collect();
        let odd_sum: u32 = d.iter().step_by(2).sum();
        let even_number: u64 = d
            .iter()
            .skip(1)
            .step_by(2)
            .fold(0, |n, &digit| n * 10 + u64::from(digit));
        let doubled_digit_sum: u32 = (even_number * 2)
            .to_string()
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .sum();
        let check = (10 - (odd_sum + doubled_digit_sum) % 10) % 10;
        format!("{first12}{check}")
    }

    #[test]
    fn accepts_valid_ids_and_places_the_birth_year() {
        let cases = [
            // Checked by hand: 8+0+0+5+0+0 = 13; 011098*2 = 22196 -> 20; 10 - 33 % 10 = 7.
            (
                "8001015009087".to_owned(),
                (1980, 1, 1),
                "well-known example, worked by hand",
            ),
            (
                with_check_digit("950712512308"),
                (1995, 7, 12),
                "1990s birth, male citizen",
            ),
            (
                with_check_digit("050315012308"),
                (2005, 3, 15),
                "2000s birth already past",
            ),
            (
                with_check_digit("250615012308"),
                (2025, 6, 15),
                "born today counts as this century",
            ),
            (
                with_check_digit("250616012308"),
                (1925, 6, 16),
                "tomorrow's date falls back to 1925",
            ),
            (
                with_check_digit("000229012308"),
                (2000, 2, 29),
                "29 Feb 2000, a leap year",
            ),
            (
                with_check_digit("960229012308"),
                (1996, 2, 29),
                "29 Feb 1996, a leap year",
            ),
            (
                with_check_digit("991231012318"),
                (1999, 12, 31),
                "permanent resident",
            ),
            (with_check_digit("880430012328"), (1988, 4, 30), "refugee"),
        ];
        for (input, birth, why) in cases {
            let id = SaIdNumber::parse_on(&input, TODAY)
                .unwrap_or_else(|e| panic!("{why}: {input} refused: {e}"));
            assert_eq!(id.birth_date(), birth, "{why}");
            assert_eq!(id.as_str(), input, "{why}: digits kept");
        }
    }

    #[test]
    fn rejects_invalid_ids_with_a_reason() {
        let valid = with_check_digit("950712512308");
        let last = valid.as_bytes()[12] - b'0';
        let wrong_check = format!("{}{}", &valid[..12], (last + 1) % 10);
        let cases = [
            (
                wrong_check,
                "has an invalid check digit",
                "wrong check digit",
            ),
            (
                with_check_digit("950230512308"),
                "must start with a valid date of birth (YYMMDD)",
                "30 February",
            ),
            (
                with_check_digit("970229512308"),
                "must start with a valid date of birth (YYMMDD)",
                "29 Feb in 1997",
            ),
            (
                with_check_digit("951312512308"),
                "must start with a valid date of birth (YYMMDD)",
                "month 13",
            ),
            (
                with_check_digit("950001512308"),
                "must start with a valid date of birth (YYMMDD)",
                "month 0",
            ),
            (
                with_check_digit("950400512308"),
                "must start with a valid date of birth (YYMMDD)",
                "day 0",
            ),
            (
                with_check_digit("950431512308"),
                "must start with a valid date of birth (YYMMDD)",
                "31 April",
            ),
            (
                with_check_digit("950712512338"),
                "must be a valid South African ID number",
                "citizenship digit 3",
            ),
            (
                "95071251230AB".to_owned(),
                "must be 13 digits",
                "13 characters with letters",
            ),
            ("950712512308".to_owned(), "must be 13 digits", "12 digits"),
            (
                "95071251230812".to_owned(),
                "must be 13 digits",
                "14 digits",
            ),
            ("".to_owned(), "must be 13 digits", "empty"),
            (
                "9507-1251-2308-7".to_owned(),
                "must be 13 digits",
                "hyphens",
            ),
        ];
        for (input, message, why) in cases {
            assert_eq!(
                SaIdNumber::parse_on(&input, TODAY).err(),
                Some(DomainError::new(message)),
                "{why}: {input:?}"
            );
        }
    }

    #[test]
    fn ignores_grouping_spaces() {
        let id = SaIdNumber::parse_on(" 800101 5009 087 ", TODAY).map(|id| id.as_str().to_owned());
        assert_eq!(id.as_deref(), Ok("8001015009087"));
    }

    #[test]
    fn masked_shows_only_the_birth_date_and_debug_is_masked() {
        let id = SaIdNumber::parse_on("8001015009087", TODAY).unwrap();
        assert_eq!(id.masked(), "800101*******");
        assert_eq!(format!("{id:?}"), "SaIdNumber(\"800101*******\")");
    }

    #[test]
    fn parse_uses_the_current_date() {
        assert!(
            SaIdNumber::parse("8001015009087").is_ok(),
            "1980 birth is valid today"
        );
        let (year, _, _) = today_utc();
        assert!(
            year >= 2025,
            "system clock gives a plausible year, got {year}"
        );
    }

    #[test]
    fn civil_from_days_matches_known_dates() {
        let cases = [
            (0, (1970, 1, 1), "epoch"),
            (-1, (1969, 12, 31), "day before the epoch"),
            (11_016, (2000, 2, 29), "leap day 2000"),
            (19_723, (2024, 1, 1), "start of 2024"),
            (20_147, (2025, 2, 28), "end of February 2025"),
            (20_148, (2025, 3, 1), "1 March after a common year"),
        ];
        for (days, date, why) in cases {
            assert_eq!(civil_from_days(days), date, "{why}");
        }
    }
}
