//! Time: an injectable clock for the state machines and the UTC text format
//! the APIs use (`yyyy-MM-ddTHH:mm:ssZ`).
//!
//! Times are milliseconds since the Unix epoch (`i64`). The resource clock
//! drives every status transition, creation time and expiry; signature
//! timestamps are always checked against the real wall clock because clients
//! sign with the real time even when a test has moved the resource clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The clock driving resource state. `Clock::system()` (the default) follows
/// the wall clock, shifted by whatever `advance` added (handy to fast-forward a
/// running demo past an expiry); `Clock::manual()` only moves when told to.
/// Clones share the same time, so a test keeps one clone and advances it.
#[derive(Clone, Debug, Default)]
pub struct Clock(Arc<Mutex<ClockState>>);

#[derive(Debug)]
enum ClockState {
    System { offset: Millis },
    Manual { now: Millis },
}

impl Default for ClockState {
    fn default() -> Self {
        ClockState::System { offset: 0 }
    }
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A manual clock starting at the current wall-clock time.
    pub fn manual() -> Self {
        Self::manual_at(wall_now())
    }

    /// A manual clock starting at `start` (ms since the epoch).
    pub fn manual_at(start: Millis) -> Self {
        Clock(Arc::new(Mutex::new(ClockState::Manual { now: start })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current time in ms since the epoch.
    pub fn now(&self) -> Millis {
        match *self.state() {
            ClockState::System { offset } => wall_now() + offset,
            ClockState::Manual { now } => now,
        }
    }

    /// Move the clock forward (a system clock gains an offset).
    pub fn advance(&self, by: Duration) {
        match &mut *self.state() {
            ClockState::System { offset } => *offset += ms(by),
            ClockState::Manual { now } => *now += ms(by),
        }
    }

    /// Set the current time.
    pub fn set(&self, at: Millis) {
        match &mut *self.state() {
            ClockState::System { offset } => *offset = at - wall_now(),
            ClockState::Manual { now } => *now = at,
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        matches!(*self.state(), ClockState::Manual { .. })
    }
}

/// Wall-clock time in ms since the epoch.
pub fn wall_now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// Milliseconds in a duration, saturating.
pub fn ms(d: Duration) -> Millis {
    d.as_millis().min(i64::MAX as u128) as Millis
}

/// `yyyy-MM-ddTHH:mm:ssZ` in UTC.
pub fn format_utc(t: Millis) -> String {
    let secs = t.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Parse `yyyy-MM-ddTHH:mm:ssZ` (optionally with fractional seconds) into ms.
pub fn parse_utc(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut frac_ms = 0;
    if b.len() > 20 {
        // `.fff…Z`
        if b[19] != b'.' {
            return None;
        }
        let digits = s.get(20..s.len() - 1)?;
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{digits:0<3}");
        frac_ms = padded[..3].parse::<i64>().ok()?;
    } else if b[19] != b'Z' {
        return None;
    }
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400 + h * 3600 + mi * 60 + se) * 1000 + frac_ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithm (public domain arithmetic).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// Serde helper: a time as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn ser_utc<S: serde::Serializer>(t: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_utc(*t))
}

/// Serde helper: an optional time as `yyyy-MM-ddTHH:mm:ssZ` or null.
pub fn ser_opt_utc<S: serde::Serializer>(t: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_utc(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse_round_trip() {
        let t = parse_utc("2024-06-01T12:00:00Z").unwrap();
        assert_eq!(t, 1_717_243_200_000);
        assert_eq!(format_utc(t), "2024-06-01T12:00:00Z");
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_utc("2016-02-29T23:59:59.5Z").unwrap(),
            parse_utc("2016-02-29T23:59:59Z").unwrap() + 500
        );
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2024-06-01 12:00:00Z",
            "2024-06-01T12:00:00",
            "2024-13-01T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "2024-06-01T12:00:00+08:00",
            "abcd-06-01T12:00:00Z",
            "2024-06-01T12:00:00.Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn manual_clock_is_shared_between_clones() {
        let c = Clock::manual_at(1000);
        let c2 = c.clone();
        c.advance(Duration::from_secs(2));
        assert_eq!(c2.now(), 3000);
        c2.set(5);
        assert_eq!(c.now(), 5);
        let sys = Clock::system();
        let before = sys.now();
        sys.advance(Duration::from_secs(3600));
        assert!(sys.now() >= before + 3_600_000);
        assert!(!sys.is_manual() && c.is_manual());
    }
}
