//! Parsing of destination tokens: the legacy `$n` form and the `{{function(args)}}` forms.
//!
//! nats-server recognises functions with unanchored regular expressions of the shape
//! `{{\s*Name\s*\((.*)\)\s*}}` (first letter of each word of the name in either case, the rest
//! lower case), splits the captured text on `,\s*` and trims spaces off each argument. This
//! module reproduces that behaviour by hand, including its quirks (greedy capture, a function
//! found anywhere inside a token that starts with `{{` and ends with `}}`, the order in which the
//! functions are tried), so that the same destinations are accepted and rejected.

use super::{DestErrorKind, TransformError};

/// What one destination token asks for, before source wildcard ordinals are resolved to token
/// positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// A literal token (also `$foo`, `{{}}` and anything else that is not a function).
    Literal,
    /// `$n` / `{{wildcard(n)}}`.
    Wildcard(i64),
    /// `{{partition(buckets, i, ...)}}`; no indexes means "hash the whole subject".
    Partition {
        buckets: u32,
        indexes: Vec<i64>,
    },
    SplitFromLeft(i64, i32),
    SplitFromRight(i64, i32),
    SliceFromLeft(i64, i32),
    SliceFromRight(i64, i32),
    Left(i64, i32),
    Right(i64, i32),
    /// `{{split(i, delimiter)}}`.
    Split(i64, Vec<u8>),
    /// `{{random(n)}}`: a number in `0..n`.
    Random(i32),
}

impl Placeholder {
    /// The source wildcard ordinals the placeholder refers to.
    pub(crate) fn indexes(&self) -> Vec<i64> {
        match self {
            Placeholder::Literal | Placeholder::Random(_) => Vec::new(),
            Placeholder::Partition { indexes, .. } => indexes.clone(),
            Placeholder::Wildcard(i)
            | Placeholder::SplitFromLeft(i, _)
            | Placeholder::SplitFromRight(i, _)
            | Placeholder::SliceFromLeft(i, _)
            | Placeholder::SliceFromRight(i, _)
            | Placeholder::Left(i, _)
            | Placeholder::Right(i, _)
            | Placeholder::Split(i, _) => vec![*i],
        }
    }
}

/// Function names in the order nats-server tries them, as words (each word's first letter may be
/// upper or lower case).
pub(crate) const WILDCARD: &[&str] = &["wildcard"];
pub(crate) const PARTITION: &[&str] = &["partition"];
pub(crate) const SPLIT_FROM_LEFT: &[&str] = &["split", "from", "left"];
pub(crate) const SPLIT_FROM_RIGHT: &[&str] = &["split", "from", "right"];
pub(crate) const SLICE_FROM_LEFT: &[&str] = &["slice", "from", "left"];
pub(crate) const SLICE_FROM_RIGHT: &[&str] = &["slice", "from", "right"];
pub(crate) const SPLIT: &[&str] = &["split"];
pub(crate) const LEFT: &[&str] = &["left"];
pub(crate) const RIGHT: &[&str] = &["right"];
pub(crate) const RANDOM: &[&str] = &["random"];

/// All function names, for the "is this a known function at all" check.
pub(crate) const ALL_FUNCTIONS: &[&[&str]] = &[
    PARTITION,
    WILDCARD,
    SPLIT_FROM_LEFT,
    SPLIT_FROM_RIGHT,
    SLICE_FROM_LEFT,
    SLICE_FROM_RIGHT,
    SPLIT,
    LEFT,
    RIGHT,
    RANDOM,
];

/// Go's regexp `\s`: `[\t\n\f\r ]`.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while s.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    i
}

/// Whether the token has the `{{...}}` shape that makes nats-server look for a function in it.
pub(crate) fn is_mustache(token: &[u8]) -> bool {
    let n = token.len();
    n > 4 && token.starts_with(b"{{") && token.ends_with(b"}}")
}

/// Matches `name` (given as words) at `s[i..]`; returns the position after it.
fn match_name(s: &[u8], mut i: usize, words: &[&str]) -> Option<usize> {
    for word in words {
        let w = word.as_bytes();
        let (first, rest) = w.split_first()?;
        let c = *s.get(i)?;
        if c != *first && c != first.to_ascii_uppercase() {
            return None;
        }
        i += 1;
        if s.get(i..i + rest.len())? != rest {
            return None;
        }
        i += rest.len();
    }
    Some(i)
}

