//! Just enough of the client protocol to generate load and count deliveries exactly.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// One raw connection: CONNECT sent, INFO consumed.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// Something the server sent.
pub enum Event<'a> {
    Msg {
        subject: &'a [u8],
        reply: Option<&'a [u8]>,
        payload: &'a [u8],
    },
    Pong,
}

impl Conn {
    pub fn connect(addr: &str) -> Result<Self> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let mut conn = Self {
            stream,
            buf: vec![0; 1 << 20],
            start: 0,
            end: 0,
        };
        conn.read_line()?; // INFO
        conn.stream
            .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"headers\":true,\"lang\":\"loadgen\"}\r\n")?;
        Ok(conn)
    }

    /// A connection subscribed to `subject` (sid 1), the subscription in place on return.
    pub fn subscribed(addr: &str, subject: &str) -> Result<Self> {
        let mut conn = Self::connect(addr)?;
        conn.send(format!("SUB {subject} 1\r\n").as_bytes())?;
        conn.round_trip(|_, _, _| {})?;
        Ok(conn)
    }

    pub fn set_timeout(&self, t: Option<Duration>) -> Result<()> {
        self.stream.set_read_timeout(t)?;
        Ok(())
    }

    /// Writes all of `bytes`; on a non-blocking socket, spins while its buffer is full.
    pub fn send(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            match self.stream.write(bytes) {
                Ok(0) => bail!("connection closed by server"),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// PING and wait for the PONG, answering server PINGs; messages in between are counted
    /// by `on_msg`.
    pub fn round_trip(
        &mut self,
        mut on_msg: impl FnMut(&[u8], Option<&[u8]>, &[u8]),
    ) -> Result<()> {
        self.send(b"PING\r\n")?;
        loop {
            match self.next_event()? {
                Event::Pong => return Ok(()),
                Event::Msg {
                    subject,
                    reply,
                    payload,
                } => on_msg(subject, reply, payload),
            }
        }
    }

    fn read_line(&mut self) -> Result<Vec<u8>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let line = self.buf[self.start..self.start + pos + 1].to_vec();
                self.start += pos + 1;
                return Ok(line);
            }
            self.fill()?;
        }
    }

    /// Reads more; fails if nothing came within the read timeout.
    fn fill(&mut self) -> Result<()> {
        if !self.try_fill()? {
            bail!("timed out waiting for the server");
        }
        Ok(())
    }

    /// Reads more; `false` if nothing came (a non-blocking socket had nothing, or the read
    /// timeout passed).
    fn try_fill(&mut self) -> Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.end..]) {
            Ok(0) => bail!("connection closed by server"),
            Ok(n) => {
                self.end += n;
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Whether everything read so far has been handed out (the next event needs a read).
    pub fn is_drained(&self) -> bool {
        self.start == self.end
    }

    /// The next MSG/HMSG or PONG; PINGs are answered, +OK/INFO skipped.
    pub fn next_event(&mut self) -> Result<Event<'_>> {
        loop {
            if let Some(found) = self.buffered_event()? {
                return Ok(self.event(found));
            }
            self.fill()?;
        }
    }

    /// Like [`Conn::next_event`] but without waiting: `None` when no whole event has
    /// arrived yet. The socket must be non-blocking ([`Conn::set_nonblocking`]).
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>> {
        if let Some(found) = self.buffered_event()? {
            return Ok(Some(self.event(found)));
        }
        if !self.try_fill()? {
            return Ok(None);
        }
        Ok(self.buffered_event()?.map(|found| self.event(found)))
    }

    /// Switches the socket to non-blocking reads and writes (then `send` spins on a full
    /// socket buffer).
    pub fn set_nonblocking(&self) -> Result<()> {
        self.stream.set_nonblocking(true)?;
        Ok(())
    }

    /// Consumes buffered lines that are not events (answering PINGs) up to the next whole
    /// event, and says where it is; `None` if the buffer holds no whole event yet.
    fn buffered_event(&mut self) -> Result<Option<Found>> {
        loop {
            let Some(nl) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) else {
                return Ok(None);
            };
            let line_start = self.start;
            let line_end = line_start + nl + 1;
            let line = &self.buf[line_start..line_end - 2];
            if line.starts_with(b"MSG ") || line.starts_with(b"HMSG ") {
                let fields = split_fields(line)?;
                let need = line_end + fields.size + 2;
                if need > self.end {
                    if need - line_start > self.buf.len() {
                        self.buf.resize(need - line_start, 0);
                    }
                    return Ok(None);
                }
                self.start = need;
                return Ok(Some(Found::Msg {
                    line_start,
                    line_end,
                    fields,
                }));
            }
            self.start = line_end;
            if line.starts_with(b"PONG") {
                return Ok(Some(Found::Pong));
            }
            if line.starts_with(b"PING") {
                self.send(b"PONG\r\n")?;
            } else if line.starts_with(b"-ERR") {
                bail!("server error: {}", String::from_utf8_lossy(line));
            }
        }
    }

    fn event(&self, found: Found) -> Event<'_> {
        match found {
            Found::Pong => Event::Pong,
            Found::Msg {
                line_start,
                line_end,
                fields,
            } => {
                let line = &self.buf[line_start..line_end - 2];
                Event::Msg {
                    subject: &line[fields.subject.0..fields.subject.1],
                    reply: fields.reply.map(|(a, b)| &line[a..b]),
                    payload: &self.buf[line_end..line_end + fields.size],
                }
            }
        }
    }
}

