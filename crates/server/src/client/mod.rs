//! A client connection.
//!
//! [`Client`] is the part other connections see: its outbound buffer, its subscriptions and
//! its counters, shared through an `Arc`. The connection itself runs as two tasks:
//! the [`reader`] parses and executes what the client sends (delivering publishes straight into
//! other clients' outbound buffers), and the [`writer`] drains this client's outbound buffer to
//! the socket in one write per batch. For plain TCP, a publisher that just filled a client's
//! buffer writes it to the socket itself when the writer holds nothing and the socket takes
//! it at once ([`Client::flush_inline`]); the writer task only handles what does not fit.
//!
//! Lock order: a client's `subscriptions` lock may be taken before an account's trie lock;
//! the outbound lock is a leaf (nothing else is taken while holding it).

pub mod auth;
mod outbound;
pub mod reader;
mod socket;
pub(crate) mod trace;
mod transport;
mod waits;
mod writer;

use std::collections::HashMap;
use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use outbound::{Enqueued, Outbound};
pub use socket::SharedTcp;
pub use transport::Transport;

use crate::subscription::SubRef;

/// Why a connection ended (the original's reason strings, as monitoring shows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    ClientClosed,
    AuthenticationTimeout,
    AuthenticationViolation,
    SlowConsumerPendingBytes,
    SlowConsumerWriteDeadline,
    WriteError,
    ReadError,
    ParseError,
    StaleConnection,
    ProtocolViolation,
    BadClientProtocolVersion,
    MaxConnectionsExceeded,
    MaxPayloadExceeded,
    MaxControlLineExceeded,
    NoRespondersRequiresHeaders,
    ServerShutdown,
    TlsHandshakeFailure,
    MaxAccountConnectionsExceeded,
    MaxSubscriptionsExceeded,
    AuthenticationExpired,
    Revocation,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientClosed => "Client Closed",
            Self::AuthenticationTimeout => "Authentication Timeout",
            Self::AuthenticationViolation => "Authentication Failure",
            Self::SlowConsumerPendingBytes => "Slow Consumer (Pending Bytes)",
            Self::SlowConsumerWriteDeadline => "Slow Consumer (Write Deadline)",
            Self::WriteError => "Write Error",
            Self::ReadError => "Read Error",
            Self::ParseError => "Parse Error",
            Self::StaleConnection => "Stale Connection",
            Self::ProtocolViolation => "Protocol Violation",
            Self::BadClientProtocolVersion => "Bad Client Protocol Version",
            Self::MaxConnectionsExceeded => "Maximum Connections Exceeded",
            Self::MaxPayloadExceeded => "Maximum Message Payload Exceeded",
            Self::MaxControlLineExceeded => "Maximum Control Line Exceeded",
            Self::NoRespondersRequiresHeaders => "No Responders Requires Headers",
            Self::ServerShutdown => "Server Shutdown",
            Self::TlsHandshakeFailure => "TLS Handshake Failure",
            Self::MaxAccountConnectionsExceeded => "Maximum Account Connections Exceeded",
            Self::MaxSubscriptionsExceeded => "Maximum Subscriptions Exceeded",
            Self::AuthenticationExpired => "Authentication Expired",
            Self::Revocation => "Credentials Revoked",
        }
    }
}

/// Room asked for a protocol line the server sends a client (`PONG`, `+OK`, `-ERR`); a
/// longer one (`INFO`) still fits, the chunk grows for it.
const SMALL_WRITE: usize = 64;

/// What became of one delivery (see [`Client::deliver`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Queued {
        /// The buffer was empty: the writer must be woken once the batch is done.
        first: bool,
        /// Past the stall mark: the publisher should give the writer a moment.
        backed_up: bool,
        /// The subscription's `UNSUB <sid> <max>` limit is reached with this one.
        last: bool,
    },
    /// The subscription already had all its messages.
    LimitReached,
    /// Past `max_pending`: the client must be cut off; nothing was queued.
    SlowConsumer,
    /// The connection is closing.
    Closed,
}

