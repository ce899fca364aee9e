//! The parser for client ops, in place over the read buffer.
//!
//! The caller keeps socket reads in a buffer and calls [`Parser::parse`] on what it holds. A
//! complete op comes back as a [`ClientOp`] borrowing the buffer, with the number of bytes it
//! used; the caller acts on it, then drops those bytes. Nothing is copied and no reference
//! counts are taken. "Not enough bytes yet" is `Ok(None)`; [`Parser::bytes_wanted`] then says
//! how much a `PUB` still needs, so the caller can reserve it in one go. An incomplete op is
//! parsed again when more bytes arrive: only its control line is re-read, never its payload.

use crate::op::{ClientOp, Publish};
use crate::ProtoError;

/// Limits enforced before anything is buffered for an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted argument part of a control line (after the op name).
    pub max_control_line: usize,
    /// Largest accepted payload (headers plus body).
    pub max_payload: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_control_line: 4096,
            max_payload: 1024 * 1024,
        }
    }
}

/// Parses client ops out of a byte buffer, one at a time.
#[derive(Debug, Default)]
pub struct Parser {
    limits: Limits,
    headers: bool,
    /// Total bytes the op at the front of the buffer needs, when it is a `PUB` still arriving.
    wanted: usize,
}

/// The longest op name, `CONNECT`/`UNSUB`+separator, with room to spare.
const MAX_OP_NAME: usize = 8;

/// Which op a control line starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpName {
    Pub,
    Hpub,
    Sub,
    Unsub,
    Ping,
    Pong,
    Connect,
    Info,
    Ok,
    Err,
}

