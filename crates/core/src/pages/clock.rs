//! Local dates and times of day for receipts and history rows, from milliseconds since the
//! epoch and the browser's UTC offset (no time-zone database: the offset is all we need).

/// Minutes east of UTC (local time minus UTC), as the browser reports for "now".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UtcOffset {
    minutes_east: i32,
}

/// A local calendar date and time of day, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MS_PER_MINUTE: i64 = 60_000;
const MINUTES_PER_DAY: i64 = 24 * 60;

impl UtcOffset {
    pub const UTC: Self = Self { minutes_east: 0 };

    pub fn minutes_east(minutes_east: i32) -> Self {
        Self { minutes_east }
    }

    /// From JavaScript's `Date#getTimezoneOffset()`, which counts minutes *west* of UTC.
    pub fn from_js_timezone_offset(minutes_west: f64) -> Self {
        // An offset is within a day, so the cast cannot overflow; NaN becomes 0 (UTC).
        Self::minutes_east(-(minutes_west.round() as i32))
    }

    /// The local time at `epoch_ms`; a time before 1970 (never a real save) reads as 1970.
    pub fn local(&self, epoch_ms: f64) -> LocalTime {
        let minutes = (epoch_ms / MS_PER_MINUTE as f64).floor() as i64 + self.minutes_east as i64;
        let minutes = minutes.max(0);
        let (mut days, of_day) = (minutes / MINUTES_PER_DAY, minutes % MINUTES_PER_DAY);
        let mut year = 1970;
        loop {
            let length = if is_leap(year) { 366 } else { 365 };
            if days < length {
                break;
            }
            days -= length;
            year += 1;
        }
        let mut month = 1;
        while days >= month_days(year, month) {
            days -= month_days(year, month);
            month += 1;
        }
        LocalTime {
            year,
            month,
            day: days as u32 + 1,
            hour: (of_day / 60) as u32,
            minute: (of_day % 60) as u32,
        }
    }
}

impl LocalTime {
    /// "14:05".
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// "5 Dec 2026, 14:05".
    pub fn date_and_clock(&self) -> String {
        let month = MONTHS[(self.month as usize).clamp(1, 12) - 1];
        format!("{} {month} {}, {}", self.day, self.year, self.clock())
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn month_days(year: i64, month: u32) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-05T06:35:00Z.
    const MORNING: f64 = 1_796_452_500_000.0;

    #[test]
    fn utc_dates_and_times() {
        let t = UtcOffset::UTC.local(MORNING);
        assert_eq!(t.clock(), "06:35");
        assert_eq!(t.date_and_clock(), "5 Dec 2026, 06:35");
        assert_eq!(
            UtcOffset::UTC.local(0.0).date_and_clock(),
            "1 Jan 1970, 00:00"
        );
    }

    #[test]
    fn leap_days_and_year_ends() {
        // 2024-02-29T23:59:00Z and 2000-12-31T12:00:00Z.
        assert_eq!(
            UtcOffset::UTC.local(1_709_251_140_000.0).date_and_clock(),
            "29 Feb 2024, 23:59"
        );
        assert_eq!(
            UtcOffset::UTC.local(978_264_000_000.0).date_and_clock(),
            "31 Dec 2000, 12:00"
        );
    }

    #[test]
    fn the_browsers_offset_counts_west() {
        // New York in winter reports 300 (five hours west); Kolkata reports -330.
        let new_york = UtcOffset::from_js_timezone_offset(300.0);
        assert_eq!(
            new_york.local(MORNING).date_and_clock(),
            "5 Dec 2026, 01:35"
        );
        let kolkata = UtcOffset::from_js_timezone_offset(-330.0);
        assert_eq!(kolkata.local(MORNING).clock(), "12:05");
        // Across midnight, backwards.
        let hawaii = UtcOffset::minutes_east(-10 * 60);
        assert_eq!(hawaii.local(MORNING).date_and_clock(), "4 Dec 2026, 20:35");
    }
}