/// Message and byte counters of one connection.
///
/// `out_*` are written only under the outbound lock (by [`Client::deliver`]); the atomics make
/// reading them from monitoring safe.
#[derive(Debug, Default)]
pub struct Counters {
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_msgs: AtomicU64,
    pub out_bytes: AtomicU64,
}

/// The shared half of a connection.
#[derive(Debug)]
pub struct Client {
    pub id: u64,
    pub addr: SocketAddr,
    outbound: Mutex<Outbound>,
    /// The socket, for plain TCP connections: publishers write to it directly when the
    /// writer task is idle (see [`Client::flush_inline`]). Cleared when the connection ends,
    /// since others may hold this `Client` for a while (their match caches) and must not
    /// keep the socket open.
    direct: Mutex<Option<SharedTcp>>,
    /// Wakes the writer when the outbound buffer has something new.
    wake: Notify,
    /// Woken by the writer after each write, for publishers stalled on this client.
    drained: Notify,
    /// Cancelled when the connection must end; the reason is in `close_reason`.
    closing: CancellationToken,
    /// Mirrors `closing` for the hot path: a plain atomic load (the token takes a lock).
    closed: AtomicBool,
    close_reason: Mutex<Option<(CloseReason, bool)>>,
    /// Set by CONNECT; read by publishers delivering to this client.
    echo: AtomicBool,
    headers: AtomicBool,
    /// CONNECT said `protocol >= 1`: the client understands async INFO.
    async_info: AtomicBool,
    pub subscriptions: Mutex<HashMap<Bytes, SubRef>>,
    pub counters: Counters,
    /// What the client said about itself in CONNECT, for monitoring and logs.
    pub meta: Mutex<ClientMeta>,
    /// `allow_responses`: reply subjects this client may publish to (requests delivered to it).
    responses: Mutex<Option<rnats_auth::ResponseTracker>>,
    has_responses: AtomicBool,
    pub started: SystemTime,
    /// When the client last sent something, in nanoseconds since the Unix epoch.
    last_activity: AtomicU64,
    /// Round trip of the last server PING answered, in nanoseconds (0: not measured yet).
    rtt_nanos: AtomicU64,
    /// What the client's log lines name it by after its first CONNECT (`trace::connection_tag`).
    log_tag: OnceLock<Box<str>>,
}

/// The client's self-description from CONNECT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMeta {
    pub name: String,
    pub lang: String,
    pub version: String,
    /// The authenticated user or nkey, when auth is on.
    pub user: String,
    /// The account the connection is bound to (empty until bound: the global account).
    pub account: String,
}

impl Client {
    pub fn new(id: u64, addr: SocketAddr, max_pending: usize) -> Self {
        Self {
            id,
            addr,
            outbound: Mutex::new(Outbound::new(max_pending)),
            direct: Mutex::new(None),
            wake: Notify::new(),
            drained: Notify::new(),
            closing: CancellationToken::new(),
            closed: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            echo: AtomicBool::new(true),
            headers: AtomicBool::new(false),
            async_info: AtomicBool::new(false),
            subscriptions: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            meta: Mutex::new(ClientMeta::default()),
            responses: Mutex::new(None),
            has_responses: AtomicBool::new(false),
            started: SystemTime::now(),
            last_activity: AtomicU64::new(unix_nanos(SystemTime::now())),
            rtt_nanos: AtomicU64::new(0),
            log_tag: OnceLock::new(),
        }
    }

    /// Names the client in its log lines from now on; only the first call counts (the
    /// original tags a connection at its first CONNECT).
    pub fn set_log_tag(&self, tag: String) {
        let _ = self.log_tag.set(tag.into_boxed_str());
    }

    pub fn echo(&self) -> bool {
        self.echo.load(Ordering::Relaxed)
    }

    pub fn headers(&self) -> bool {
        self.headers.load(Ordering::Relaxed)
    }

    pub fn async_info(&self) -> bool {
        self.async_info.load(Ordering::Relaxed)
    }

