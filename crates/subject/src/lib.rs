//! NATS subjects.
//!
//! - [`validate`]: what is a valid subscription pattern, a valid literal subject.
//! - [`SubjectTrie`]: the subscription index. Each level holds literal children plus one `*`
//!   slot and one `>` slot; a match returns plain entries and queue groups. It has no lock:
//!   `insert`/`remove` take `&mut self`, `matches` takes `&self`, and the owner wraps it.
//!   Every change bumps [`SubjectTrie::generation`].
//! - [`MatchCache`]: a bounded map from subject to match result, dropped when the trie's
//!   generation moves. Each connection keeps its own, so a cache hit takes no lock.
//! - [`transform`]: subject mappings (`{{wildcard(1)}}`, `{{partition(..)}}`, …).
//!
//! Subjects are bytes: the wire does not promise UTF-8, so neither do we.

mod cache;
pub mod transform;
mod trie;
pub mod validate;

pub use cache::MatchCache;
pub use trie::{Matches, SubjectTrie};

/// Splits a subject into its tokens.
pub fn tokens(subject: &[u8]) -> impl Iterator<Item = &[u8]> {
    subject.split(|&b| b == b'.')
}
