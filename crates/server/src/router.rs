//! Delivery of one published message to the subscriptions it matched.

use std::sync::Arc;

use bytes::Bytes;
use rnats_proto::encode;

use crate::account::Account;
use crate::client::{trace, Client, CloseReason, Delivery};
use crate::imports::{reply_token, Forward, ResponseRoute, REPLY_PREFIX};
use crate::server::ServerShared;
use crate::subscription::SubRef;
use rnats_subject::Matches;

/// A message on its way out.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub subject: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// Length of the header block at the start of `payload` (0: no headers).
    pub header_len: usize,
    pub payload: &'a [u8],
}

/// Most accounts a message crosses (imports of imports…) before it is dropped.
const MAX_HOPS: usize = 8;

/// Per-publisher delivery state, reused across messages so the hot path does not allocate.
#[derive(Debug, Default)]
pub struct Router {
    /// Clients written to since the last flush; each is woken once per read batch.
    to_flush: Vec<Arc<Client>>,
    /// Subscriptions that reached their `UNSUB <sid> <max>` limit.
    finished: Vec<SubRef>,
    /// Clients so far behind that the publisher should give their writers a moment.
    backed_up: Vec<Arc<Client>>,
    rng: u64,
    /// Deliveries since the last [`Router::take_out_counts`], for the server's totals.
    out_msgs: u64,
    out_bytes: u64,
    /// Chunks taken for an inline flush (kept for its capacity).
    scratch: Vec<bytes::BytesMut>,
}

