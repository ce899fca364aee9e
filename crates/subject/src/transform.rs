//! Subject transforms, as nats-server applies them for `mappings { "src": "dest" }`, stream
//! subject transforms, republish and imports.
//!
//! A transform has a *source* pattern (a subject that may contain `*` and a trailing `>`) and a
//! *destination* template. A published subject that matches the source is rewritten by walking
//! the destination's tokens:
//!
//! * a literal token is copied;
//! * `$n` (legacy) or `{{wildcard(n)}}` is replaced by the subject token that matched the `n`-th
//!   `*` of the source;
//! * `{{partition(n, i, j, ...)}}` becomes a number in `0..n`: FNV-1a (32 bit) of the tokens
//!   matched by wildcards `i, j, ...` concatenated *without* separators, modulo `n`. With no
//!   wildcard indexes (`{{partition(n)}}`), or when the source has no wildcards at all
//!   (whatever indexes are given), the whole published subject (dots included) is hashed;
//! * `{{split(i, delim)}}` splits wildcard `i`'s token on `delim` into several tokens (empty
//!   pieces dropped);
//! * `{{splitFromLeft(i, n)}}` / `{{splitFromRight(i, n)}}` split it in two, `n` bytes from the
//!   left / right;
//! * `{{sliceFromLeft(i, n)}}` / `{{sliceFromRight(i, n)}}` cut it into `n`-byte tokens starting
//!   from the left / right;
//! * `{{left(i, n)}}` / `{{right(i, n)}}` keep its first / last `n` bytes;
//! * `{{random(n)}}` becomes a random number in `0..|n|` (`0` for `n = 0`);
//! * a final `>` copies the subject tokens matched by the source's `>`.
//!
//! Function names accept either case for the first letter of each word (`splitFromLeft`,
//! `SplitFromLeft`, `splitfromleft`), spaces are allowed around the name and arguments, and a
//! wildcard index `≤ 0` refers to the first subject token — all as nats-server 2.15 does.
//! Validation errors carry nats-server's wording (`invalid mapping destination: wildcard index
//! out of range in {{wildcard(2)}}: [2]`).
//!
//! [`WeightedMapping`] holds the `[{destination, weight, cluster}]` form of a mapping and picks a
//! destination by weight; the remainder up to 100% leaves the subject unchanged.
//!
//! Subjects are handled as bytes ([`SubjectTransform::apply_bytes`]): like nats-server, the
//! split/slice functions count bytes, not characters.

mod parse;
mod weighted;

pub use weighted::{MapDest, WeightedMapping};

use parse::Placeholder;
use std::cell::Cell;
use std::fmt;

/// Why a destination was rejected (the text after `invalid mapping destination: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DestErrorKind {
    /// An empty token, a token after `>`, or whitespace in a literal token.
    InvalidTransform,
    /// `{{...}}` naming no known function.
    UnknownFunction,
    /// A wildcard index larger than the number of `*` in the source, or a function used with a
    /// source that has no wildcards.
    IndexOutOfRange,
    /// Too few arguments for the function.
    NotEnoughArguments,
    /// An argument that is not an integer, out of range, or a bad split delimiter.
    InvalidArgument,
    /// Too many arguments for the function.
    TooManyArguments,
}

impl fmt::Display for DestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DestErrorKind::InvalidTransform => "invalid transform",
            DestErrorKind::UnknownFunction => "unknown function",
            DestErrorKind::IndexOutOfRange => "wildcard index out of range",
            DestErrorKind::NotEnoughArguments => "not enough arguments passed to the function",
            DestErrorKind::InvalidArgument => "function argument is invalid or in the wrong format",
            DestErrorKind::TooManyArguments => "too many arguments passed to the function",
        })
    }
}

/// Formats ` in <token>` when there is a token, like nats-server's `mappingDestinationErr`.
struct InToken<'a>(&'a str);

impl fmt::Display for InToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " in {}", self.0)
        }
    }
}