    pub fn set_connect_flags(&self, echo: bool, headers: bool, async_info: bool) {
        self.echo.store(echo, Ordering::Relaxed);
        self.headers.store(headers, Ordering::Relaxed);
        self.async_info.store(async_info, Ordering::Relaxed);
    }

    /// Appends to the outbound buffer with `encode`. The caller must [`Client::flush`] the
    /// client later (once per batch) when this returns [`Enqueued::First`].
    ///
    /// On [`Enqueued::SlowConsumer`] the caller reports it to the server, which cuts the
    /// client off (see `ServerShared::slow_consumer`).
    pub fn enqueue(&self, encode: impl FnOnce(&mut BytesMut)) -> Enqueued {
        self.outbound.lock().push(SMALL_WRITE, encode)
    }

    /// Queues a message for `sub`, one of this client's subscriptions.
    ///
    /// Everything happens under the outbound lock, which every delivery to this client takes:
    /// the subscription's delivery count and this client's out counters are then plain loads
    /// and stores, and the lock is the only atomic read-modify-write of a delivery.
    pub fn deliver(
        &self,
        sub: &crate::subscription::Subscription,
        body_len: usize,
        size_hint: usize,
        encode: impl FnOnce(&mut BytesMut),
    ) -> Delivery {
        let mut out = self.outbound.lock();
        if out.is_closed() {
            return Delivery::Closed;
        }
        let Some(last) = sub.count_delivery_locked() else {
            return Delivery::LimitReached;
        };
        match out.push(size_hint, encode) {
            Enqueued::SlowConsumer => Delivery::SlowConsumer,
            Enqueued::Closed => Delivery::Closed,
            queued => {
                let add = |counter: &AtomicU64, n: u64| {
                    counter.store(counter.load(Ordering::Relaxed) + n, Ordering::Relaxed);
                };
                add(&self.counters.out_msgs, 1);
                add(&self.counters.out_bytes, body_len as u64);
                Delivery::Queued {
                    first: queued == Enqueued::First,
                    backed_up: out.is_backed_up(),
                    last,
                }
            }
        }
    }

    /// Enqueues and wakes the writer at once: for replies to this client's own ops.
    pub fn send(&self, encode: impl FnOnce(&mut BytesMut)) {
        match self.enqueue(encode) {
            Enqueued::SlowConsumer => self.close(CloseReason::SlowConsumerPendingBytes, false),
            Enqueued::Closed => {}
            Enqueued::First | Enqueued::More => self.flush(),
        }
    }

    /// The name of the account the connection is bound to.
    pub fn account_name(&self) -> String {
        let meta = self.meta.lock();
        if meta.account.is_empty() {
            crate::account::GLOBAL_ACCOUNT.to_owned()
        } else {
            meta.account.clone()
        }
    }

    /// Sets (or clears) the `allow_responses` tracker.
    pub fn set_responses(&self, tracker: Option<rnats_auth::ResponseTracker>) {
        self.has_responses
            .store(tracker.is_some(), Ordering::Relaxed);
        *self.responses.lock() = tracker;
    }

    /// Notes a request delivered to this client, whose reply it may then publish.
    pub fn record_request(&self, reply: &[u8]) {
        if self.has_responses.load(Ordering::Relaxed) {
            if let Some(tracker) = self.responses.lock().as_mut() {
                tracker.record_request(&String::from_utf8_lossy(reply), std::time::Instant::now());
            }
        }
    }

    /// Whether `subject` is a reply this client may publish under `allow_responses`.
    pub fn allow_reply(&self, subject: &str, now: std::time::Instant) -> bool {
        self.has_responses.load(Ordering::Relaxed)
            && self
                .responses
                .lock()
                .as_mut()
                .is_some_and(|t| t.allow_reply(subject, now))
    }

    /// Wakes the writer.
    pub fn flush(&self) {
        self.wake.notify_one();
    }

    /// Lets publishers write to this client's socket directly (`None`: no longer).
    pub fn set_direct(&self, socket: Option<SharedTcp>) {
        *self.direct.lock() = socket;
    }

