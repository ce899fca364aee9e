//! Go-style duration strings: `300ms`, `1.5h`, `1h30m`, `-0s`.

use std::time::Duration;

/// Why a duration string was refused. Display matches Go's `time` package.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("time: invalid duration \"{0}\"")]
    Invalid(String),
    #[error("time: missing unit in duration \"{0}\"")]
    MissingUnit(String),
    #[error("time: unknown unit \"{unit}\" in duration \"{text}\"")]
    UnknownUnit { unit: String, text: String },
    /// Go accepts negative durations; `std::time::Duration` cannot hold them.
    #[error("negative duration \"{0}\"")]
    Negative(String),
}

const NANOS_PER: [(&str, u128); 9] = [
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("", 0),
];

/// Parse a Go duration string (`time.ParseDuration`): an optional sign,
/// then one or more `number unit` pairs; numbers may have a fraction; units
/// are `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. A bare `0` is zero. The
/// total must fit in Go's range (about 292 years).
///
/// # Errors
/// [`DurationError`] with Go's message for malformed text, and
/// [`DurationError::Negative`] for a negative non-zero value.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError::Invalid(text.to_string());
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(text.to_string()));
        }
        let per = NANOS_PER
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|&(_, n)| n)
            .ok_or_else(|| DurationError::UnknownUnit {
                unit: unit.to_string(),
                text: text.to_string(),
            })?;
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            // More than 39 digits cannot fit anyway.
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = whole.checked_mul(per).ok_or_else(invalid)?;
        // Fraction: keep up to 20 digits, truncated like Go.
        let mut scale: u128 = 1;
        let mut frac: u128 = 0;
        for d in frac_part.bytes().take(20) {
            frac = frac * 10 + u128::from(d - b'0');
            scale *= 10;
        }
        value += frac * per / scale;
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > i64::MAX as u128 {
            return Err(invalid());
        }
        rest = after;
    }
    if negative && total != 0 {
        return Err(DurationError::Negative(text.to_string()));
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| invalid())?;
    let nanos = u32::try_from(total % 1_000_000_000).map_err(|_| invalid())?;
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_forms() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("300ms"), Ok(ms(300)));
        assert_eq!(parse_duration("10s"), Ok(ms(10_000)));
        assert_eq!(parse_duration("2m"), Ok(ms(120_000)));
        assert_eq!(parse_duration("1h30m"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration("1.5h"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration(".5s"), Ok(ms(500)));
        assert_eq!(parse_duration("1.s"), Ok(ms(1000)));
        assert_eq!(parse_duration("1us"), Ok(Duration::from_micros(1)));
        assert_eq!(parse_duration("1µs"), Ok(Duration::from_micros(1)));
        assert_eq!(parse_duration("1ns"), Ok(Duration::from_nanos(1)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("-0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("+5s"), Ok(ms(5000)));
        assert_eq!(parse_duration("1h2m3s4ms"), Ok(ms(3_723_004)));
    }

    #[test]
    fn go_duration_errors() {
        assert_eq!(
            parse_duration(""),
            Err(DurationError::Invalid(String::new()))
        );
        assert_eq!(
            parse_duration("1"),
            Err(DurationError::MissingUnit("1".into()))
        );
        assert_eq!(
            parse_duration("1x").map_err(|e| e.to_string()),
            Err("time: unknown unit \"x\" in duration \"1x\"".into())
        );
        assert_eq!(parse_duration("s"), Err(DurationError::Invalid("s".into())));
        assert_eq!(
            parse_duration(".s"),
            Err(DurationError::Invalid(".s".into()))
        );
        assert_eq!(
            parse_duration("-1s"),
            Err(DurationError::Negative("-1s".into()))
        );
        assert!(parse_duration("3000000h").is_err());
        assert!(parse_duration("99999999999999999999999999999999999999999h").is_err());
    }
}
