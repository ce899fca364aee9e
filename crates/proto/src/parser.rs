//! The incremental parser for client ops.
//!
//! The caller appends socket reads to a `BytesMut` and calls [`Parser::parse`] until it returns
//! `Ok(None)`. Complete ops are cut off the front of the buffer; subjects, sids and payloads are
//! `Bytes` sharing the read buffer's memory, so nothing is copied. A `PUB` whose payload has not
//! fully arrived leaves its control line parsed in the parser, so a large payload arriving in many
//! reads is not re-scanned.

use bytes::{Buf, Bytes, BytesMut};

use crate::op::{ClientOp, Publish};
use crate::ProtoError;

/// Limits enforced before anything is buffered or allocated for an op.
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

/// A publish whose control line is parsed and whose payload is still arriving.
#[derive(Debug)]
struct PendingPayload {
    subject: Bytes,
    reply: Option<Bytes>,
    header_len: usize,
    total_len: usize,
}

/// Parses client ops out of a byte buffer, one at a time.
#[derive(Debug, Default)]
pub struct Parser {
    limits: Limits,
    headers: bool,
    pending: Option<PendingPayload>,
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
            pending: None,
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

    /// How many more bytes the op in progress needs, so the caller can reserve them at once.
    pub fn bytes_wanted(&self, buffered: usize) -> usize {
        match &self.pending {
            Some(p) => (p.total_len + 2).saturating_sub(buffered),
            None => 0,
        }
    }

    /// Cuts the next complete op off the front of `buf`.
    ///
    /// # Errors
    /// The input breaks the protocol; the connection must be closed (see
    /// [`ProtoError::server_error`] for what to send first). The buffer is left as it was.
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        if let Some(pending) = &self.pending {
            return self.take_payload(buf, pending.total_len);
        }
        let Some(newline) = memchr::memchr(b'\n', buf) else {
            self.check_partial_line(buf)?;
            return Ok(None);
        };
        let (name, has_args) = match_op_name(&buf[..newline])?;
        let name_len = OP_NAMES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map_or(0, |(s, _, _)| s.len());
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
        let line = buf.split_to(newline + 1).freeze();
        let args = line.slice(name_len.min(line_end)..line_end);
        match name {
            OpName::Ping => Ok(Some(ClientOp::Ping)),
            OpName::Pong => Ok(Some(ClientOp::Pong)),
            OpName::Ok => Ok(Some(ClientOp::Ok)),
            OpName::Err => Ok(Some(ClientOp::Err)),
            OpName::Connect => Ok(Some(ClientOp::Connect(trim(&args)))),
            OpName::Info => {
                let json = trim(&args);
                serde_json::from_slice::<serde::de::IgnoredAny>(&json)
                    .map_err(|_| ProtoError::BadJson { op: "INFO" })?;
                Ok(Some(ClientOp::Info(json)))
            }
            OpName::Sub => parse_sub(&args).map(Some),
            OpName::Unsub => parse_unsub(&args).map(Some),
            OpName::Pub => {
                self.start_pub(&args, false)?;
                self.continue_payload(buf)
            }
            OpName::Hpub => {
                if !self.headers {
                    return Err(ProtoError::HeadersNotNegotiated);
                }
                self.start_pub(&args, true)?;
                self.continue_payload(buf)
            }
        }
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

