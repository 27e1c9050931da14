//! Fixed-window maths: a window is `[index * length, (index + 1) * length)` in epoch seconds.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub index: u64,
    /// Epoch second at which the window ends (exclusive).
    pub ends_at: u64,
    /// Seconds from `now` to the end, at least 1 so `Retry-After` is never 0.
    pub resets_in: u64,
}

impl Window {
    pub fn containing(now_secs: u64, length_secs: u64) -> Self {
        let length = length_secs.max(1);
        let index = now_secs / length;
        let ends_at = (index + 1) * length;
        Self {
            index,
            ends_at,
            resets_in: (ends_at - now_secs).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_reset_counts_down() {
        let cases = [
            // (now, length, index, ends_at, resets_in)
            (0, 60, 0, 60, 60),
            (59, 60, 0, 60, 1),
            (60, 60, 1, 120, 60),
            (3_601, 3_600, 1, 7_200, 3_599),
            (10, 0, 10, 11, 1),
        ];
        for (now, length, index, ends_at, resets_in) in cases {
            let w = Window::containing(now, length);
            assert_eq!(
                (w.index, w.ends_at, w.resets_in),
                (index, ends_at, resets_in),
                "now={now} length={length}"
            );
        }
    }
}
