//! A subscription: what the trie stores and what delivery needs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::client::Client;

/// One `SUB` of one connection.
#[derive(Debug)]
pub struct Subscription {
    pub client: Arc<Client>,
    pub subject: Bytes,
    pub queue: Option<Bytes>,
    pub sid: Bytes,
    /// `HMSG <subject> <sid> ` (`rnats_proto::encode::line_start`); `subject` and `sid` are
    /// slices of it, so they share one allocation.
    line: Bytes,
    /// For a wildcard subscription over subjects its owner may not receive: checked per
    /// delivery.
    pub delivery_filter: Option<Arc<rnats_auth::PermissionChecker>>,
    /// Deliveries after which the subscription ends (`UNSUB <sid> <max>`); 0 is no limit.
    max: AtomicU64,
    delivered: AtomicU64,
    closed: AtomicBool,
}

impl Subscription {
    /// Copies `subject`, `queue` and `sid`, so a long-lived subscription does not pin the
    /// buffer they were read from.
    pub fn new(client: Arc<Client>, subject: &[u8], queue: Option<&[u8]>, sid: &[u8]) -> Self {
        let line = Bytes::from(rnats_proto::encode::line_start(subject, sid));
        let subject_at = "HMSG ".len();
        let sid_at = subject_at + subject.len() + 1;
        Self {
            client,
            subject: line.slice(subject_at..subject_at + subject.len()),
            queue: queue.map(Bytes::copy_from_slice),
            sid: line.slice(sid_at..sid_at + sid.len()),
            line,
            delivery_filter: None,
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Adds a per-delivery permission filter.
    pub fn with_delivery_filter(
        mut self,
        filter: Option<Arc<rnats_auth::PermissionChecker>>,
    ) -> Self {
        self.delivery_filter = filter;
        self
    }

    /// The start of this subscription's message lines (see `rnats_proto::encode::line_start`)
    /// when `subject` is its own, as it is for every delivery to a literal subscription.
    pub fn line_start_for(&self, subject: &[u8]) -> Option<&[u8]> {
        (*self.subject == *subject).then_some(&self.line[..])
    }

    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    pub fn set_max(&self, max: u64) {
        self.max.store(max, Ordering::Relaxed);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Marks it closed; true for the caller that closed it first.
    pub fn close(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }

    /// Counts a delivery. `None` means the limit was already reached and nothing must be sent;
    /// `Some(true)` means this was the last one allowed.
    ///
    /// The caller holds the owning client's outbound lock, which every delivery to this
    /// subscription takes (see `Client::deliver`): so a plain load and store suffice, with no
    /// read-modify-write on the hot path.
    pub fn count_delivery_locked(&self) -> Option<bool> {
        let max = self.max.load(Ordering::Relaxed);
        let n = self.delivered.load(Ordering::Relaxed) + 1;
        if max != 0 && n > max {
            return None;
        }
        self.delivered.store(n, Ordering::Relaxed);
        Some(max != 0 && n == max)
    }
}

/// A shared subscription, equal only to itself (the trie finds it again for removal).
#[derive(Debug, Clone)]
pub struct SubRef(pub Arc<Subscription>);

impl PartialEq for SubRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for SubRef {
    type Target = Subscription;
    fn deref(&self) -> &Subscription {
        &self.0
    }
}
