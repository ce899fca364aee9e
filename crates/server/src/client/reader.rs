//! The reader task: parses what a client sends and carries it out.

use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Buf, BytesMut};
use rnats_proto::{encode, ClientOp, Connect, Limits, Parser, ProtoError, Publish, ServerError};
use rnats_subject::{validate, MatchCache};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tracing::{debug, error, trace};

use super::auth::{ConnAuth, Credentials, Refusal};
use super::waits::{armed, gated, next_change};
use super::{writer, Client, CloseReason, SharedTcp, Transport};
use crate::account::{Account, MatchResult};
use crate::client::trace;
use crate::monitor::ClosedClient;
use crate::router::{self, Message, Router};
use crate::server::ServerShared;
use crate::stats::ServerStats;
use crate::subscription::{SubRef, Subscription};
use crate::tls::identity::CertIdentity;

/// Read buffer size; a read fills at most this much before the ops in it are run.
const READ_CHUNK: usize = 64 * 1024;
/// A new connection reads in chunks this small, doubling each time a read fills its space:
/// an idle connection then holds kilobytes, not 64 KiB.
const FIRST_READ_CHUNK: usize = 1024;
/// Longest a publisher waits per read for consumers it has backed up.
const STALL_BUDGET: Duration = Duration::from_millis(10);
/// Subjects remembered per connection by the match cache.
const CACHE_SIZE: usize = 1024;

/// The timer instant for a user JWT that runs out at `at`.
fn expiry_deadline(at: std::time::SystemTime) -> tokio::time::Instant {
    let left = at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    tokio::time::Instant::now() + left
}

/// Runs one TCP client connection to its end.
pub async fn serve(server: Arc<ServerShared>, stream: TcpStream, id: u64, addr: SocketAddr) {
    let socket = SharedTcp::new(stream);
    // One expression, no named `Pending`: a local moved into the awaited future would still
    // take room in this future, which every idle connection carries.
    Pending::new(server, id, addr, Transport::default())
        .with_direct(socket.clone())
        .serve(socket.clone(), socket, false)
        .await;
}

/// Runs a connection over any byte stream: TLS, WebSocket, or an in-memory pipe for the
/// server's own clients.
pub async fn serve_split<R, W>(
    server: Arc<ServerShared>,
    read_half: R,
    write_half: W,
    id: u64,
    addr: SocketAddr,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    Pending::new(server, id, addr, Transport::default())
        .serve(read_half, write_half, false)
        .await;
}

/// Runs the server's own client (the system account's) over an in-memory pipe. It is bound
/// to `account` without authenticating and is not listed among client connections.
pub async fn serve_internal<R, W>(
    server: Arc<ServerShared>,
    read_half: R,
    write_half: W,
    id: u64,
    account: Arc<Account>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let client = Arc::new(Client::new(id, addr, server.options().max_pending));
    let mut conn = Connection::new(server.clone(), client.clone(), Transport::default());
    conn.internal = true;
    // The original does not trace its own clients.
    conn.trace = false;
    conn.auth.required = false;
    conn.auth_deadline = None;
    conn.switch_account(account);
    let writer = writer::spawn(&server, &client, write_half);
    conn.run(read_half).await;
    conn.close_subscriptions();
    let _ = writer.await;
}

/// A connection registered with the server but not served yet: its INFO is ready, and a
/// TLS handshake may still have to happen (the INFO goes out in plaintext first, unless
/// `handshake_first`).
pub struct Pending {
    server: Arc<ServerShared>,
    client: Arc<Client>,
    conn: Connection,
    /// The plain TCP socket publishers may write to directly.
    direct: Option<SharedTcp>,
}

impl Pending {
    pub fn new(server: Arc<ServerShared>, id: u64, addr: SocketAddr, transport: Transport) -> Self {
        let client = Arc::new(Client::new(id, addr, server.options().max_pending));
        server.register(client.clone());
        debug!("{} - Client connection created", client.log_prefix());
        let conn = Connection::new(server.clone(), client.clone(), transport);
        Self {
            server,
            client,
            conn,
            direct: None,
        }
    }