/// Searches `token` like the unanchored regex `{{\s*Name\s*\((.*)\)\s*}}`, returning the capture
/// of the leftmost match (greedy, `.` not matching a newline).
pub(crate) fn find_function<'a>(token: &'a [u8], words: &[&str]) -> Option<&'a [u8]> {
    let mut start = 0;
    while start + 1 < token.len() {
        if token[start] == b'{' && token[start + 1] == b'{' {
            if let Some(cap) = match_at(token, start, words) {
                return Some(cap);
            }
        }
        start += 1;
    }
    None
}

fn match_at<'a>(token: &'a [u8], start: usize, words: &[&str]) -> Option<&'a [u8]> {
    let i = skip_spaces(token, start + 2);
    let i = match_name(token, i, words)?;
    let i = skip_spaces(token, i);
    if token.get(i) != Some(&b'(') {
        return None;
    }
    let cap_start = i + 1;
    // `.` does not match '\n': the capture cannot extend past the first newline.
    let limit = token[cap_start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(token.len(), |p| cap_start + p);
    // Greedy: try the longest capture first.
    let mut q = limit;
    loop {
        if token.get(q) == Some(&b')') {
            let j = skip_spaces(token, q + 1);
            if token.get(j..j + 2) == Some(b"}}") {
                return Some(&token[cap_start..q]);
            }
        }
        if q == cap_start {
            return None;
        }
        q -= 1;
    }
}

/// Splits like Go's `regexp.MustCompile(`,\s*`).Split(s, -1)`.
pub(crate) fn split_args(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut beg = 0;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b',' {
            out.push(&s[beg..i]);
            i = skip_spaces(s, i + 1);
            beg = i;
        } else {
            i += 1;
        }
    }
    out.push(&s[beg..]);
    out
}

/// Go's `strings.Trim(s, " ")`.
fn trim_spaces(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ').map_or(start, |p| p + 1);
    &s[start..end]
}

/// Go's `strconv.ParseInt(s, 10, 64)` (what `strconv.Atoi` does on 64-bit platforms).
pub(crate) fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i128::from(d - b'0');
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

/// An argument parsed as Atoi after trimming spaces.
fn int_arg(token: &str, arg: &[u8]) -> Result<i64, TransformError> {
    atoi(trim_spaces(arg)).ok_or_else(|| err(DestErrorKind::InvalidArgument, token))
}

fn err(kind: DestErrorKind, token: &str) -> TransformError {
    TransformError::Destination {
        kind,
        token: token.to_owned(),
    }
}

/// `(index, int32)` argument pair shared by the split/slice/left/right functions.
fn index_int_args(token: &str, args: &[&[u8]]) -> Result<(i64, i32), TransformError> {
    match args.len() {
        0 | 1 => return Err(err(DestErrorKind::NotEnoughArguments, token)),
        2 => {}
        _ => return Err(err(DestErrorKind::TooManyArguments, token)),
    }
    let index = int_arg(token, args[0])?;
    let n = int_arg(token, args[1])?;
    let n = i32::try_from(n).map_err(|_| err(DestErrorKind::InvalidArgument, token))?;
    Ok((index, n))
}

/// Go's `int32(n)` conversion of an accepted (≤ i32::MAX) integer: wraps like Go does.
fn go_int32(n: i64) -> i32 {
    n as i32
}

