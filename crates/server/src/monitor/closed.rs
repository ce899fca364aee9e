//! A bounded ring of recently closed connections.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::client::{Client, ClientMeta, CloseReason};
use crate::subscription::SubRef;

/// A subscription of a closed connection, as `/connz?subs=detail` shows it.
#[derive(Debug, Clone)]
pub struct ClosedSubscription {
    pub subject: Bytes,
    pub queue: Option<Bytes>,
    pub sid: Bytes,
    pub delivered: u64,
}

/// What is kept of a connection after it closed.
#[derive(Debug, Clone)]
pub struct ClosedClient {
    pub id: u64,
    pub addr: SocketAddr,
    pub meta: ClientMeta,
    pub started: SystemTime,
    pub last_activity: SystemTime,
    pub stopped: SystemTime,
    pub rtt: Option<std::time::Duration>,
    pub account: String,
    pub reason: CloseReason,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub subscriptions: Vec<ClosedSubscription>,
}

impl ClosedClient {
    pub fn new(client: &Client, subscriptions: &[SubRef]) -> Self {
        let c = &client.counters;
        let subscriptions = subscriptions
            .iter()
            .map(|s| ClosedSubscription {
                subject: s.subject.clone(),
                queue: s.queue.clone(),
                sid: s.sid.clone(),
                delivered: s.delivered(),
            })
            .collect();
        // One lock at a time: the account name reads the same metadata.
        let account = client.account_name();
        let meta = client.meta.lock().clone();
        Self {
            id: client.id,
            addr: client.addr,
            meta,
            started: client.started,
            last_activity: client.last_activity(),
            stopped: SystemTime::now(),
            rtt: client.rtt(),
            account,
            reason: client.close_reason().unwrap_or(CloseReason::ClientClosed),
            in_msgs: c.in_msgs.load(Ordering::Relaxed),
            in_bytes: c.in_bytes.load(Ordering::Relaxed),
            out_msgs: c.out_msgs.load(Ordering::Relaxed),
            out_bytes: c.out_bytes.load(Ordering::Relaxed),
            subscriptions,
        }
    }
}

/// The last `capacity` closed connections, oldest first.
#[derive(Debug)]
pub struct ClosedClients {
    capacity: usize,
    ring: Mutex<VecDeque<ClosedClient>>,
}

impl ClosedClients {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ring: Mutex::new(VecDeque::new()),
        }
    }

    pub fn push(&self, closed: ClosedClient) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = self.ring.lock();
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(closed);
    }

    pub fn len(&self) -> usize {
        self.ring.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.lock().is_empty()
    }

    pub fn snapshot(&self) -> Vec<ClosedClient> {
        self.ring.lock().iter().cloned().collect()
    }
}