    /// Lets publishers write to this plain TCP connection's socket directly while it runs.
    pub fn with_direct(mut self, socket: SharedTcp) -> Self {
        self.direct = Some(socket);
        self
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The INFO line this connection gets first.
    pub fn info_line(&self) -> Vec<u8> {
        self.conn.info_line()
    }

    /// The TLS handshake finished: from now on the connection runs over TLS.
    pub fn set_tls(&mut self, certificate: Option<Arc<CertIdentity>>) {
        self.conn.transport.tls = true;
        self.conn.auth.set_certificate(certificate);
    }

    /// Ends a connection that never got going (a failed TLS handshake).
    pub fn fail(self, reason: CloseReason) {
        self.client.close(reason, false);
        self.server.unregister(self.client.id);
        self.server
            .closed_clients
            .push(ClosedClient::new(&self.client, &[]));
        debug!(
            "{} - Client connection closed: {}",
            self.client.log_prefix(),
            reason.as_str()
        );
    }

    /// Serves the connection to its end; sends the INFO first unless `info_sent`.
    ///
    /// Not an `async fn`: its arguments would stay in the future beside the connection moved
    /// out of them, and every idle connection carries that future. The setup runs now; the
    /// returned future holds the connection once.
    pub fn serve<R, W>(
        self,
        read_half: R,
        write_half: W,
        info_sent: bool,
    ) -> impl std::future::Future<Output = ()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let Self {
            server,
            client,
            mut conn,
            direct,
        } = self;
        let direct_writes = direct.is_some();
        if direct_writes {
            client.set_direct(direct);
        }
        if !info_sent {
            let info = conn.info_line();
            client.send(|b| b.extend_from_slice(&info));
        }
        let writer = writer::spawn(&server, &client, write_half);
        async move {
            conn.run(read_half).await;
            if conn.announced {
                server.advise(&client, crate::system::events::DISCONNECT_TYPE);
            }
            let subscriptions = conn.close_subscriptions();
            server.unregister(client.id);
            server
                .closed_clients
                .push(ClosedClient::new(&client, &subscriptions));
            let _ = writer.await;
            if direct_writes {
                // Others may hold this client a while yet (their match caches); the socket
                // closes now.
                client.set_direct(None);
            }
            debug!(
                "{} - Client connection closed: {}",
                client.log_prefix(),
                client
                    .close_reason()
                    .unwrap_or(CloseReason::ClientClosed)
                    .as_str()
            );
        }
    }
}

/// The reader's own state of a connection.
struct Connection {
    server: Arc<ServerShared>,
    client: Arc<Client>,
    account: Arc<Account>,
    parser: Parser,
    connected: bool,
    verbose: bool,
    pedantic: bool,
    no_responders: bool,
    protocol: i64,
    sent_connect_info: bool,
    pings_out: u32,
    /// When the oldest unanswered server PING went out, to measure the round trip.
    ping_sent: Option<Instant>,
    cache: Option<MatchCache<MatchResult>>,
    router: Router,
    in_msgs: u64,
    in_bytes: u64,
    /// This read batch delivered a message with a reply subject.
    requests_delivered: bool,
    trace: bool,
    auth: ConnAuth,
    transport: Transport,
    /// When an unauthenticated connection is closed (`Authentication Timeout`).
    auth_deadline: Option<tokio::time::Instant>,
    /// The server's own client: never authenticates, never announced.
    internal: bool,
    /// A connect advisory went out, so a disconnect one must follow.
    announced: bool,
}

impl Connection {
    fn new(server: Arc<ServerShared>, client: Arc<Client>, transport: Transport) -> Self {
        let opts = server.options();
        let parser = Parser::new(Limits {
            max_control_line: opts.max_control_line,
            max_payload: opts.max_payload,
        });
        let cache = (!opts.disable_sublist_cache).then(|| MatchCache::new(CACHE_SIZE));
        let trace = opts.logging.trace;
        let auth = ConnAuth::new(&server.security(), server.security_epoch(), &transport);
        let auth_timeout = match (&opts.websocket, transport.is_websocket()) {
            (Some(ws), true) => ws.auth_timeout.unwrap_or(opts.auth_timeout),
            _ => opts.auth_timeout,
        };
        let auth_deadline = auth
            .required
            .then(|| tokio::time::Instant::now() + auth_timeout);
        Self {
            internal: false,
            announced: false,
            auth,
            transport,
            auth_deadline,
            account: server.global.clone(),
            router: Router::new(rand::random()),
            server,
            client,
            parser,
            connected: false,
            // Before CONNECT the original's defaults for a telnet client are quiet.
            verbose: false,
            pedantic: false,
            no_responders: false,
            protocol: 0,
            sent_connect_info: false,
            pings_out: 0,
            ping_sent: None,
            cache,
            in_msgs: 0,
            in_bytes: 0,
            requests_delivered: false,
            trace,
        }
    }