/// Names that take arguments must be followed by a space or tab; the others ignore the rest of
/// the line.
const OP_NAMES: &[(&[u8], OpName, bool)] = &[
    (b"PUB", OpName::Pub, true),
    (b"HPUB", OpName::Hpub, true),
    (b"SUB", OpName::Sub, true),
    (b"UNSUB", OpName::Unsub, true),
    (b"PING", OpName::Ping, false),
    (b"PONG", OpName::Pong, false),
    (b"CONNECT", OpName::Connect, true),
    (b"INFO", OpName::Info, true),
    (b"+OK", OpName::Ok, false),
    (b"-ERR", OpName::Err, false),
];

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Parser {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            headers: false,
            wanted: 0,
        }
    }

    /// Changes the limits, e.g. when the account sets a lower max payload after CONNECT.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Allows or refuses `HPUB` (after CONNECT said whether the client supports headers).
    pub fn set_headers(&mut self, enabled: bool) {
        self.headers = enabled;
    }

    /// How many more bytes the op at the front of a buffer of `buffered` bytes needs.
    pub fn bytes_wanted(&self, buffered: usize) -> usize {
        self.wanted.saturating_sub(buffered)
    }

    /// The next complete op at the front of `buf`, and how many bytes it takes.
    ///
    /// # Errors
    /// The input breaks the protocol; the connection must be closed (see
    /// [`ProtoError::server_error`] for what to send first).
    #[inline]
    pub fn parse<'a>(
        &mut self,
        buf: &'a [u8],
    ) -> Result<Option<(ClientOp<'a>, usize)>, ProtoError> {
        self.wanted = 0;
        match self.parse_pub_fast(buf) {
            Some(parsed) => parsed,
            None => self.parse_general(buf),
        }
    }

    /// A complete plain `PUB`/`HPUB` at the front of `buf`, and how many bytes it takes;
    /// `None` for anything else (another op, a partial or malformed one), which [`parse`]
    /// then answers. For a read loop that handles publishes on their own path: the message
    /// goes straight to it, not through the [`ClientOp`] that every op shares.
    ///
    /// [`parse`]: Parser::parse
    #[inline(always)]
    pub fn parse_publish<'a>(&mut self, buf: &'a [u8]) -> Option<(Publish<'a>, usize)> {
        match self.parse_pub_fast(buf) {
            Some(Ok(Some((ClientOp::Pub(publish), len)))) => {
                self.wanted = 0;
                Some((publish, len))
            }
            _ => None,
        }
    }

    /// Any op, from a search for the line's end, then its name, then its arguments.
    #[inline(never)]
    fn parse_general<'a>(
        &mut self,
        buf: &'a [u8],
    ) -> Result<Option<(ClientOp<'a>, usize)>, ProtoError> {
        let Some(newline) = memchr::memchr(b'\n', buf) else {
            self.check_partial_line(buf)?;
            return Ok(None);
        };
        let (name, name_len, has_args) = match_op_name(&buf[..newline])?;
        let line_end = if newline > 0 && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let args_len = line_end.saturating_sub(name_len);
        if has_args && args_len > self.limits.max_control_line {
            return Err(ProtoError::ControlLineTooLong {
                len: args_len,
                max: self.limits.max_control_line,
            });
        }
        let args = &buf[name_len.min(line_end)..line_end];
        let used = newline + 1;
        let op = match name {
            OpName::Ping => ClientOp::Ping,
            OpName::Pong => ClientOp::Pong,
            OpName::Ok => ClientOp::Ok,
            OpName::Err => ClientOp::Err(trim(args)),
            OpName::Connect => ClientOp::Connect(trim(args)),
            OpName::Info => {
                let json = trim(args);
                serde_json::from_slice::<serde::de::IgnoredAny>(json)
                    .map_err(|_| ProtoError::BadJson { op: "INFO" })?;
                ClientOp::Info(json)
            }
            OpName::Sub => parse_sub(args)?,
            OpName::Unsub => parse_unsub(args)?,
            OpName::Pub | OpName::Hpub => {
                if name == OpName::Hpub && !self.headers {
                    return Err(ProtoError::HeadersNotNegotiated);
                }
                let with_headers = name == OpName::Hpub;
                let mut fields: [&[u8]; 4] = [&[]; 4];
                let count = split_args(args, &mut fields).ok_or(ProtoError::BadArgs {
                    op: pub_op_name(with_headers),
                })?;
                return self.parse_pub(buf, &fields[..count], used, with_headers);
            }
        };
        Ok(Some((op, used)))
    }

    /// Without a newline yet, fail early on an impossible op name or an over-long line, so a
    /// peer cannot make the server buffer without bound.
    fn check_partial_line(&self, buf: &[u8]) -> Result<(), ProtoError> {
        let name_end = buf
            .iter()
            .position(|&b| is_space(b) || b == b'\r')
            .unwrap_or(buf.len());
        let name = &buf[..name_end.min(MAX_OP_NAME)];
        let possible = OP_NAMES.iter().any(|(op, _, _)| {
            let n = name.len().min(op.len());
            op[..n].eq_ignore_ascii_case(&name[..n])
        });
        if !possible && !name.is_empty() {
            return Err(ProtoError::UnknownOp);
        }
        if buf.len() > self.limits.max_control_line + MAX_OP_NAME {
            return Err(ProtoError::ControlLineTooLong {
                len: buf.len(),
                max: self.limits.max_control_line,
            });
        }
        Ok(())
    }

    /// The hot path: a `PUB`/`HPUB` whose control line is plain (fields split by single
    /// spaces or tabs, ending in `\r\n` or `\n`), read in one pass that finds the fields and
    /// the line's end together. Anything else (a partial line, a stray `\r`, too many fields,
    /// an over-long line, another op) is `None`, left to the general path, which gives the
    /// same answer for plain lines and the precise error for the rest.
    #[inline(always)]
    fn parse_pub_fast<'a>(
        &mut self,
        buf: &'a [u8],
    ) -> Option<Result<Option<(ClientOp<'a>, usize)>, ProtoError>> {
        let with_headers = match buf {
            [p, u, b, sep, ..] if is_pub_name(*p, *u, *b) && is_space(*sep) => false,
            [h, p, u, b, sep, ..]
                if h | 0x20 == b'h' && is_pub_name(*p, *u, *b) && is_space(*sep) =>
            {
                if !self.headers {
                    return None;
                }
                true
            }
            _ => return None,
        };
        let name_len = if with_headers { 4 } else { 3 };
        let limit = buf.len().min(name_len + self.limits.max_control_line);
        let mut fields: [&[u8]; 4] = [&[]; 4];
        let (count, line_len) = split_plain_line(buf, name_len, limit, &mut fields)?;
        Some(self.parse_pub(buf, &fields[..count], line_len, with_headers))
    }

    /// A `PUB`/`HPUB` with argument `fields`, whose control line ends at `line_len`:
    /// complete, or `None` (and `wanted` set) while its payload is still arriving.
    #[inline(always)]
    fn parse_pub<'a>(
        &mut self,
        buf: &'a [u8],
        fields: &[&'a [u8]],
        line_len: usize,
        with_headers: bool,
    ) -> Result<Option<(ClientOp<'a>, usize)>, ProtoError> {
        let bad = ProtoError::BadArgs {
            op: pub_op_name(with_headers),
        };
        let count = fields.len();
        let sizes = if with_headers { 2 } else { 1 };
        if count < sizes + 1 || count > sizes + 2 {
            return Err(bad);
        }
        let reply = (count == sizes + 2).then_some(fields[1]);
        let total_len = parse_size(fields[count - 1]).ok_or(bad.clone())?;
        let header_len = if with_headers {
            let h = parse_size(fields[count - 2]).ok_or(bad.clone())?;
            if h > total_len {
                return Err(bad);
            }
            h
        } else {
            0
        };
        if total_len > self.limits.max_payload {
            return Err(ProtoError::PayloadTooLarge {
                size: total_len,
                max: self.limits.max_payload,
            });
        }
        let payload_end = line_len + total_len;
        let end = payload_end + 2;
        if buf.len() < end {
            // A terminator that is already wrong need not wait for the rest.
            if buf.len() > payload_end && buf[payload_end] != b'\r' {
                return Err(ProtoError::MissingPayloadTerminator);
            }
            self.wanted = end;
            return Ok(None);
        }
        if &buf[payload_end..end] != b"\r\n" {
            return Err(ProtoError::MissingPayloadTerminator);
        }
        let publish = Publish {
            subject: fields[0],
            reply,
            header_len,
            payload: &buf[line_len..payload_end],
        };
        Ok(Some((ClientOp::Pub(publish), end)))
    }
}

