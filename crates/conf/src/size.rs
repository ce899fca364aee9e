//! Integers and their size suffixes (`1k` = 1000, `1kb`/`1ki`/`1kib` = 1024).

use crate::error::ErrorKind;

/// The multiplier for a size suffix, case-insensitive: `k m g t p e` are
/// powers of 1000; with `b`, `i` or `ib` after them, powers of 1024. The
/// empty suffix is 1. `None` for anything else.
pub fn size_multiplier(suffix: &str) -> Option<i64> {
    let lower = suffix.to_ascii_lowercase();
    let (letter, rest) = match lower.as_bytes().split_first() {
        None => return Some(1),
        Some((&l, rest)) => (l, rest),
    };
    let power = match letter {
        b'k' => 1,
        b'm' => 2,
        b'g' => 3,
        b't' => 4,
        b'p' => 5,
        b'e' => 6,
        _ => return None,
    };
    let base: i64 = match rest {
        b"" => 1000,
        b"b" | b"i" | b"ib" => 1024,
        _ => return None,
    };
    Some(base.pow(power))
}

/// An integer token's value, and whether it had a suffix. `Ok(None)` when
/// the suffix is not one of the known ones (`2mbb`): the original then
/// silently drops the value, and so do we.
pub(crate) fn parse_integer(text: &str) -> Result<Option<(i64, bool)>, ErrorKind> {
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let value: i64 = number.parse().map_err(|e: std::num::ParseIntError| {
        use std::num::IntErrorKind as K;
        match e.kind() {
            K::PosOverflow | K::NegOverflow => ErrorKind::IntegerOutOfRange(text.to_string()),
            _ => ErrorKind::BadInteger(text.to_string()),
        }
    })?;
    let suffix = suffix.trim();
    Ok(size_multiplier(suffix).map(|m| (value.wrapping_mul(m), !suffix.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousand_and_kibi_suffixes_differ() {
        assert_eq!(parse_integer("1k"), Ok(Some((1000, true))));
        assert_eq!(parse_integer("1KB"), Ok(Some((1024, true))));
        assert_eq!(parse_integer("1Ki"), Ok(Some((1024, true))));
        assert_eq!(parse_integer("1kib"), Ok(Some((1024, true))));
        assert_eq!(parse_integer("1M"), Ok(Some((1_000_000, true))));
        assert_eq!(parse_integer("1MB"), Ok(Some((1_048_576, true))));
        assert_eq!(parse_integer("2g"), Ok(Some((2_000_000_000, true))));
        assert_eq!(parse_integer("1GiB"), Ok(Some((1 << 30, true))));
        assert_eq!(parse_integer("1t"), Ok(Some((1_000_000_000_000, true))));
        assert_eq!(parse_integer("1tb"), Ok(Some((1 << 40, true))));
        assert_eq!(parse_integer("1p"), Ok(Some((1_000_000_000_000_000, true))));
        assert_eq!(parse_integer("1pib"), Ok(Some((1 << 50, true))));
        assert_eq!(
            parse_integer("1e"),
            Ok(Some((1_000_000_000_000_000_000, true)))
        );
        assert_eq!(parse_integer("1EB"), Ok(Some((1 << 60, true))));
        assert_eq!(parse_integer("-2m"), Ok(Some((-2_000_000, true))));
        assert_eq!(parse_integer("42"), Ok(Some((42, false))));
    }

    #[test]
    fn unknown_suffix_drops_the_value() {
        assert_eq!(parse_integer("2mbb"), Ok(None));
        assert_eq!(size_multiplier("x"), None);
    }

    #[test]
    fn overflow_is_an_error_but_suffix_overflow_wraps() {
        assert_eq!(
            parse_integer("99999999999999999999"),
            Err(ErrorKind::IntegerOutOfRange("99999999999999999999".into()))
        );
        assert_eq!(
            parse_integer("9000000000000000000k"),
            Ok(Some((
                9_000_000_000_000_000_000i64.wrapping_mul(1000),
                true
            )))
        );
        assert_eq!(
            parse_integer("-9223372036854775808"),
            Ok(Some((i64::MIN, false)))
        );
    }
}