    async fn run<R: AsyncRead + Unpin>(&mut self, mut socket: R) {
        let mut chunk = FIRST_READ_CHUNK;
        let mut buf = BytesMut::new();
        let interval = self
            .server
            .options()
            .ping_interval
            .max(Duration::from_millis(1));
        // The waits that outlive one wake-up are made and pinned once (made afresh in every
        // `select!`, each would register with and leave its notifier per read), and polled
        // through `gated`, only when a cheap check says they may be done.
        let mut ping_timer = pin!(tokio::time::sleep(interval));
        let closing = self.client.closing().clone();
        let mut closed = pin!(closing.cancelled());
        let shutdown = self.server.shutdown.clone();
        let mut shut_down = pin!(shutdown.cancelled());
        let mut security_change = pin!(next_change(self.server.security_changes()));
        let (mut close_polled, mut shutdown_polled) = (false, false);
        let (mut ping_polled, mut security_polled) = (false, false);
        let mut security_epoch = 0;
        // Both timers are boxed and exist only while armed: most connections are past CONNECT
        // and have no JWT expiry, and every idle connection would carry them.
        let mut auth_timer = self
            .auth_deadline
            .map(|at| Box::pin(tokio::time::sleep_until(at)));
        // Operator mode: the user JWT's `exp`, re-armed whenever the auth state changes it.
        let mut expires = None;
        let mut expiry_timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
        loop {
            let wanted = self.parser.bytes_wanted(buf.len());
            if buf.capacity() - buf.len() < (chunk / 4).max(wanted) {
                buf.reserve(chunk.max(wanted));
            }
            let spare = buf.capacity() - buf.len();
            if expires != self.auth.expires {
                expires = self.auth.expires;
                expiry_timer =
                    expires.map(|exp| Box::pin(tokio::time::sleep_until(expiry_deadline(exp))));
            }
            if self.connected {
                auth_timer = None;
            }
            if !security_polled {
                // The epoch the security wait starts from: it may be done once it moves.
                security_epoch = self.server.security_epoch();
            }
            tokio::select! {
                biased;
                () = gated(closed.as_mut(), &mut close_polled, |_| self.client.is_closed()) => break,
                () = gated(shut_down.as_mut(), &mut shutdown_polled, |_| shutdown.is_cancelled()) => {
                    self.client.close(CloseReason::ServerShutdown, false);
                    break;
                }
                () = armed(&mut auth_timer), if auth_timer.is_some() && !self.connected => {
                    auth_timer = None;
                    self.auth_deadline = None;
                    debug!("{} - Authentication Timeout", self.client.log_prefix());
                    self.error_and_close(
                        &ServerError::AuthenticationTimeout,
                        CloseReason::AuthenticationTimeout,
                    );
                }
                () = armed(&mut expiry_timer), if expiry_timer.is_some() && self.connected => {
                    expiry_timer = None;
                    expires = None;
                    self.auth.expires = None;
                    debug!("{} - User Authentication Expired", self.client.log_prefix());
                    self.error_and_close(
                        &ServerError::AuthenticationExpired,
                        CloseReason::AuthenticationExpired,
                    );
                }
                () = gated(ping_timer.as_mut(), &mut ping_polled, |sleep| sleep.is_elapsed()) => {
                    self.ping_tick(interval);
                    ping_timer.as_mut().reset(tokio::time::Instant::now() + interval);
                    ping_polled = false;
                }
                changes = gated(
                    security_change.as_mut(),
                    &mut security_polled,
                    |_| self.server.security_epoch() != security_epoch,
                ) => {
                    self.recheck_auth();
                    security_change.set(next_change(changes));
                    security_polled = false;
                }
                read = socket.read_buf(&mut buf) => match read {
                    Ok(0) => {
                        self.client.close(CloseReason::ClientClosed, false);
                        break;
                    }
                    Ok(n) => {
                        if n == spare {
                            chunk = (chunk * 2).min(READ_CHUNK);
                        }
                        self.client.touch();
                        self.recheck_auth();
                        if !self.connected && !self.internal {
                            // URL resolver: fetch the CONNECT's account before it is needed.
                            // Boxed: the fetch's state is large and only briefly needed, and
                            // every idle connection's future would otherwise carry it.
                            Box::pin(crate::operator::fetch::before_connect(&self.server, &buf))
                                .await;
                        }
                        self.process(&mut buf);
                        if std::mem::take(&mut self.requests_delivered) {
                            self.server.busy_poll.request_delivered();
                        }
                        let delivered = self.router.flush();
                        self.publish_counters();
                        self.router.stall(STALL_BUDGET).await;
                        if delivered {
                            // Let the writers just woken send this batch before the next
                            // read: their buffers stay small and hot in cache instead of the
                            // publisher racing ahead into a backlog of fresh memory.
                            tokio::task::yield_now().await;
                        }
                    }
                    Err(e) => {
                        let reason = match e.kind() {
                            std::io::ErrorKind::ConnectionReset => CloseReason::ClientClosed,
                            _ => CloseReason::ReadError,
                        };
                        self.client.close(reason, false);
                        break;
                    }
                },
            }
        }
        self.publish_counters();
    }