    fn start_pub(&mut self, args: &Bytes, with_headers: bool) -> Result<(), ProtoError> {
        let op = if with_headers { "HPUB" } else { "PUB" };
        let bad = ProtoError::BadArgs { op };
        let mut fields = [const { None::<Bytes> }; 4];
        let count = split_args(args, &mut fields).ok_or(bad.clone())?;
        let sizes = if with_headers { 2 } else { 1 };
        if count < sizes + 1 || count > sizes + 2 {
            return Err(bad);
        }
        let reply = (count == sizes + 2).then(|| fields[1].clone()).flatten();
        let total_len = parse_size(fields[count - 1].as_deref()).ok_or(bad.clone())?;
        let header_len = if with_headers {
            let h = parse_size(fields[count - 2].as_deref()).ok_or(bad.clone())?;
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
        let subject = fields[0].take().ok_or(bad)?;
        self.pending = Some(PendingPayload {
            subject,
            reply,
            header_len,
            total_len,
        });
        Ok(())
    }

    fn continue_payload(&mut self, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        let total = self.pending.as_ref().map_or(0, |p| p.total_len);
        self.take_payload(buf, total)
    }

    fn take_payload(
        &mut self,
        buf: &mut BytesMut,
        total_len: usize,
    ) -> Result<Option<ClientOp>, ProtoError> {
        let Some(end) = total_len.checked_add(2) else {
            return Err(ProtoError::PayloadTooLarge {
                size: total_len,
                max: self.limits.max_payload,
            });
        };
        if buf.len() < end {
            // A terminator that is already wrong need not wait for the rest.
            if buf.len() > total_len && buf[total_len] != b'\r' {
                return Err(ProtoError::MissingPayloadTerminator);
            }
            return Ok(None);
        }
        if &buf[total_len..end] != b"\r\n" {
            return Err(ProtoError::MissingPayloadTerminator);
        }
        let Some(pending) = self.pending.take() else {
            return Ok(None);
        };
        let payload = buf.split_to(total_len).freeze();
        buf.advance(2);
        Ok(Some(ClientOp::Pub(Publish {
            subject: pending.subject,
            reply: pending.reply,
            header_len: pending.header_len,
            payload,
        })))
    }
}

/// Identifies the op at the start of a complete line.
fn match_op_name(line: &[u8]) -> Result<(OpName, bool), ProtoError> {
    for &(name, op, takes_args) in OP_NAMES {
        if line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name) {
            let rest = &line[name.len()..];
            let next = rest.first().copied();
            if takes_args {
                match next {
                    Some(b) if is_space(b) => return Ok((op, true)),
                    // `CONNECT` and `INFO` with nothing after them are bad JSON: a silent close.
                    Some(b'\r') | None if matches!(op, OpName::Connect | OpName::Info) => {
                        return Err(ProtoError::BadJson { op: "CONNECT" })
                    }
                    // `UNSUB`, `SUB`, `PUB`... followed by something else may be a longer name
                    // (`SUB` vs `SUBX`); keep looking, then fail as unknown.
                    _ => continue,
                }
            }
            return Ok((op, false));
        }
    }
    Err(ProtoError::UnknownOp)
}

/// Splits arguments on runs of spaces and tabs into `out`. Returns how many there were, or
/// `None` when there were more than `out` holds.
fn split_args(args: &Bytes, out: &mut [Option<Bytes>]) -> Option<usize> {
    let mut count = 0;
    let mut start = None;
    for (i, &b) in args.iter().enumerate() {
        match (is_space(b), start) {
            (true, Some(s)) => {
                *out.get_mut(count)? = Some(args.slice(s..i));
                count += 1;
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        *out.get_mut(count)? = Some(args.slice(s..));
        count += 1;
    }
    Some(count)
}

/// A decimal size: digits only, no sign, no overflow.
fn parse_size(field: Option<&[u8]>) -> Option<usize> {
    let field = field?;
    if field.is_empty() || field.len() > 19 {
        return None;
    }
    field.iter().try_fold(0usize, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(usize::from(b - b'0')))?
    })
}

fn trim(args: &Bytes) -> Bytes {
    let start = args
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(args.len());
    let end = args
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |p| p + 1);
    args.slice(start..end.max(start))
}

fn parse_sub(args: &Bytes) -> Result<ClientOp, ProtoError> {
    let bad = ProtoError::BadArgs { op: "SUB" };
    let mut fields = [const { None::<Bytes> }; 3];
    let count = split_args(args, &mut fields).ok_or(bad.clone())?;
    let [subject, second, third] = fields;
    match count {
        2 => Ok(ClientOp::Sub {
            subject: subject.ok_or(bad.clone())?,
            queue: None,
            sid: second.ok_or(bad)?,
        }),
        3 => Ok(ClientOp::Sub {
            subject: subject.ok_or(bad.clone())?,
            queue: second,
            sid: third.ok_or(bad)?,
        }),
        _ => Err(bad),
    }
}

fn parse_unsub(args: &Bytes) -> Result<ClientOp, ProtoError> {
    let bad = ProtoError::BadArgs { op: "UNSUB" };
    let mut fields = [const { None::<Bytes> }; 2];
    let count = split_args(args, &mut fields).ok_or(bad.clone())?;
    let [sid, max] = fields;
    match count {
        1 => Ok(ClientOp::Unsub {
            sid: sid.ok_or(bad)?,
            max: None,
        }),
        2 => {
            let max = parse_size(max.as_deref()).ok_or(bad.clone())?;
            Ok(ClientOp::Unsub {
                sid: sid.ok_or(bad)?,
                max: Some(max as u64),
            })
        }
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests;
