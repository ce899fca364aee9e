//! How the original writes times and durations in its monitoring JSON.

use std::fmt::Write;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// RFC 3339 in UTC with nanoseconds, trailing zeros trimmed (Go's `time.RFC3339Nano`).
pub fn timestamp(t: SystemTime) -> String {
    let t: DateTime<Utc> = t.into();
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Whole seconds with days and years: `1y2d3h4m5s`, `3m0s`, `7s` (the original's uptime).
pub fn uptime(d: Duration) -> String {
    let secs = d.as_secs();
    let (mins, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
    let years = days / 365;
    let (s, m, h) = (secs % 60, mins % 60, hours % 24);
    if years > 0 {
        format!("{years}y{}d{h}h{m}m{s}s", days % 365)
    } else if days > 0 {
        format!("{days}d{h}h{m}m{s}s")
    } else if hours > 0 {
        format!("{hours}h{m}m{s}s")
    } else if mins > 0 {
        format!("{mins}m{s}s")
    } else {
        format!("{secs}s")
    }
}

/// Go's `time.Duration.String()`: `0s`, `512ns`, `346µs`, `8.45957ms`, `1.5s`, `2m3.5s`, `1h0m0s`.
pub fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return fraction(nanos, 1_000, "µs");
    }
    if nanos < 1_000_000_000 {
        return fraction(nanos, 1_000_000, "ms");
    }
    let total_secs = d.as_secs();
    let (h, m) = (total_secs / 3600, (total_secs / 60) % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m");
    }
    let secs_nanos = u128::from(total_secs % 60) * 1_000_000_000 + u128::from(d.subsec_nanos());
    out.push_str(&fraction(secs_nanos, 1_000_000_000, "s"));
    out
}

fn fraction(value: u128, unit: u128, suffix: &str) -> String {
    let whole = value / unit;
    let rest = value % unit;
    if rest == 0 {
        return format!("{whole}{suffix}");
    }
    let width = unit.ilog10() as usize;
    let frac = format!("{rest:0width$}");
    format!("{whole}.{}{suffix}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_trim_trailing_zeros_like_rfc3339nano() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 120_000_000);
        assert_eq!(timestamp(t), "2023-11-14T22:13:20.12Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(timestamp(t), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn uptime_uses_the_largest_units_needed() {
        assert_eq!(uptime(Duration::from_secs(7)), "7s");
        assert_eq!(uptime(Duration::from_secs(180)), "3m0s");
        assert_eq!(uptime(Duration::from_secs(3600 + 61)), "1h1m1s");
        assert_eq!(uptime(Duration::from_secs(86_400 * 2 + 5)), "2d0h0m5s");
        assert_eq!(uptime(Duration::from_secs(86_400 * 366)), "1y1d0h0m0s");
    }

    #[test]
    fn go_durations_match_gos_string_form() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_nanos(512)), "512ns");
        assert_eq!(go_duration(Duration::from_micros(346)), "346µs");
        assert_eq!(go_duration(Duration::from_nanos(8_459_570)), "8.45957ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(123_500)), "2m3.5s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }
}
