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
    /// For a wildcard subscription over subjects its owner may not receive: checked per
    /// delivery.
    pub delivery_filter: Option<Arc<rnats_auth::PermissionChecker>>,
    /// Deliveries after which the subscription ends (`UNSUB <sid> <max>`); 0 is no limit.
    max: AtomicU64,
    delivered: AtomicU64,
    closed: AtomicBool,
}

impl Subscription {
    pub fn new(client: Arc<Client>, subject: Bytes, queue: Option<Bytes>, sid: Bytes) -> Self {
        Self {
            client,
            subject,
            queue,
            sid,
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
    pub fn count_delivery(&self) -> Option<bool> {
        let max = self.max.load(Ordering::Relaxed);
        let n = self.delivered.fetch_add(1, Ordering::Relaxed) + 1;
        match max {
            0 => Some(false),
            m if n < m => Some(false),
            m if n == m => Some(true),
            _ => None,
        }
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
