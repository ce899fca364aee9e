//! Accounts: each has its own subject space.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use rnats_subject::{Matches, SubjectTrie};

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
    /// The trie's generation, readable without the lock (publishers check their caches
    /// against it on every message).
    generation: AtomicU64,
}

impl Account {
    pub fn new(name: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            subscriptions: RwLock::new(SubjectTrie::new()),
            generation: AtomicU64::new(0),
        })
    }

    pub fn subscribe(&self, sub: SubRef) {
        let queue = sub.queue.clone();
        let subject = sub.subject.clone();
        let mut trie = self.subscriptions.write();
        trie.insert(&subject, queue.as_deref(), sub);
        self.generation.store(trie.generation(), Ordering::Release);
    }

    pub fn unsubscribe(&self, sub: &SubRef) -> bool {
        let mut trie = self.subscriptions.write();
        let removed = trie.remove(&sub.subject, sub.queue.as_deref(), sub);
        self.generation.store(trie.generation(), Ordering::Release);
        removed
    }

    /// Current generation of the trie, for match caches. Takes no lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Matches `subject`, returning the generation the result belongs to.
    pub fn matches(&self, subject: &[u8]) -> (u64, MatchResult) {
        let trie = self.subscriptions.read();
        (trie.generation(), Arc::new(trie.matches(subject)))
    }

    pub fn subscription_count(&self) -> usize {
        self.subscriptions.read().len()
    }
}