/// A rejected transform or weighted mapping. `Display` mirrors nats-server's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// Source or destination is not a usable subject: empty, empty token, something after `>`,
    /// `*` in the destination, or `>` in only one of them.
    #[error("invalid subject")]
    BadSubject,
    /// The destination is a subject but not a valid template. `token` is the offending token
    /// (for out-of-range indexes, `"<token>: [<index>]"`); it may be empty.
    #[error("invalid mapping destination: {kind}{}", InToken(token))]
    Destination {
        /// What is wrong.
        kind: DestErrorKind,
        /// Where.
        token: String,
    },
    /// A weighted destination with a weight above 100.
    #[error("individual weights need to be <= 100")]
    WeightTooLarge,
    /// The weights (of one cluster) add up to more than 100.
    #[error("total weight needs to be <= 100")]
    TotalWeightTooLarge,
    /// The same destination subject listed twice in a weighted mapping.
    #[error("duplicate entry for \"{0}\"")]
    DuplicateDestination(String),
}

/// One compiled destination token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DestToken {
    Literal(Box<[u8]>),
    /// The destination's `>`.
    FullWildcard,
    /// Subject token at this position.
    Wildcard(usize),
    /// `buckets == 0` outputs `0`; empty `positions` hashes the whole subject.
    Partition {
        buckets: u32,
        positions: Box<[usize]>,
    },
    SplitFromLeft(usize, i32),
    SplitFromRight(usize, i32),
    SliceFromLeft(usize, i32),
    SliceFromRight(usize, i32),
    Left(usize, i32),
    Right(usize, i32),
    Split(usize, Box<[u8]>),
    Random(i32),
}

/// A compiled subject transform (source pattern → destination template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectTransform {
    source: String,
    destination: String,
    /// Source tokens, for matching.
    src_tokens: Vec<Box<[u8]>>,
    /// Destination, compiled.
    dest: Vec<DestToken>,
    /// Whether the destination ends in `>`.
    dest_fwc: bool,
    /// Whether any destination token is a function (otherwise the output is the literal
    /// destination).
    has_functions: bool,
    /// `>` → `>`: every subject maps to itself.
    identity: bool,
}

/// Splits a subject on `.` (empty tokens kept).
fn tokens(subject: &[u8]) -> impl Iterator<Item = &[u8]> {
    subject.split(|&b| b == b'.')
}

/// nats-server's `subjectInfo`: (tokens, number of `*`, ends with `>`), or `None` if invalid.
fn subject_info(subject: &str) -> Option<(Vec<&str>, usize, bool)> {
    if subject.is_empty() {
        return None;
    }
    let toks: Vec<&str> = subject.split('.').collect();
    let mut npwc = 0;
    let mut fwc = false;
    for t in &toks {
        if t.is_empty() || fwc {
            return None;
        }
        match *t {
            "*" => npwc += 1,
            ">" => fwc = true,
            _ => {}
        }
    }
    Some((toks, npwc, fwc))
}

