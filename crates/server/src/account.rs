//! Accounts: each has its own subject space.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use rnats_subject::{Matches, SubjectTrie};

use crate::imports::Forwards;
use crate::mappings::Mappings;
use crate::subscription::SubRef;

/// The account of clients outside any named account.
pub const GLOBAL_ACCOUNT: &str = "$G";
/// The default name of the system account.
pub const SYSTEM_ACCOUNT: &str = "$SYS";

pub type MatchResult = Arc<Matches<SubRef>>;

/// An account and its subscriptions.
///
/// The trie sits behind a read-write lock: publishers only read it (and mostly not even that,
/// thanks to their own match caches); subscribe and unsubscribe write.
#[derive(Debug)]
pub struct Account {
    pub name: String,
    subscriptions: RwLock<SubjectTrie<SubRef>>,
    /// Imports and exports: where messages go beyond this account's own subscribers.
    pub forwards: Forwards,
    /// Subject mappings; `has_mappings` lets publishers skip them with one atomic load.
    mappings: RwLock<Arc<Mappings>>,
    has_mappings: std::sync::atomic::AtomicBool,
    /// The trie's generation, readable without the lock (publishers check their caches
    /// against it on every message).
    generation: AtomicU64,
    /// Counters for `/subsz` (the original's sublist stats).
    pub trie_stats: TrieStats,
}

/// How the trie has been used, for monitoring.
#[derive(Debug, Default)]
pub struct TrieStats {
    pub inserts: AtomicU64,
    pub removes: AtomicU64,
    pub matches: AtomicU64,
    /// Sum of the match results' sizes, for the average fan-out.
    pub fanout_total: AtomicU64,
    pub fanout_max: AtomicU64,
}

impl Account {
    pub fn new(name: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            subscriptions: RwLock::new(SubjectTrie::new()),
            forwards: Forwards::default(),
            mappings: RwLock::new(Arc::new(Mappings::default())),
            has_mappings: std::sync::atomic::AtomicBool::new(false),
            generation: AtomicU64::new(0),
            trie_stats: TrieStats::default(),
        })
    }

    pub fn subscribe(&self, sub: SubRef) {
        let queue = sub.queue.clone();
        let subject = sub.subject.clone();
        let mut trie = self.subscriptions.write();
        trie.insert(&subject, queue.as_deref(), sub);
        self.trie_stats.inserts.fetch_add(1, Ordering::Relaxed);
        self.generation.store(trie.generation(), Ordering::Release);
    }

    pub fn unsubscribe(&self, sub: &SubRef) -> bool {
        let mut trie = self.subscriptions.write();
        let removed = trie.remove(&sub.subject, sub.queue.as_deref(), sub);
        if removed {
            self.trie_stats.removes.fetch_add(1, Ordering::Relaxed);
        }
        self.generation.store(trie.generation(), Ordering::Release);
        removed
    }

    /// Replaces the account's subject mappings (at startup and on reload).
    pub fn set_mappings(&self, mappings: Mappings) {
        let present = !mappings.is_empty();
        *self.mappings.write() = Arc::new(mappings);
        self.has_mappings.store(present, Ordering::Release);
    }

    /// The subject a publish to `subject` is routed as, when a mapping applies.
    /// Inlined into the publish path, the check for no mappings at all; the rest out of
    /// line.
    #[inline(always)]
    pub fn map_subject(&self, subject: &[u8], roll: u32) -> Option<Vec<u8>> {
        if !self.has_mappings.load(Ordering::Acquire) {
            return None;
        }
        self.apply_mappings(subject, roll)
    }

    #[inline(never)]
    fn apply_mappings(&self, subject: &[u8], roll: u32) -> Option<Vec<u8>> {
        let mappings = self.mappings.read().clone();
        mappings.apply(subject, roll)
    }

    /// Current generation of the trie, for match caches. Takes no lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Matches `subject`, returning the generation the result belongs to.
    pub fn matches(&self, subject: &[u8]) -> (u64, MatchResult) {
        let trie = self.subscriptions.read();
        let result = trie.matches(subject);
        let stats = &self.trie_stats;
        let fanout = result.len() as u64;
        stats.matches.fetch_add(1, Ordering::Relaxed);
        stats.fanout_total.fetch_add(fanout, Ordering::Relaxed);
        stats.fanout_max.fetch_max(fanout, Ordering::Relaxed);
        (trie.generation(), Arc::new(result))
    }

    /// Visits every subscription (for `/subsz`). Holds the trie's read lock meanwhile.
    pub fn for_each_subscription(&self, mut visit: impl FnMut(&SubRef)) {
        self.subscriptions.read().for_each(|_, _, sub| visit(sub));
    }

    pub fn subscription_count(&self) -> usize {
        self.subscriptions.read().len()
    }
}