    fn ping_tick(&mut self, interval: Duration) {
        // The wall clock of the client's last activity (what monitoring shows): a clock
        // stepped back reads as just active, stepped forward as idle; either costs at most
        // one early or late PING.
        let idle = SystemTime::now()
            .duration_since(self.client.last_activity())
            .unwrap_or_default();
        if idle < interval && self.pings_out == 0 {
            return;
        }
        if self.pings_out + 1 > self.server.options().ping_max {
            debug!(
                "{} - Stale Client Connection - Closing",
                self.client.log_prefix()
            );
            ServerStats::add(&self.server.stats.stale_connections, 1);
            self.error_and_close(&ServerError::StaleConnection, CloseReason::StaleConnection);
            return;
        }
        self.pings_out += 1;
        self.ping_sent.get_or_insert_with(Instant::now);
        self.client.send(|b| b.extend_from_slice(encode::PING));
        self.trace_out(|| "[PING]".into());
    }

    /// Runs every complete op in `buf`.
    fn process(&mut self, buf: &mut BytesMut) {
        let mut used = 0;
        loop {
            let rest = &buf[used..];
            // The common case, a connected client's plain publish, on its own path: through
            // the shared op, each message's fields would be stored and read back at once, and
            // the wide read stalls on the narrow stores (a fifth of a small publish's time).
            if self.connected && !self.trace {
                if let Some((publish, len)) = self.parser.parse_publish(rest) {
                    self.publish(publish);
                    used += len;
                    if self.client.is_closed() {
                        break;
                    }
                    continue;
                }
            }
            match self.parser.parse(rest) {
                Ok(Some((op, len))) => {
                    if self.trace {
                        self.trace_in(&op, &rest[..len]);
                    }
                    self.handle(op);
                    used += len;
                    if self.client.is_closed() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.protocol_error(&e, rest, used);
                    break;
                }
            }
        }
        buf.advance(used);
    }

    /// Sends a permissions `-ERR` and logs it in the original's words (`sid`: the refused
    /// subscription's).
    #[cold]
    fn violation(&self, error: &ServerError, sid: &[u8]) {
        if let Some(log) = error.violation_log(sid) {
            error!("{} - {log}", self.client.log_prefix());
        }
        self.send_error(error);
    }

    /// Out of line: the publish path (inlined twice) keeps only the call.
    #[cold]
    fn publish_violation(&self, subject: &[u8]) {
        let subject = String::from_utf8_lossy(subject).into_owned();
        self.violation(&ServerError::PublishViolation(subject), b"");
    }

    /// Logs a protocol error in the original's words and closes; `rest` is the read buffer
    /// from the failing op on, which starts `at` bytes into the buffer.
    fn protocol_error(&mut self, error: &ProtoError, rest: &[u8], at: usize) {
        error!(
            "{} - {}",
            self.client.log_prefix(),
            error.log_text(rest, at)
        );
        let reason = match error {
            ProtoError::ControlLineTooLong { .. } => CloseReason::MaxControlLineExceeded,
            ProtoError::PayloadTooLarge { .. } => CloseReason::MaxPayloadExceeded,
            _ => CloseReason::ParseError,
        };
        match error.server_error() {
            Some(wire) => self.error_and_close(&wire, reason),
            None => self.client.close(reason, true),
        }
    }