/// The fields of a plain `PUB`/`HPUB` control line (fields split by single spaces or tabs,
/// ending in `\r\n` or `\n` before `limit`) and the line's length with its `\n`; `None`
/// for anything else (blanks in a row or before the end, a stray `\r` or control byte, too
/// many fields, a line reaching `limit`, fewer than 8 bytes buffered where it looks), which
/// the general path then answers.
///
/// It reads eight bytes at a time and marks those at most `b' '` (separators, line ends,
/// control bytes): the field boundaries, taken lowest first.
#[inline(always)]
fn split_plain_line<'a>(
    buf: &'a [u8],
    name_len: usize,
    limit: usize,
    fields: &mut [&'a [u8]; 4],
) -> Option<(usize, usize)> {
    // Bit `i` of `bounds` marks byte `base + i`; the name and its separator are not fields.
    let mut base = 0;
    let mut bounds = blank_marks(buf, 0)? & !(u64::MAX >> (63 - name_len));
    let mut start = name_len + 1;
    let mut count = 0;
    loop {
        while bounds == 0 {
            base += 8;
            if base >= limit {
                return None;
            }
            bounds = blank_marks(buf, base)?;
        }
        let end = base + bounds.trailing_zeros() as usize;
        if end >= limit || end == start || count == fields.len() {
            return None;
        }
        fields[count] = &buf[start..end];
        count += 1;
        match buf[end] {
            b' ' | b'\t' => {}
            b'\n' => return Some((count, end + 1)),
            b'\r' if end + 1 < limit && buf.get(end + 1) == Some(&b'\n') => {
                return Some((count, end + 2));
            }
            _ => return None,
        }
        bounds &= bounds - 1;
        start = end + 1;
    }
}

/// One bit per byte of `buf[at..at + 8]` (bit `i` for byte `at + i`), set for bytes at most
/// `b' '`; `None` if fewer than 8 bytes are there. No carry crosses bytes:
/// `(b & 0x7f) + 0x5f` reaches the top bit exactly when `b & 0x7f > 0x20`, and or-ing in `b`
/// rules out bytes with the top bit set. The multiply gathers the eight top bits into the
/// top byte (each lands on its own bit, so no two partial products collide).
#[inline(always)]
fn blank_marks(buf: &[u8], at: usize) -> Option<u64> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    const GATHER: u64 = 0x0002_0408_1020_4081;
    let word = u64::from_le_bytes(*buf.get(at..)?.first_chunk::<8>()?);
    let blanks = !(((word & LOW7) + 0x5f5f_5f5f_5f5f_5f5f) | word) & TOPS;
    Some(blanks.wrapping_mul(GATHER) >> 56)
}