/// Classifies one destination token (nats-server's `indexPlaceHolders`).
pub(crate) fn classify(token: &str) -> Result<Placeholder, TransformError> {
    let t = token.as_bytes();
    if t.len() <= 1 {
        return Ok(Placeholder::Literal);
    }
    if t[0] == b'$' {
        // Legacy `$n`; anything else starting with `$` is a literal.
        return Ok(match atoi(&t[1..]) {
            Some(n) => Placeholder::Wildcard(n),
            None => Placeholder::Literal,
        });
    }
    if !is_mustache(t) {
        return Ok(Placeholder::Literal);
    }

    if let Some(cap) = find_function(t, WILDCARD) {
        let args = split_args(cap);
        if args.len() == 1 && args[0].is_empty() {
            return Err(err(DestErrorKind::NotEnoughArguments, token));
        }
        if args.len() > 1 {
            return Err(err(DestErrorKind::TooManyArguments, token));
        }
        return Ok(Placeholder::Wildcard(int_arg(token, args[0])?));
    }

    if let Some(cap) = find_function(t, PARTITION) {
        let args = split_args(cap);
        let n = int_arg(token, args[0])?;
        if n > i64::from(i32::MAX) {
            return Err(err(DestErrorKind::InvalidArgument, token));
        }
        let indexes = args[1..]
            .iter()
            .map(|a| int_arg(token, a))
            .collect::<Result<Vec<_>, _>>()?;
        // Go: int32 argument, then `uint32(int(n))` at hashing time.
        let buckets = go_int32(n) as u32;
        return Ok(Placeholder::Partition { buckets, indexes });
    }

    type Ctor = fn(i64, i32) -> Placeholder;
    let index_int: [(&[&str], Ctor); 6] = [
        (SPLIT_FROM_LEFT, Placeholder::SplitFromLeft),
        (SPLIT_FROM_RIGHT, Placeholder::SplitFromRight),
        (SLICE_FROM_LEFT, Placeholder::SliceFromLeft),
        (SLICE_FROM_RIGHT, Placeholder::SliceFromRight),
        (RIGHT, Placeholder::Right),
        (LEFT, Placeholder::Left),
    ];
    for (name, ctor) in index_int {
        if let Some(cap) = find_function(t, name) {
            let (i, n) = index_int_args(token, &split_args(cap))?;
            return Ok(ctor(i, n));
        }
    }

    if let Some(cap) = find_function(t, SPLIT) {
        let args = split_args(cap);
        match args.len() {
            0 | 1 => return Err(err(DestErrorKind::NotEnoughArguments, token)),
            2 => {}
            _ => return Err(err(DestErrorKind::TooManyArguments, token)),
        }
        let i = int_arg(token, args[0])?;
        let delim = args[1];
        if delim.contains(&b' ') || delim.contains(&b'.') {
            return Err(err(DestErrorKind::InvalidArgument, token));
        }
        return Ok(Placeholder::Split(i, delim.to_vec()));
    }

    if let Some(cap) = find_function(t, RANDOM) {
        let args = split_args(cap);
        if args.len() != 1 {
            return Err(err(DestErrorKind::NotEnoughArguments, token));
        }
        let n = int_arg(token, args[0])?;
        if n > i64::from(i32::MAX) {
            return Err(err(DestErrorKind::InvalidArgument, token));
        }
        return Ok(Placeholder::Random(go_int32(n)));
    }

    Err(err(DestErrorKind::UnknownFunction, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_emulation() {
        assert_eq!(find_function(b"{{wildcard(1)}}", WILDCARD), Some(&b"1"[..]));
        assert_eq!(
            find_function(b"{{ Wildcard ( 1 ) }}", WILDCARD),
            Some(&b" 1 "[..])
        );
        assert_eq!(find_function(b"{{WILDCARD(1)}}", WILDCARD), None);
        assert_eq!(
            find_function(b"{{SplitFromLeft(1,2)}}", SPLIT_FROM_LEFT),
            Some(&b"1,2"[..])
        );
        assert_eq!(
            find_function(b"{{splitfromleft(1,2)}}", SPLIT_FROM_LEFT),
            Some(&b"1,2"[..])
        );
        assert_eq!(
            find_function(b"{{splitFROMleft(1,2)}}", SPLIT_FROM_LEFT),
            None
        );
        // Greedy capture across two functions.
        assert_eq!(
            find_function(b"{{wildcard(1)}}{{wildcard(2)}}", WILDCARD),
            Some(&b"1)}}{{wildcard(2"[..])
        );
        // Unanchored: found after other text.
        assert_eq!(
            find_function(b"{{foo}}{{wildcard(3)}}", WILDCARD),
            Some(&b"3"[..])
        );
        assert_eq!(
            find_function(b"{{{wildcard(3)}}", WILDCARD),
            Some(&b"3"[..])
        );
        // `.` does not cross a newline.
        assert_eq!(find_function(b"{{wildcard(1\n)}}", WILDCARD), None);
        // split is a prefix of splitFromLeft, but needs the '(' right after spaces.
        assert_eq!(find_function(b"{{splitFromLeft(1,2)}}", SPLIT), None);
    }

    #[test]
    fn args_split_and_atoi() {
        assert_eq!(split_args(b""), vec![&b""[..]]);
        assert_eq!(split_args(b"1, 2,\t3"), vec![&b"1"[..], b"2", b"3"]);
        assert_eq!(split_args(b","), vec![&b""[..], b""]);
        assert_eq!(atoi(b"+1"), Some(1));
        assert_eq!(atoi(b"-12"), Some(-12));
        assert_eq!(atoi(b""), None);
        assert_eq!(atoi(b"-"), None);
        assert_eq!(atoi(b"1x"), None);
        assert_eq!(atoi(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(atoi(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(atoi(b"9223372036854775808"), None);
        assert_eq!(atoi(b"99999999999999999999999"), None);
        assert_eq!(trim_spaces(b"  a b  "), b"a b");
        assert_eq!(trim_spaces(b"   "), b"");
    }

    #[test]
    fn classify_tokens() {
        assert_eq!(classify("foo").unwrap(), Placeholder::Literal);
        assert_eq!(classify("$").unwrap(), Placeholder::Literal);
        assert_eq!(classify("$x").unwrap(), Placeholder::Literal);
        assert_eq!(classify("$2").unwrap(), Placeholder::Wildcard(2));
        assert_eq!(classify("$+1").unwrap(), Placeholder::Wildcard(1));
        assert_eq!(classify("{{}}").unwrap(), Placeholder::Literal);
        assert_eq!(
            classify("{{partition(3)}}").unwrap(),
            Placeholder::Partition {
                buckets: 3,
                indexes: vec![]
            }
        );
        assert_eq!(
            classify("{{Partition(-3, 1)}}").unwrap(),
            Placeholder::Partition {
                buckets: (-3i32) as u32,
                indexes: vec![1]
            }
        );
        assert_eq!(
            classify("{{split(1, )}}").unwrap(),
            Placeholder::Split(1, vec![])
        );
        assert_eq!(classify("{{random(7)}}").unwrap(), Placeholder::Random(7));
        let kind = |t: &str| match classify(t) {
            Err(TransformError::Destination { kind, .. }) => Some(kind),
            _ => None,
        };
        assert_eq!(kind("{{ }}"), Some(DestErrorKind::UnknownFunction));
        assert_eq!(kind("{{LEFT(1,2)}}"), Some(DestErrorKind::UnknownFunction));
        assert_eq!(
            kind("{{wildcard()}}"),
            Some(DestErrorKind::NotEnoughArguments)
        );
        assert_eq!(
            kind("{{wildcard(1,2)}}"),
            Some(DestErrorKind::TooManyArguments)
        );
        assert_eq!(
            kind("{{wildcard(x)}}"),
            Some(DestErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind("{{partition()}}"),
            Some(DestErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind("{{partition(2147483648,1)}}"),
            Some(DestErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind("{{left(1,3000000000)}}"),
            Some(DestErrorKind::InvalidArgument)
        );
        assert_eq!(kind("{{left(1)}}"), Some(DestErrorKind::NotEnoughArguments));
        assert_eq!(
            kind("{{right(1,2,3)}}"),
            Some(DestErrorKind::TooManyArguments)
        );
        assert_eq!(
            kind("{{split(1,a b)}}"),
            Some(DestErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind("{{split(1)}}"),
            Some(DestErrorKind::NotEnoughArguments)
        );
        assert_eq!(
            kind("{{random(1,2)}}"),
            Some(DestErrorKind::NotEnoughArguments)
        );
        assert_eq!(kind("{{random()}}"), Some(DestErrorKind::InvalidArgument));
        assert_eq!(
            kind("{{wildcard(1)}}{{wildcard(1)}}"),
            Some(DestErrorKind::InvalidArgument)
        );
    }
}