    fn send_error(&self, error: &ServerError) {
        self.client.send(|b| encode::err(b, error));
        self.trace_out(|| format!("[-ERR {}]", error.text()));
    }

    /// Traces an op the client sent (`raw`: its bytes, from its name on), and its payload.
    #[cold]
    fn trace_in(&self, op: &ClientOp<'_>, raw: &[u8]) {
        let prefix = self.client.log_prefix();
        if let Some(line) = trace::inbound(op, raw) {
            trace!("{prefix} - <<- {line}");
        }
        if let ClientOp::Pub(publish) = op {
            if let Some(line) = trace::payload(publish.payload) {
                trace!("{prefix} - <<- {line}");
            }
        }
    }

    /// Traces what the server sent the client itself (`[PONG]`, `[OK]`, `-ERR`s).
    fn trace_out(&self, line: impl FnOnce() -> String) {
        if self.trace {
            trace!("{} - ->> {}", self.client.log_prefix(), line());
        }
    }

    fn error_and_close(&self, error: &ServerError, reason: CloseReason) {
        self.send_error(error);
        self.client.close(reason, true);
    }

    #[inline]
    fn ok(&self) {
        if self.verbose {
            self.client.send(|b| b.extend_from_slice(encode::OK));
            self.trace_out(|| "[OK]".into());
        }
    }

    /// Any op but a connected client's plain publish (which `process` hands straight to
    /// `publish`).
    #[inline(never)]
    fn handle(&mut self, op: ClientOp<'_>) {
        if !self.connected && self.auth.required && !matches!(op, ClientOp::Connect(_)) {
            // Only `no_auth_user` lets a client skip CONNECT when auth is on.
            if self.server.security().config.no_auth_user.is_none()
                || self.bind(Credentials::default()).is_err()
            {
                self.error_and_close(
                    &ServerError::AuthorizationViolation,
                    CloseReason::AuthenticationViolation,
                );
                return;
            }
            self.connected = true;
        }
        match op {
            ClientOp::Pub(publish) => self.publish(publish),
            ClientOp::Ping => self.ping(),
            ClientOp::Pong => {
                self.pings_out = 0;
                if let Some(sent) = self.ping_sent.take() {
                    self.client.set_rtt(sent.elapsed());
                }
            }
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => self.subscribe(subject, queue, sid),
            ClientOp::Unsub { sid, max } => self.unsubscribe(sid, max),
            ClientOp::Connect(json) => self.connect(json),
            ClientOp::Info(_) | ClientOp::Ok => {}
            ClientOp::Err(text) => {
                error!(
                    "{} - Client Error {}",
                    self.client.log_prefix(),
                    String::from_utf8_lossy(text)
                );
                self.client.close(CloseReason::ClientClosed, false);
            }
        }
    }

    fn ping(&mut self) {
        self.client.send(|b| b.extend_from_slice(encode::PONG));
        self.trace_out(|| "[PONG]".into());
        if self.connected && self.protocol >= 1 && !self.sent_connect_info {
            self.sent_connect_info = true;
            let mut info = self.info();
            info.connect_info = true;
            info.remote_account = self.account.name.clone();
            let line = info.to_line();
            self.client.send(|b| b.extend_from_slice(&line));
        }
    }

    /// The INFO for this connection: the server's, adjusted for how the client came in.
    /// The INFO line this connection gets first, with its nonce.
    fn info_line(&self) -> Vec<u8> {
        let mut info = self.info();
        info.nonce = self.auth.nonce.clone().unwrap_or_default();
        info.to_line()
    }

    fn info(&self) -> rnats_proto::Info {
        let mut info = self.server.info_for(&self.client);
        if self.transport.is_websocket() {
            // The original: websocket clients see the websocket listener's TLS and URLs.
            let tls = self.transport.tls;
            info.tls_required = tls;
            info.tls_available = tls;
            info.tls_verify = false;
            info.connect_urls = std::mem::take(&mut info.ws_connect_urls);
        }
        info
    }

