//! A bounded match cache, invalidated by the trie's generation.

use foldhash::fast::RandomState;
use hashbrown::HashMap;

/// Remembers match results per subject while the trie they came from does not change.
///
/// When full, it forgets everything and starts again: cheap, and fair to a publisher cycling
/// over more subjects than fit (it pays a trie walk per miss either way).
///
/// It hashes with foldhash, not SipHash: a lookup per published message is the hot path.
/// foldhash is seeded per map, so subjects cannot be chosen to collide. The map is hashbrown's
/// for `entry_ref`: a hit is one lookup, and only a miss copies the subject into a key.
#[derive(Debug)]
pub struct MatchCache<V> {
    generation: u64,
    capacity: usize,
    entries: HashMap<Vec<u8>, V, RandomState>,
}

impl<V: Clone> MatchCache<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            generation: 0,
            capacity,
            entries: HashMap::default(),
        }
    }

    /// The cached result for `subject`, if the trie is still at `generation`.
    pub fn get(&mut self, subject: &[u8], generation: u64) -> Option<V> {
        if generation != self.generation {
            self.entries.clear();
            self.generation = generation;
            return None;
        }
        self.entries.get(subject).cloned()
    }

    /// The cached result for `subject`, computing and remembering it on a miss. `generation`
    /// is the trie's, read before `compute` runs: should the trie change in between, the
    /// result is fresher than its label, and the next call (with the newer generation) drops
    /// it with the rest. Borrowing the result (rather than cloning it out) keeps a reference
    /// count off the per-message path.
    pub fn get_or_insert_with(
        &mut self,
        subject: &[u8],
        generation: u64,
        compute: impl FnOnce() -> V,
    ) -> &V {
        if generation != self.generation {
            self.entries.clear();
            self.generation = generation;
        }
        if self.entries.len() >= self.capacity.max(1) && !self.entries.contains_key(subject) {
            self.entries.clear();
        }
        self.entries.entry_ref(subject).or_insert_with(compute)
    }

    /// Remembers a result computed at `generation`.
    pub fn insert(&mut self, subject: &[u8], generation: u64, value: V) {
        if self.capacity == 0 {
            return;
        }
        if generation != self.generation {
            self.entries.clear();
            self.generation = generation;
        }
        if self.entries.len() >= self.capacity {
            self.entries.clear();
        }
        self.entries.insert(subject.into(), value);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_or_insert_with_computes_once_per_generation() {
        let mut cache = MatchCache::new(2);
        let mut calls = 0;
        for _ in 0..3 {
            let v = *cache.get_or_insert_with(b"a", 1, || {
                calls += 1;
                10
            });
            assert_eq!(v, 10);
        }
        assert_eq!(calls, 1);
        let v = *cache.get_or_insert_with(b"a", 2, || 20);
        assert_eq!(v, 20, "a new generation recomputes");
        cache.get_or_insert_with(b"b", 2, || 21);
        cache.get_or_insert_with(b"c", 2, || 22);
        assert!(cache.len() <= 2, "the capacity holds");
        let mut none = MatchCache::new(0);
        assert_eq!(*none.get_or_insert_with(b"x", 0, || 5), 5);
    }

    #[test]
    fn a_new_generation_empties_the_cache() {
        let mut cache = MatchCache::new(4);
        cache.insert(b"a", 1, 10);
        assert_eq!(cache.get(b"a", 1), Some(10));
        assert_eq!(cache.get(b"a", 2), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn capacity_is_a_bound() {
        let mut cache = MatchCache::new(2);
        for (i, s) in [b"a", b"b", b"c"].iter().enumerate() {
            cache.insert(*s, 0, i);
        }
        assert!(cache.len() <= 2);
        assert_eq!(cache.get(b"c", 0), Some(2));
    }
}