impl Router {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: seed | 1,
            ..Self::default()
        }
    }

    /// Routes `msg` in `account`: to the subscriptions it matched (`matches`, which the caller
    /// may have taken from a cache), then across accounts through imports and exports, and
    /// service replies back to their requesters. Returns how many deliveries were made.
    #[inline]
    pub fn route(
        &mut self,
        server: &ServerShared,
        account: &Arc<Account>,
        publisher: &Client,
        matches: &Matches<SubRef>,
        msg: Message<'_>,
    ) -> usize {
        // A subject nobody here wants and no import carries: nothing to do.
        if matches.plain.is_empty() && matches.queues.is_empty() && !account.forwards.any() {
            return 0;
        }
        self.route_hop(server, account, publisher, matches, msg, 0)
    }

    fn route_hop(
        &mut self,
        server: &ServerShared,
        account: &Arc<Account>,
        publisher: &Client,
        matches: &Matches<SubRef>,
        msg: Message<'_>,
        hops: usize,
    ) -> usize {
        let mut delivered = self.deliver(server, account, publisher, matches, msg);
        if account.forwards.any() && hops < MAX_HOPS {
            delivered += self.forward(server, account, publisher, msg, hops);
        }
        delivered
    }

    /// Follows `account`'s forwards for `msg`.
    fn forward(
        &mut self,
        server: &ServerShared,
        account: &Arc<Account>,
        publisher: &Client,
        msg: Message<'_>,
        hops: usize,
    ) -> usize {
        let mut delivered = 0;
        if msg.subject.starts_with(REPLY_PREFIX) {
            if let Some(route) = account.forwards.take_response(msg.subject) {
                if let Some(importer) = route.importer.upgrade() {
                    let back = Message {
                        subject: &route.reply,
                        reply: None,
                        ..msg
                    };
                    let (_, matches) = importer.matches(&route.reply);
                    delivered +=
                        self.route_hop(server, &importer, publisher, &matches, back, hops + 1);
                }
            }
        }
        let forwards = account.forwards.matches(msg.subject);
        for forward in &forwards.plain {
            match &*forward.0 {
                Forward::Stream { importer, local } => {
                    let (Some(importer), Some(subject)) =
                        (importer.upgrade(), local.apply(msg.subject))
                    else {
                        continue;
                    };
                    let imported = Message {
                        subject: &subject,
                        ..msg
                    };
                    let (_, matches) = importer.matches(&subject);
                    delivered +=
                        self.route_hop(server, &importer, publisher, &matches, imported, hops + 1);
                }
                Forward::Service {
                    exporter,
                    to_remote,
                    remote_subject,
                    response_type,
                    response_threshold,
                } => {
                    let Some(exporter) = exporter.upgrade() else {
                        continue;
                    };
                    let subject = match to_remote {
                        Some(t) => match t.apply_bytes(msg.subject) {
                            Some(s) => Bytes::from(s),
                            None => continue,
                        },
                        None => remote_subject.clone(),
                    };
                    let token = msg.reply.map(|reply| {
                        let token = reply_token(&mut || self.next_random());
                        exporter.forwards.add_response(
                            token.clone(),
                            ResponseRoute {
                                importer: Arc::downgrade(account),
                                reply: Bytes::copy_from_slice(reply),
                                response_type: *response_type,
                                expires: std::time::Instant::now() + *response_threshold,
                            },
                        );
                        token
                    });
                    let request = Message {
                        subject: &subject,
                        reply: token.as_deref(),
                        ..msg
                    };
                    let (_, matches) = exporter.matches(&subject);
                    delivered +=
                        self.route_hop(server, &exporter, publisher, &matches, request, hops + 1);
                }
            }
        }
        delivered
    }

    /// Delivers `msg` to every plain match and one member of each queue group.
    /// Returns how many deliveries were made.
    pub fn deliver(
        &mut self,
        server: &ServerShared,
        account: &Account,
        publisher: &Client,
        matches: &Matches<SubRef>,
        msg: Message<'_>,
    ) -> usize {
        let mut delivered = 0;
        let suppress_echo = !publisher.echo();
        for sub in &matches.plain {
            if suppress_echo && sub.client.id == publisher.id {
                continue;
            }
            delivered += usize::from(self.deliver_to(server, sub, msg));
        }
        for (_, members) in &matches.queues {
            let start = self.next_random() as usize % members.len();
            for i in 0..members.len() {
                let sub = &members[(start + i) % members.len()];
                if sub.is_closed() || (suppress_echo && sub.client.id == publisher.id) {
                    continue;
                }
                if self.deliver_to(server, sub, msg) {
                    delivered += 1;
                    break;
                }
            }
        }
        if !self.finished.is_empty() {
            for sub in self.finished.drain(..) {
                remove_subscription(account, &sub);
            }
        }
        delivered
    }

    fn deliver_to(&mut self, server: &ServerShared, sub: &SubRef, msg: Message<'_>) -> bool {
        if sub.is_closed() {
            return false;
        }
        if let Some(filter) = &sub.delivery_filter {
            if filter.deny_delivery(&String::from_utf8_lossy(msg.subject)) {
                return false;
            }
        }
        let target = &sub.client;
        if let Some(reply) = msg.reply {
            target.record_request(reply);
        }
        let with_headers = msg.header_len > 0 && target.headers();
        let body = if with_headers {
            msg.payload
        } else {
            &msg.payload[msg.header_len.min(msg.payload.len())..]
        };
        let size = encode::msg_len(msg.subject, &sub.sid, msg.reply, body.len());
        let line = sub.line_start_for(msg.subject);
        let result = target.deliver(sub, body.len(), size, |buf| match (with_headers, line) {
            (true, Some(line)) => {
                encode::hmsg_from_line(buf, line, msg.reply, msg.header_len, body);
            }
            (false, Some(line)) => encode::msg_from_line(buf, line, msg.reply, body),
            (true, None) => {
                encode::hmsg(buf, msg.subject, &sub.sid, msg.reply, msg.header_len, body);
            }
            (false, None) => encode::msg(buf, msg.subject, &sub.sid, msg.reply, body),
        });
        match result {
            Delivery::Queued {
                first,
                backed_up,
                last,
            } => {
                if last {
                    self.finished.push(sub.clone());
                }
                if first {
                    self.to_flush.push(target.clone());
                }
                if backed_up && !self.backed_up.iter().any(|c| c.id == target.id) {
                    self.backed_up.push(target.clone());
                }
            }
            Delivery::SlowConsumer => {
                server.slow_consumer(target, CloseReason::SlowConsumerPendingBytes);
                return false;
            }
            Delivery::LimitReached | Delivery::Closed => return false,
        }
        if tracing::enabled!(tracing::Level::TRACE) {
            trace_delivery(sub, &msg, with_headers, body);
        }
        self.out_msgs += 1;
        self.out_bytes += body.len() as u64;
        true
    }

    /// Messages and bytes delivered since the last call.
    pub fn take_out_counts(&mut self) -> (u64, u64) {
        (
            std::mem::take(&mut self.out_msgs),
            std::mem::take(&mut self.out_bytes),
        )
    }

    /// Sends what was queued for every client written to since the last call: inline when
    /// its socket takes it at once, else by waking its writer. Says whether any writer was
    /// woken.
    pub fn flush(&mut self) -> bool {
        let mut woke = false;
        for client in self.to_flush.drain(..) {
            woke |= !client.flush_inline(&mut self.scratch);
        }
        woke
    }

    /// Stalls the publisher (at most `budget` in all) while clients it wrote to are backed up,
    /// so a fast producer cannot push a healthy consumer over `max_pending`. A consumer that
    /// stays stuck still reaches the limit and is cut off.
    pub async fn stall(&mut self, budget: std::time::Duration) {
        if self.backed_up.is_empty() {
            return;
        }
        let deadline = tokio::time::Instant::now() + budget;
        for client in self.backed_up.drain(..) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            client.wait_drained(left).await;
        }
        self.backed_up.clear();
    }

    /// A random number for weighted choices (subject mappings).
    pub fn roll(&mut self) -> u32 {
        (self.next_random() >> 32) as u32
    }

    /// xorshift64: picking a queue member needs speed, not quality.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