    fn connect(&mut self, json: &[u8]) {
        let connect = match Connect::from_json(json) {
            Ok(connect) => connect,
            Err(e) => {
                error!("{} - {e}", self.client.log_prefix());
                self.client.close(CloseReason::ParseError, false);
                return;
            }
        };
        if self.connected {
            // A second CONNECT starts over: the subscriptions of the first are gone.
            self.close_subscriptions();
        }
        if connect.account.is_some() || connect.new_account.is_some() {
            self.error_and_close(
                &ServerError::AuthorizationViolation,
                CloseReason::AuthenticationViolation,
            );
            return;
        }
        if !(0..=1).contains(&connect.protocol) {
            error!("{} - invalid client protocol", self.client.log_prefix());
            self.error_and_close(
                &ServerError::InvalidClientProtocol,
                CloseReason::BadClientProtocolVersion,
            );
            return;
        }
        let headers = connect.headers && !self.server.opts.no_header_support;
        if connect.no_responders && !headers {
            error!(
                "{} - no responders requires headers support",
                self.client.log_prefix()
            );
            self.error_and_close(
                &ServerError::NoRespondersRequiresHeaders,
                CloseReason::NoRespondersRequiresHeaders,
            );
            return;
        }
        if !self.internal {
            if let Err(refusal) = self.bind(Credentials::from(&connect)) {
                self.error_and_close(&refusal.error, refusal.reason);
                return;
            }
        }
        if !self.internal && !self.announced {
            self.announced = true;
            let user = self.auth.log_label(&self.client);
            let auth =
                user.map(|user| format!("{}/{user}", self.auth.account_label(&self.account.name)));
            if let Some(tag) =
                trace::connection_tag(&connect.version, &connect.lang, &connect.name, auth)
            {
                self.client.set_log_tag(tag);
            }
            self.server
                .advise(&self.client, crate::system::events::CONNECT_TYPE);
        }
        self.connected = true;
        self.verbose = connect.verbose;
        self.pedantic = connect.pedantic;
        self.no_responders = connect.no_responders;
        self.protocol = connect.protocol;
        self.parser.set_headers(headers);
        self.client
            .set_connect_flags(connect.echo, headers, connect.protocol >= 1);
        {
            let mut meta = self.client.meta.lock();
            meta.name.clone_from(&connect.name);
            meta.lang.clone_from(&connect.lang);
            meta.version.clone_from(&connect.version);
        }
        self.ok();
    }

    /// Authenticates with `credentials` and binds the connection to its account. Logs why
    /// when refused.
    fn bind(&mut self, credentials: Credentials) -> Result<(), Refusal> {
        let security = self.server.security();
        let epoch = self.server.security_epoch();
        let account = self
            .auth
            .authenticate(&security, epoch, credentials, &self.client)
            .inspect_err(|refusal| error!("{} - {}", self.client.log_prefix(), refusal.why))?;
        if let Some(max) = self.auth.max_account_connections {
            let id = self.client.id;
            let others = self
                .server
                .clients()
                .iter()
                .filter(|c| c.id != id && c.meta.lock().account == account.name)
                .count();
            if others >= max {
                return Err(Refusal {
                    why: "maximum account active connections exceeded".into(),
                    error: ServerError::MaxAccountConnectionsExceeded,
                    reason: CloseReason::MaxAccountConnectionsExceeded,
                });
            }
        }
        self.switch_account(account);
        self.apply_payload_limit();
        self.auth.limits_changed = false;
        if self.subscriptions_at_limit() {
            return Err(Refusal {
                why: "maximum subscriptions exceeded".into(),
                error: ServerError::MaxSubscriptionsExceeded,
                reason: CloseReason::MaxSubscriptionsExceeded,
            });
        }
        Ok(())
    }

    /// Operator mode: the connection holds as many subscriptions as it may, or more.
    fn subscriptions_at_limit(&self) -> bool {
        let held = self.client.subscriptions.lock().len();
        self.auth
            .subscriptions_at_limit(held, self.server.options().max_subscriptions)
    }