/// Where a whole buffered event is.
enum Found {
    Msg {
        line_start: usize,
        line_end: usize,
        fields: MsgFields,
    },
    Pong,
}

/// Appends `PUB subject [reply] len\r\npayload\r\n`.
/// Where the subject and reply are in a MSG/HMSG line, and the payload size.
struct MsgFields {
    subject: (usize, usize),
    reply: Option<(usize, usize)>,
    size: usize,
}

/// Splits `MSG <subject> <sid> [reply] <size>` (or HMSG with one more size field) without
/// allocating: the hot loop of every receiver.
fn split_fields(line: &[u8]) -> Result<MsgFields> {
    let mut spans = [(0usize, 0usize); 6];
    let mut n = 0;
    let mut from = 0;
    for at in memchr::memchr_iter(b' ', line).chain(std::iter::once(line.len())) {
        if at > from {
            if n == spans.len() {
                bail!("malformed MSG line");
            }
            spans[n] = (from, at);
            n += 1;
        }
        from = at + 1;
    }
    let headers = line[0] == b'H';
    let fixed = if headers { 5 } else { 4 };
    if n != fixed && n != fixed + 1 {
        bail!("malformed MSG line: {}", String::from_utf8_lossy(line));
    }
    let (a, b) = spans[n - 1];
    let mut size = 0usize;
    for &d in &line[a..b] {
        if !d.is_ascii_digit() {
            bail!("malformed MSG size: {}", String::from_utf8_lossy(line));
        }
        size = size * 10 + usize::from(d - b'0');
    }
    Ok(MsgFields {
        subject: spans[1],
        reply: (n == fixed + 1).then_some(spans[3]),
        size,
    })
}

pub fn put_pub(out: &mut Vec<u8>, subject: &[u8], reply: Option<&[u8]>, payload: &[u8]) {
    out.extend_from_slice(b"PUB ");
    out.extend_from_slice(subject);
    out.push(b' ');
    if let Some(r) = reply {
        out.extend_from_slice(r);
        out.push(b' ');
    }
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// A payload of `size` bytes whose first 8 bytes carry `seq` (for exactly-once checks).
pub fn payload(buf: &mut Vec<u8>, size: usize, seq: u64) {
    buf.clear();
    buf.resize(size.max(8), b'x');
    buf[..8].copy_from_slice(&seq.to_le_bytes());
    buf.truncate(size.max(8));
}

pub fn seq_of(payload: &[u8]) -> Option<u64> {
    payload
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
}