/// `PUB` in any case, from its three letters (`| 0x20` lowers an ASCII letter and maps no
/// other byte onto `p`, `u` or `b`).
fn is_pub_name(p: u8, u: u8, b: u8) -> bool {
    p | 0x20 == b'p' && u | 0x20 == b'u' && b | 0x20 == b'b'
}

fn pub_op_name(with_headers: bool) -> &'static str {
    if with_headers {
        "HPUB"
    } else {
        "PUB"
    }
}

/// Identifies the op at the start of a complete line: its name, the name's length, and
/// whether it takes arguments.
fn match_op_name(line: &[u8]) -> Result<(OpName, usize, bool), ProtoError> {
    for &(name, op, takes_args) in OP_NAMES {
        if line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name) {
            let rest = &line[name.len()..];
            let next = rest.first().copied();
            if takes_args {
                match next {
                    Some(b) if is_space(b) => return Ok((op, name.len(), true)),
                    // `CONNECT` and `INFO` with nothing after them are bad JSON: a silent close.
                    Some(b'\r') | None if matches!(op, OpName::Connect | OpName::Info) => {
                        return Err(ProtoError::BadJson { op: "CONNECT" })
                    }
                    // `UNSUB`, `SUB`, `PUB`... followed by something else may be a longer name
                    // (`SUB` vs `SUBX`); keep looking, then fail as unknown.
                    _ => continue,
                }
            }
            return Ok((op, name.len(), false));
        }
    }
    Err(ProtoError::UnknownOp)
}

/// Splits arguments on runs of spaces and tabs into `out`. Returns how many there were, or
/// `None` when there were more than `out` holds.
fn split_args<'a>(args: &'a [u8], out: &mut [&'a [u8]]) -> Option<usize> {
    let mut count = 0;
    let mut start = None;
    for (i, &b) in args.iter().enumerate() {
        match (is_space(b), start) {
            (true, Some(s)) => {
                *out.get_mut(count)? = &args[s..i];
                count += 1;
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        *out.get_mut(count)? = &args[s..];
        count += 1;
    }
    Some(count)
}

/// A decimal size: digits only, no sign, at most nine of them. As in the original, a longer
/// number is a malformed size (the connection is closed without an `-ERR`), not a payload
/// over the limit.
fn parse_size(field: &[u8]) -> Option<usize> {
    if field.is_empty() || field.len() > 9 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in field {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    usize::try_from(n).ok()
}

fn trim(args: &[u8]) -> &[u8] {
    let start = args
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(args.len());
    let end = args
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |p| p + 1);
    &args[start..end.max(start)]
}

fn parse_sub(args: &[u8]) -> Result<ClientOp<'_>, ProtoError> {
    let bad = ProtoError::BadArgs { op: "SUB" };
    let mut fields: [&[u8]; 3] = [&[]; 3];
    match split_args(args, &mut fields).ok_or(bad.clone())? {
        2 => Ok(ClientOp::Sub {
            subject: fields[0],
            queue: None,
            sid: fields[1],
        }),
        3 => Ok(ClientOp::Sub {
            subject: fields[0],
            queue: Some(fields[1]),
            sid: fields[2],
        }),
        _ => Err(bad),
    }
}

fn parse_unsub(args: &[u8]) -> Result<ClientOp<'_>, ProtoError> {
    let bad = ProtoError::BadArgs { op: "UNSUB" };
    let mut fields: [&[u8]; 2] = [&[]; 2];
    match split_args(args, &mut fields).ok_or(bad.clone())? {
        1 => Ok(ClientOp::Unsub {
            sid: fields[0],
            max: None,
        }),
        // The original reads a max that is not a size as none: the subscription ends now.
        2 => Ok(ClientOp::Unsub {
            sid: fields[0],
            max: parse_size(fields[1]).map(|max| max as u64),
        }),
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests;

mod diagnose;