/// nats-server's `ValidateMapping` pre-check of the destination's tokens.
fn validate_destination_tokens(dest: &str) -> Result<(), TransformError> {
    let mut after_fwc = false;
    for t in dest.split('.') {
        if t.is_empty() || after_fwc {
            return Err(TransformError::Destination {
                kind: DestErrorKind::InvalidTransform,
                token: t.to_owned(),
            });
        }
        if parse::is_mustache(t.as_bytes()) {
            let known = parse::ALL_FUNCTIONS
                .iter()
                .any(|f| parse::find_function(t.as_bytes(), f).is_some());
            if !known {
                return Err(TransformError::Destination {
                    kind: DestErrorKind::UnknownFunction,
                    token: t.to_owned(),
                });
            }
            continue;
        }
        if t == ">" {
            after_fwc = true;
        } else if t
            .bytes()
            .any(|b| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
        {
            return Err(TransformError::Destination {
                kind: DestErrorKind::InvalidTransform,
                token: String::new(),
            });
        }
    }
    Ok(())
}

impl SubjectTransform {
    /// Compiles a transform from `source` (empty means `>`) to `destination`, with nats-server's
    /// validation for account mappings (non-strict: wildcards may be dropped, all functions
    /// allowed).
    pub fn new(source: &str, destination: &str) -> Result<Self, TransformError> {
        if destination.is_empty() {
            // nats-server accepts an empty destination as "no transform"; there is nothing to
            // build, so report it as a bad subject here. Callers wanting the server's leniency
            // should skip empty destinations before calling.
            return Err(TransformError::BadSubject);
        }
        validate_destination_tokens(destination)?;
        let source = if source.is_empty() { ">" } else { source };
        let (stoks, npwc, src_fwc) = subject_info(source).ok_or(TransformError::BadSubject)?;
        let (dtoks, dnpwc, dest_fwc) =
            subject_info(destination).ok_or(TransformError::BadSubject)?;
        if dnpwc > 0 || src_fwc != dest_fwc {
            return Err(TransformError::BadSubject);
        }

        // Position in the subject of the n-th `*` (1-based); other ordinals map to token 0.
        let pwc_positions: Vec<usize> = stoks
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == "*")
            .map(|(i, _)| i)
            .collect();
        let position = |ordinal: i64| -> usize {
            usize::try_from(ordinal)
                .ok()
                .and_then(|o| o.checked_sub(1))
                .and_then(|o| pwc_positions.get(o).copied())
                .unwrap_or(0)
        };
        let has_wildcards = npwc > 0 || src_fwc;

        let mut dest = Vec::with_capacity(dtoks.len());
        let mut has_functions = false;
        for token in &dtoks {
            let ph = parse::classify(token)?;
            match &ph {
                Placeholder::Literal | Placeholder::Random(_) => {}
                Placeholder::Partition { .. } if !has_wildcards => {}
                _ if !has_wildcards => {
                    return Err(TransformError::Destination {
                        kind: DestErrorKind::IndexOutOfRange,
                        token: (*token).to_owned(),
                    })
                }
                _ => {
                    for index in ph.indexes() {
                        if index > npwc as i64 {
                            return Err(TransformError::Destination {
                                kind: DestErrorKind::IndexOutOfRange,
                                token: format!("{token}: [{index}]"),
                            });
                        }
                    }
                }
            }
            let compiled = match ph {
                Placeholder::Literal if *token == ">" => DestToken::FullWildcard,
                Placeholder::Literal => DestToken::Literal(token.as_bytes().into()),
                Placeholder::Wildcard(i) => DestToken::Wildcard(position(i)),
                // With no wildcard in the source, nats-server hashes the whole subject whatever
                // indexes are given.
                Placeholder::Partition { buckets, .. } if !has_wildcards => DestToken::Partition {
                    buckets,
                    positions: Box::default(),
                },
                Placeholder::Partition { buckets, indexes } => DestToken::Partition {
                    buckets,
                    positions: indexes.into_iter().map(position).collect(),
                },
                Placeholder::SplitFromLeft(i, n) => DestToken::SplitFromLeft(position(i), n),
                Placeholder::SplitFromRight(i, n) => DestToken::SplitFromRight(position(i), n),
                Placeholder::SliceFromLeft(i, n) => DestToken::SliceFromLeft(position(i), n),
                Placeholder::SliceFromRight(i, n) => DestToken::SliceFromRight(position(i), n),
                Placeholder::Left(i, n) => DestToken::Left(position(i), n),
                Placeholder::Right(i, n) => DestToken::Right(position(i), n),
                Placeholder::Split(i, d) => DestToken::Split(position(i), d.into()),
                Placeholder::Random(n) => DestToken::Random(n),
            };
            has_functions |= !matches!(compiled, DestToken::Literal(_));
            dest.push(compiled);
        }

        Ok(SubjectTransform {
            source: source.to_owned(),
            destination: destination.to_owned(),
            src_tokens: stoks.iter().map(|t| t.as_bytes().into()).collect(),
            dest,
            dest_fwc,
            has_functions,
            identity: source == ">" && destination == ">",
        })
    }

    /// The source pattern (`>` if it was given empty).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The destination template as given.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// Whether the source contains `*` or `>`.
    pub fn source_has_wildcards(&self) -> bool {
        self.src_tokens.iter().any(|t| &**t == b"*" || &**t == b">")
    }

    /// Whether a (literal) subject matches the source pattern. Subjects with empty tokens or
    /// wildcard tokens never match (except for the `>` → `>` identity transform).
    pub fn matches(&self, subject: &[u8]) -> bool {
        if self.identity {
            return true;
        }
        is_valid_literal(subject) && self.matches_source(subject)
    }

    fn matches_source(&self, subject: &[u8]) -> bool {
        let mut subj = tokens(subject);
        for st in &self.src_tokens {
            let Some(t) = subj.next() else {
                return false;
            };
            match &**st {
                b">" => return true,
                b"*" => {}
                lit if lit == t => {}
                _ => return false,
            }
        }
        subj.next().is_none()
    }

    /// Transforms `subject`, or `None` if it does not match the source. `{{random(n)}}` uses an
    /// internal non-cryptographic generator.
    pub fn apply(&self, subject: &str) -> Option<String> {
        self.apply_bytes(subject.as_bytes()).map(into_string)
    }

    /// [`apply`](Self::apply) on bytes.
    pub fn apply_bytes(&self, subject: &[u8]) -> Option<Vec<u8>> {
        self.apply_bytes_with(subject, &mut random_below)
    }

    /// [`apply`](Self::apply) with the source of randomness for `{{random(n)}}` given:
    /// `random(n)` must return a number in `0..n` (`n > 0`).
    pub fn apply_with(&self, subject: &str, random: &mut dyn FnMut(u32) -> u32) -> Option<String> {
        self.apply_bytes_with(subject.as_bytes(), random)
            .map(into_string)
    }

    /// [`apply_with`](Self::apply_with) on bytes.
    pub fn apply_bytes_with(
        &self,
        subject: &[u8],
        random: &mut dyn FnMut(u32) -> u32,
    ) -> Option<Vec<u8>> {
        if self.identity {
            return Some(subject.to_vec());
        }
        if !self.matches(subject) {
            return None;
        }
        Some(self.transform_matched(subject, random))
    }

    /// Builds the destination for a subject already known to match the source.
    pub(crate) fn transform_matched(
        &self,
        subject: &[u8],
        random: &mut dyn FnMut(u32) -> u32,
    ) -> Vec<u8> {
        if !self.has_functions {
            return self.destination.as_bytes().to_vec();
        }
        let toks: Vec<&[u8]> = tokens(subject).collect();
        let tok = |i: usize| toks.get(i).copied().unwrap_or_default();
        let mut out = Vec::with_capacity(subject.len() + self.destination.len());
        let last = self.dest.len().saturating_sub(1);
        for (i, d) in self.dest.iter().enumerate() {
            match d {
                DestToken::FullWildcard => break,
                DestToken::Literal(l) => out.extend_from_slice(l),
                DestToken::Wildcard(p) => out.extend_from_slice(tok(*p)),
                DestToken::Partition { buckets, positions } => {
                    let h = if positions.is_empty() {
                        fnv1a32(subject)
                    } else {
                        positions
                            .iter()
                            .fold(FNV_OFFSET, |h, &p| fnv1a32_update(h, tok(p)))
                    };
                    let part = h.checked_rem(*buckets).unwrap_or(0);
                    out.extend_from_slice(part.to_string().as_bytes());
                }
                DestToken::SplitFromLeft(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => {
                            out.extend_from_slice(&t[..n]);
                            out.push(b'.');
                            out.extend_from_slice(&t[n..]);
                        }
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::SplitFromRight(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => {
                            let at = t.len() - n;
                            out.extend_from_slice(&t[..at]);
                            out.push(b'.');
                            out.extend_from_slice(&t[at..]);
                        }
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::SliceFromLeft(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => {
                            for (k, chunk) in t.chunks(n).enumerate() {
                                if k > 0 {
                                    out.push(b'.');
                                }
                                out.extend_from_slice(chunk);
                            }
                        }
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::SliceFromRight(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => {
                            let rem = t.len() % n;
                            if rem > 0 {
                                out.extend_from_slice(&t[..rem]);
                                out.push(b'.');
                            }
                            for (k, chunk) in t[rem..].chunks(n).enumerate() {
                                if k > 0 {
                                    out.push(b'.');
                                }
                                out.extend_from_slice(chunk);
                            }
                        }
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::Left(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => out.extend_from_slice(&t[..n]),
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::Right(p, n) => {
                    let t = tok(*p);
                    match cut(*n, t.len()) {
                        Some(n) => out.extend_from_slice(&t[t.len() - n..]),
                        None => out.extend_from_slice(t),
                    }
                }
                DestToken::Split(p, delim) => split_into(&mut out, tok(*p), delim),
                DestToken::Random(n) => {
                    // nats-server draws from `0..|n|` (n as a Go int32).
                    let v = match n.unsigned_abs() {
                        0 => 0,
                        n => random(n) % n,
                    };
                    out.extend_from_slice(v.to_string().as_bytes());
                }
            }
            if i < last {
                out.push(b'.');
            }
        }
        if self.dest_fwc {
            // The subject tokens matched by the source's `>`.
            let from = self.src_tokens.len().saturating_sub(1);
            for (k, t) in toks.iter().skip(from).enumerate() {
                if k > 0 {
                    out.push(b'.');
                }
                out.extend_from_slice(t);
            }
        }
        out
    }
}

/// `Some(n)` when `0 < n < len` (the size/position is usable), else `None` (token left whole).
fn cut(n: i32, len: usize) -> Option<usize> {
    usize::try_from(n).ok().filter(|&n| n > 0 && n < len)
}

/// `{{split}}`: pieces of `token` separated by `delim`, joined with `.`, mirroring nats-server's
/// handling of empty pieces (leading/trailing/doubled delimiters).
fn split_into(out: &mut Vec<u8>, token: &[u8], delim: &[u8]) {
    let pieces = go_split(token, delim);
    for (j, piece) in pieces.iter().enumerate() {
        out.extend_from_slice(piece);
        let next_nonempty = pieces.get(j + 1).is_some_and(|p| !p.is_empty());
        if next_nonempty && !(j == 0 && piece.is_empty()) {
            out.push(b'.');
        }
    }
}

/// Go's `strings.Split(s, sep)`: with an empty `sep`, one piece per UTF-8 sequence (an invalid
/// byte is a piece of its own).
fn go_split<'a>(s: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    if sep.is_empty() {
        let mut i = 0;
        while i < s.len() {
            let n = utf8_len(&s[i..]);
            out.push(&s[i..i + n]);
            i += n;
        }
        return out;
    }
    let mut beg = 0;
    let mut i = 0;
    while i + sep.len() <= s.len() {
        if &s[i..i + sep.len()] == sep {
            out.push(&s[beg..i]);
            i += sep.len();
            beg = i;
        } else {
            i += 1;
        }
    }
    out.push(&s[beg..]);
    out
}

/// Length of the UTF-8 sequence at the start of `s` (1 for an invalid byte), as Go decodes it.
fn utf8_len(s: &[u8]) -> usize {
    let want = match s.first() {
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        _ => 1,
    };
    match s.get(..want) {
        Some(seq) if want > 1 && std::str::from_utf8(seq).is_ok() => want,
        _ => 1,
    }
}

/// No empty tokens and no wildcard tokens.
fn is_valid_literal(subject: &[u8]) -> bool {
    tokens(subject).all(|t| !t.is_empty() && t != b"*" && t != b">")
}

fn into_string(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv1a32_update(mut h: u32, data: &[u8]) -> u32 {
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// 32-bit FNV-1a, the hash nats-server partitions with.
pub fn fnv1a32(data: &[u8]) -> u32 {
    fnv1a32_update(FNV_OFFSET, data)
}

/// The partition nats-server's `{{partition(buckets, ...)}}` gives for the hashed key (the
/// selected tokens concatenated without separators, or the whole subject).
pub fn partition_of(key: &[u8], buckets: u32) -> u32 {
    fnv1a32(key).checked_rem(buckets).unwrap_or(0)
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9e37_79b9_7f4a_7c15);
    h.finish() | 1
}

/// A uniform-enough number in `0..n` (`n > 0`) from a thread-local splitmix64 generator.
pub(crate) fn random_below(n: u32) -> u32 {
    let x = RNG.with(|c| {
        let s = c.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        c.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    });
    // Multiply-shift: bias below 2^-32, fine for load spreading.
    ((u128::from(x) * u128::from(n)) >> 64) as u32
}

#[cfg(test)]
mod tests;