    /// Operator mode, after the account JWT changed: closes this connection when it is over the
    /// account's new `conn` or `subs` limit (see [`crate::operator::limits`]).
    fn over_account_limits(&mut self, account: &Account) -> bool {
        self.auth.limits_changed = false;
        let over_conn = self.auth.max_account_connections.is_some_and(|max| {
            crate::operator::limits::over_connection_limit(
                &self.server,
                &self.client,
                &account.name,
                max,
            )
        });
        let (error, reason) = if over_conn {
            (
                ServerError::MaxAccountConnectionsExceeded,
                CloseReason::MaxAccountConnectionsExceeded,
            )
        } else if self.subscriptions_at_limit() {
            (
                ServerError::MaxSubscriptionsExceeded,
                CloseReason::MaxSubscriptionsExceeded,
            )
        } else {
            return false;
        };
        error!("{} - {}", self.client.log_prefix(), error.text());
        self.error_and_close(&error, reason);
        true
    }

    /// The server's `max_payload`, lowered by a user JWT's or its account's limit.
    fn apply_payload_limit(&mut self) {
        let opts = self.server.options();
        let max_payload = self
            .auth
            .max_payload
            .map_or(opts.max_payload, |p| p.min(opts.max_payload));
        self.parser.set_limits(Limits {
            max_control_line: opts.max_control_line,
            max_payload,
        });
    }

    fn switch_account(&mut self, account: Arc<Account>) {
        self.client.meta.lock().account.clone_from(&account.name);
        if !Arc::ptr_eq(&account, &self.account) {
            self.close_subscriptions();
            self.account = account;
            if let Some(cache) = &mut self.cache {
                *cache = MatchCache::new(CACHE_SIZE);
            }
        }
    }

    /// After a reload changed users or permissions: re-check this connection at once. A client
    /// no longer allowed in is closed; subscriptions no longer allowed are dropped, each with
    /// an error naming it.
    fn recheck_auth(&mut self) {
        let epoch = self.server.security_epoch();
        if epoch == self.auth.epoch || self.internal {
            return;
        }
        if !self.connected {
            self.auth = self.auth.renewed(&self.server.security(), epoch);
            return;
        }
        let security = self.server.security();
        match self.auth.reauthenticate(&security, epoch, &self.client) {
            Ok(account) => {
                if self.auth.limits_changed && self.over_account_limits(&account) {
                    return;
                }
                self.switch_account(account);
                self.apply_payload_limit();
            }
            Err(refusal) => {
                error!("{} - {}", self.client.log_prefix(), refusal.why);
                self.error_and_close(&refusal.error, refusal.reason);
                return;
            }
        }
        let subs: Vec<SubRef> = self.client.subscriptions.lock().values().cloned().collect();
        for sub in subs {
            if !self.auth.can_subscribe(&sub.subject, sub.queue.as_deref()) {
                self.send_error(&ServerError::SubscriptionRevoked {
                    subject: String::from_utf8_lossy(&sub.subject).into_owned(),
                    queue: sub
                        .queue
                        .as_ref()
                        .map(|q| String::from_utf8_lossy(q).into_owned()),
                    sid: String::from_utf8_lossy(&sub.sid).into_owned(),
                });
                router::remove_subscription(&self.account, &sub);
            }
        }
    }

    fn subscribe(&mut self, subject: &[u8], queue: Option<&[u8]>, sid: &[u8]) {
        if !validate::is_valid_pattern(subject) {
            self.send_error(&ServerError::InvalidSubject);
            return;
        }
        let max_tokens = self.server.options().max_sub_tokens;
        if max_tokens > 0 && rnats_subject::tokens(subject).count() > max_tokens {
            let subject = String::from_utf8_lossy(subject).into_owned();
            self.violation(&ServerError::TooManyTokens(subject), sid);
            return;
        }
        if !self.auth.can_subscribe(subject, queue) {
            let subject = String::from_utf8_lossy(subject).into_owned();
            let error = match queue {
                Some(q) => ServerError::QueueSubscriptionViolation {
                    subject,
                    queue: String::from_utf8_lossy(q).into_owned(),
                },
                None => ServerError::SubscriptionViolation(subject),
            };
            self.violation(&error, sid);
            return;
        }
        let max = match (self.server.options().max_subscriptions, self.auth.max_subs) {
            (server, Some(jwt)) if server == 0 || jwt < server => jwt,
            (server, _) => server,
        };
        let sub = {
            let mut subs = self.client.subscriptions.lock();
            if subs.contains_key(sid) {
                drop(subs);
                self.ok();
                return;
            }
            if (max > 0 || self.auth.max_subs == Some(0)) && subs.len() >= max {
                drop(subs);
                self.send_error(&ServerError::MaxSubscriptionsExceeded);
                return;
            }
            let sub = SubRef(Arc::new(
                Subscription::new(self.client.clone(), subject, queue, sid)
                    .with_delivery_filter(self.auth.delivery_filter(subject)),
            ));
            subs.insert(sub.sid.clone(), sub.clone());
            sub
        };
        self.account.subscribe(sub);
        self.ok();
    }

