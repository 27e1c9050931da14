//! Time as the code sees it: epoch seconds for expiry maths, RFC 3339 UTC for stored times.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The current instant as RFC 3339 UTC with millisecond precision (sorts as text).
pub fn now_rfc3339() -> String {
    format!("{:.3}", jiff::Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_timestamps_are_utc_with_milliseconds() {
        let text = now_rfc3339();
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(text.len(), "2026-01-01T00:00:00.000Z".len(), "{text}");
    }
}