    /// Writes what is queued straight to the socket, without waking the writer task, when
    /// that can be done at once: a plain TCP connection whose writer holds nothing and whose
    /// socket takes the bytes now. Whatever does not go out is handed back and the writer
    /// woken. This saves a task switch per delivery batch, which is most of a request's
    /// time in the server. `scratch` is an empty vector to take chunks into.
    pub fn flush_inline(&self, scratch: &mut Vec<BytesMut>) -> bool {
        let Some(socket) = self.direct.lock().clone() else {
            self.flush();
            return false;
        };
        if self.is_closed() {
            self.flush();
            return false;
        }
        self.outbound.lock().take(scratch, writer::MAX_SLICES);
        if scratch.is_empty() {
            // The writer task holds chunks (it goes on by itself) or nothing is queued.
            self.flush();
            return false;
        }
        let mut slices = [IoSlice::new(&[]); writer::MAX_SLICES];
        for (slice, chunk) in slices.iter_mut().zip(scratch.iter()) {
            *slice = IoSlice::new(chunk);
        }
        let total: usize = scratch.iter().map(BytesMut::len).sum();
        let written = socket
            .try_write_vectored(&slices[..scratch.len()])
            .unwrap_or(0);
        let mut out = self.outbound.lock();
        out.put_back(scratch, written);
        let rest = !out.is_empty();
        drop(out);
        if written > 0 {
            self.drained.notify_waiters();
        }
        if written < total || rest {
            // The socket is full, failed (the writer will meet the error), or more came.
            self.flush();
            return false;
        }
        true
    }

    pub fn pending_bytes(&self) -> usize {
        self.outbound.lock().len()
    }

    /// Whether enough is queued that publishers should wait for the writer a little.
    pub fn is_backed_up(&self) -> bool {
        self.outbound.lock().is_backed_up()
    }

    /// Waits (at most `budget`) until the writer has drained this client below the stall mark.
    pub async fn wait_drained(&self, budget: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            let drained = self.drained.notified();
            if !self.is_backed_up() || self.is_closed() {
                return;
            }
            if tokio::time::timeout_at(deadline, drained).await.is_err() {
                return;
            }
        }
    }

    /// Ends the connection. With `flush`, what is already queued (an `-ERR`, say) is written
    /// first. The first reason given is the one that counts.
    pub fn close(&self, reason: CloseReason, flush: bool) {
        {
            let mut slot = self.close_reason.lock();
            if slot.is_some() {
                return;
            }
            *slot = Some((reason, flush));
        }
        self.closed.store(true, Ordering::Release);
        self.outbound.lock().close();
        self.closing.cancel();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.lock().map(|(r, _)| r)
    }

    fn flush_on_close(&self) -> bool {
        self.close_reason.lock().is_some_and(|(_, f)| f)
    }

    pub fn closing(&self) -> &CancellationToken {
        &self.closing
    }

    /// Records that the client sent something now.
    pub fn touch(&self) {
        self.last_activity
            .store(unix_nanos(SystemTime::now()), Ordering::Relaxed);
    }

    pub fn last_activity(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
            + std::time::Duration::from_nanos(self.last_activity.load(Ordering::Relaxed))
    }

    pub fn set_rtt(&self, rtt: std::time::Duration) {
        let nanos = u64::try_from(rtt.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.rtt_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The last measured round trip, if any.
    pub fn rtt(&self) -> Option<std::time::Duration> {
        match self.rtt_nanos.load(Ordering::Relaxed) {
            0 => None,
            n => Some(std::time::Duration::from_nanos(n)),
        }
    }

    /// Whether this is the server's own client (`reader::serve_internal`): the only one
    /// without a peer port.
    pub fn is_internal(&self) -> bool {
        self.addr.port() == 0
    }

    /// Log prefix, as the original writes it: `127.0.0.1:5555 - cid:5`, then the tag the
    /// first CONNECT gave (`"v1.2:go:app" - "$G/user:a"`).
    pub fn log_prefix(&self) -> String {
        match self.log_tag.get() {
            Some(tag) => format!("{} - cid:{} - {tag}", self.addr, self.id),
            None => format!("{} - cid:{}", self.addr, self.id),
        }
    }
}

fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
