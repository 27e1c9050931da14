//! Time as the code sees it: epoch seconds for expiry maths, RFC 3339 UTC for stored times.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where a request's "now" comes from: the system clock, or (in tests) an instant the test
/// sets. `AppState` holds one; a handler reads it once and passes the [`Now`] on.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<jiff::Timestamp>>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stays at `at` until [`set`](Self::set) moves it.
    pub fn fixed(at: jiff::Timestamp) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Moves a fixed clock (every copy of it); a system clock ignores this.
    pub fn set(&self, at: jiff::Timestamp) {
        if let Some(fixed) = &self.fixed {
            *fixed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
        }
    }

    pub fn now(&self) -> Now {
        Now(match &self.fixed {
            None => jiff::Timestamp::now(),
            Some(fixed) => *fixed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        })
    }
}

/// One reading of a [`Clock`], in the forms the code stores and compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Now(jiff::Timestamp);

impl Now {
    pub fn timestamp(self) -> jiff::Timestamp {
        self.0
    }

    pub fn secs(self) -> i64 {
        self.0.as_second()
    }

    pub fn millis(self) -> i64 {
        self.0.as_millisecond()
    }

    /// RFC 3339 UTC with millisecond precision (sorts as text).
    pub fn rfc3339(self) -> String {
        format!("{:.3}", self.0)
    }
}

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
    fn a_fixed_clock_reads_what_the_test_set() {
        let at: jiff::Timestamp = "2026-03-03T08:00:00Z".parse().expect("instant");
        let clock = Clock::fixed(at);
        let copy = clock.clone();
        assert_eq!(copy.now().rfc3339(), "2026-03-03T08:00:00.000Z");
        clock.set(at + jiff::SignedDuration::from_secs(90));
        assert_eq!(copy.now().secs(), at.as_second() + 90);
        assert_eq!(copy.now().millis(), (at.as_second() + 90) * 1000);
    }

    #[test]
    fn rfc3339_timestamps_are_utc_with_milliseconds() {
        let text = now_rfc3339();
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(text.len(), "2026-01-01T00:00:00.000Z".len(), "{text}");
    }
}