    fn unsubscribe(&mut self, sid: &[u8], max: Option<u64>) {
        let sub = self.client.subscriptions.lock().get(sid).cloned();
        // Acknowledged before the subscription goes (its end is traced after the +OK).
        self.ok();
        if let Some(sub) = sub {
            match max {
                Some(max) if max > sub.delivered() => sub.set_max(max),
                _ => router::remove_subscription(&self.account, &sub),
            }
        }
    }

    // Inlined into both its callers: out of line, the message would go through memory and
    // a call for every publish.
    #[inline(always)]
    fn publish(&mut self, publish: Publish<'_>) {
        self.in_msgs += 1;
        self.in_bytes += (publish.payload.len() - publish.header_len) as u64;
        let subject = publish.subject;
        if self.pedantic && !validate::is_valid_literal(subject) {
            self.send_error(&ServerError::InvalidPublishSubject);
        }
        if subject.starts_with(b"_GR_.") {
            self.publish_violation(subject);
            return;
        }
        if let Some(reply) = publish.reply {
            if [&b"_R_."[..], b"$JS.ACK.", b"_GR_."]
                .iter()
                .any(|p| reply.starts_with(p))
            {
                let reply = String::from_utf8_lossy(reply).into_owned();
                self.violation(&ServerError::PublishReplyViolation(reply), b"");
                return;
            }
        }
        if !self.auth.can_publish(&self.client, subject) {
            self.publish_violation(subject);
            return;
        }
        self.ok();
        let mapped = self.account.map_subject(subject, self.router.roll());
        let subject = mapped.as_deref().unwrap_or(subject);
        let msg = Message {
            subject,
            reply: publish.reply,
            header_len: publish.header_len,
            payload: publish.payload,
        };
        // Borrowed from this connection's match cache: no reference count per message.
        let account = &self.account;
        let uncached;
        let matches = match &mut self.cache {
            Some(cache) => cache
                .get_or_insert_with(subject, account.generation(), || account.matches(subject).1),
            None => {
                uncached = account.matches(subject).1;
                &uncached
            }
        };
        let delivered = self
            .router
            .route(&self.server, &self.account, &self.client, matches, msg);
        if let Some(reply) = publish.reply {
            if delivered > 0 {
                self.requests_delivered = true;
            } else if self.no_responders {
                router::no_responders(&self.account, &self.client, subject, reply);
            }
        }
    }

    fn publish_counters(&mut self) {
        if self.internal {
            // The server's own messages are not client traffic, as in the original's totals.
            self.in_msgs = 0;
            self.in_bytes = 0;
            self.router.take_out_counts();
            return;
        }
        let stats = &self.server.stats;
        let msgs = std::mem::take(&mut self.in_msgs);
        ServerStats::add(&stats.in_msgs, msgs);
        self.client
            .counters
            .in_msgs
            .fetch_add(msgs, std::sync::atomic::Ordering::Relaxed);
        let bytes = std::mem::take(&mut self.in_bytes);
        ServerStats::add(&stats.in_bytes, bytes);
        let (out_msgs, out_bytes) = self.router.take_out_counts();
        ServerStats::add(&stats.out_msgs, out_msgs);
        ServerStats::add(&stats.out_bytes, out_bytes);
        self.client
            .counters
            .in_bytes
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Removes every subscription of this connection from the account and returns them.
    fn close_subscriptions(&mut self) -> Vec<SubRef> {
        let subs: Vec<SubRef> = self
            .client
            .subscriptions
            .lock()
            .drain()
            .map(|(_, s)| s)
            .collect();
        for sub in &subs {
            sub.close();
            self.account.unsubscribe(sub);
            router::trace_removed(sub);
        }
        subs
    }
}
