//! A user JWT's daily connect windows: `times` (`[{"start":"HH:MM:SS","end":"HH:MM:SS"}]`)
//! in the zone `times_location` (an IANA name; the server's local zone when absent).
//!
//! The rules are nats-server's:
//! - no windows: always allowed, no deadline;
//! - each window is laid on today's date in the zone; when `start` is after `end` the window
//!   crosses midnight and `end` is on the next day. Only today's start counts, so in the hours
//!   after midnight such a window does not let the user in (the original behaves so too);
//! - the user is in when `start < now < end` for some window, and is cut off at that `end`;
//! - a window that does not parse, or a zone that is not known, refuses the user (windows are
//!   tried in order, so one that already matched wins over a later broken one).

use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rnats_auth::jwt::TimeRange;

/// Whether a user with `times` in `location` may connect at `now`: `Ok(None)` when the JWT has
/// no windows, `Ok(Some(left))` inside a window that ends `left` from now.
///
/// # Errors
/// Outside every window, or a window or zone that does not parse; the reason for the log.
pub fn connect_window(
    times: &[TimeRange],
    location: &str,
    now: DateTime<Utc>,
) -> Result<Option<Duration>, String> {
    if times.is_empty() {
        return Ok(None);
    }
    match location {
        "" | "Local" => within(times, &Local, now),
        "UTC" => within(times, &Utc, now),
        name => {
            let zone: Tz = name
                .parse()
                .map_err(|_| format!("unknown time zone {name:?}"))?;
            within(times, &zone, now)
        }
    }
    .map(Some)
}

fn within<Z: TimeZone>(
    times: &[TimeRange],
    zone: &Z,
    now: DateTime<Utc>,
) -> Result<Duration, String> {
    let today = now.with_timezone(zone).date_naive();
    for range in times {
        let start = clock(&range.start)?;
        let end = clock(&range.end)?;
        let end_day = if start > end {
            today.succ_opt().ok_or("date out of range")?
        } else {
            today
        };
        let (Some(start_at), Some(end_at)) = (at(zone, today, start), at(zone, end_day, end))
        else {
            continue;
        };
        if start_at < now && end_at > now {
            return (end_at - now)
                .to_std()
                .map_err(|_| "negative window".to_string());
        }
    }
    Err("outside connect times".into())
}

/// `day` at `time` in `zone`, as UTC. A wall time that does not exist (a DST gap) is taken an
/// hour later; one that exists twice is the earlier.
fn at<Z: TimeZone>(zone: &Z, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let wall = day.and_time(time);
    zone.from_local_datetime(&wall)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(wall + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// `H:MM:SS` or `HH:MM:SS`, with optional fractional seconds (`.5`), as Go parses the layout
/// `15:04:05`.
fn clock(text: &str) -> Result<NaiveTime, String> {
    let bad = || format!("invalid time {text:?}");
    let mut parts = text.splitn(3, ':');
    let (Some(h), Some(m), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let (s, fraction) = match rest.find(['.', ',']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    if !digits(h, 1, 2)
        || !digits(m, 2, 2)
        || !digits(s, 2, 2)
        || (rest.len() > 2 && !digits(fraction, 1, 9))
    {
        return Err(bad());
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}")
            .parse::<u32>()
            .map_err(|_| bad())?
    };
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    NaiveTime::from_hms_nano_opt(num(h)?, num(m)?, num(s)?, nanos).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &str, end: &str) -> TimeRange {
        TimeRange {
            start: start.into(),
            end: end.into(),
        }
    }

    fn utc(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, h, m, s).unwrap()
    }

    #[test]
    fn clock_parses_like_go() {
        assert_eq!(
            clock("9:05:00").unwrap(),
            NaiveTime::from_hms_opt(9, 5, 0).unwrap()
        );
        assert_eq!(
            clock("23:59:59.5").unwrap(),
            NaiveTime::from_hms_milli_opt(23, 59, 59, 500).unwrap()
        );
        for bad in [
            "24:00:00",
            "12:5:00",
            "12:00",
            "12:00:00x",
            "",
            "ab:cd:ef",
            "12:60:00",
        ] {
            assert!(clock(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_windows_means_always() {
        assert_eq!(connect_window(&[], "", utc(3, 0, 0)), Ok(None));
    }

    #[test]
    fn inside_a_window_until_its_end() {
        let t = [range("08:00:00", "17:00:00")];
        assert_eq!(
            connect_window(&t, "UTC", utc(16, 59, 0)),
            Ok(Some(Duration::from_secs(60)))
        );
        assert!(connect_window(&t, "UTC", utc(17, 0, 0)).is_err());
        assert!(
            connect_window(&t, "UTC", utc(8, 0, 0)).is_err(),
            "start is exclusive"
        );
        assert!(connect_window(&t, "UTC", utc(7, 0, 0)).is_err());
    }

    #[test]
    fn the_second_window_can_match() {
        let t = [range("01:00:00", "02:00:00"), range("10:00:00", "11:00:00")];
        assert_eq!(
            connect_window(&t, "UTC", utc(10, 30, 0)),
            Ok(Some(Duration::from_secs(1800)))
        );
    }

    #[test]
    fn a_window_across_midnight_counts_from_todays_start() {
        let t = [range("22:00:00", "02:00:00")];
        assert_eq!(
            connect_window(&t, "UTC", utc(23, 0, 0)),
            Ok(Some(Duration::from_secs(3 * 3600)))
        );
        // After midnight today's start is still ahead: refused, as in the original.
        assert!(connect_window(&t, "UTC", utc(1, 0, 0)).is_err());
    }

    #[test]
    fn the_zone_moves_the_window() {
        // 10:00 UTC is 19:00 in Tokyo (UTC+9, no DST).
        let t = [range("18:00:00", "20:00:00")];
        assert_eq!(
            connect_window(&t, "Asia/Tokyo", utc(10, 0, 0)),
            Ok(Some(Duration::from_secs(3600)))
        );
        assert!(connect_window(&t, "UTC", utc(10, 0, 0)).is_err());
        assert!(connect_window(&t, "Mars/Olympus", utc(10, 0, 0)).is_err());
    }

    #[test]
    fn a_broken_window_refuses_unless_an_earlier_one_matched() {
        let good_then_bad = [range("08:00:00", "17:00:00"), range("nope", "17:00:00")];
        assert!(connect_window(&good_then_bad, "UTC", utc(9, 0, 0)).is_ok());
        let bad_then_good = [range("nope", "17:00:00"), range("08:00:00", "17:00:00")];
        assert!(connect_window(&bad_then_good, "UTC", utc(9, 0, 0)).is_err());
    }
}