/// Ends a subscription: out of its client's table and out of the account's trie.
pub fn remove_subscription(account: &Account, sub: &SubRef) {
    if !sub.close() {
        return;
    }
    {
        let mut subs = sub.client.subscriptions.lock();
        if subs.get(&sub.sid).is_some_and(|s| s == sub) {
            subs.remove(&sub.sid);
        }
    }
    account.unsubscribe(sub);
    trace_removed(sub);
}

/// `->> [MSG …]` and its payload, in the subscriber's log.
#[cold]
#[inline(never)]
fn trace_delivery(sub: &SubRef, msg: &Message<'_>, with_headers: bool, body: &[u8]) {
    if sub.client.is_internal() {
        return;
    }
    let prefix = sub.client.log_prefix();
    let header_len = with_headers.then_some(msg.header_len);
    let line = trace::outbound_msg(msg.subject, &sub.sid, msg.reply, header_len, body.len());
    tracing::trace!("{prefix} - ->> {line}");
    if let Some(line) = trace::payload(body) {
        tracing::trace!("{prefix} - ->> {line}");
    }
}

/// `<-> [DELSUB <sid>]`, as the original traces a subscription's end.
pub fn trace_removed(sub: &SubRef) {
    if sub.client.is_internal() {
        return;
    }
    tracing::trace!(
        "{} - <-> [DELSUB {}]",
        sub.client.log_prefix(),
        String::from_utf8_lossy(&sub.sid)
    );
}

/// The 503 status a requester gets when nobody listens, on its own subscription to `reply`.
pub fn no_responders(account: &Account, publisher: &Arc<Client>, subject: &[u8], reply: &[u8]) {
    let (_, matches) = account.matches(reply);
    let Some(sub) = matches
        .plain
        .iter()
        .chain(matches.queues.iter().flat_map(|(_, m)| m.iter()))
        .find(|s| s.client.id == publisher.id)
    else {
        return;
    };
    let mut headers = Vec::with_capacity(32 + subject.len());
    headers.extend_from_slice(b"NATS/1.0 503\r\nNats-Subject: ");
    headers.extend_from_slice(subject);
    headers.extend_from_slice(b"\r\n\r\n");
    let sid: Bytes = sub.sid.clone();
    publisher.send(|buf| encode::hmsg(buf, reply, &sid, None, headers.len(), &headers));
}
