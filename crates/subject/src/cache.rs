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
///
/// In front of the map sits the subject asked for last: a publisher repeating one subject
/// (the common case) is answered by comparing bytes, with no hashing. Its result is copied
/// out of the map only on the second ask in a row, so a publisher cycling over subjects pays
/// a comparison and a copy of the subject, not a reference count per message.
#[derive(Debug)]
pub struct MatchCache<V> {
    generation: u64,
    capacity: usize,
    entries: HashMap<Vec<u8>, V, RandomState>,
    last_subject: Vec<u8>,
    /// The result for `last_subject`, once it was asked for twice in a row.
    last: Option<V>,
}

impl<V: Clone> MatchCache<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            generation: 0,
            capacity,
            entries: HashMap::default(),
            last_subject: Vec::new(),
            last: None,
        }
    }

    /// The cached result for `subject`, computing and remembering it on a miss. `generation`
    /// is the trie's, read before `compute` runs: should the trie change in between, the
    /// result is fresher than its label, and the next call (with the newer generation) drops
    /// it with the rest. Borrowing the result (rather than cloning it out) keeps a reference
    /// count off the per-message path.
    ///
    /// A hit on the last subject is inlined into the caller; the rest is out of line.
    #[inline(always)]
    pub fn get_or_insert_with(
        &mut self,
        subject: &[u8],
        generation: u64,
        compute: impl FnOnce() -> V,
    ) -> &V {
        if generation == self.generation && self.last_subject == subject {
            if let Some(ref last) = self.last {
                return last;
            }
        }
        self.get_or_insert_slow(subject, generation, compute)
    }

    #[inline(never)]
    fn get_or_insert_slow(
        &mut self,
        subject: &[u8],
        generation: u64,
        compute: impl FnOnce() -> V,
    ) -> &V {
        if generation != self.generation {
            self.clear();
            self.generation = generation;
        }
        if self.last_subject == subject {
            // Asked twice in a row (a result kept here is answered by the inlined hit).
            let computed = lookup(&mut self.entries, self.capacity, subject, compute).clone();
            return self.last.insert(computed);
        }
        self.last_subject.clear();
        self.last_subject.extend_from_slice(subject);
        self.last = None;
        lookup(&mut self.entries, self.capacity, subject, compute)
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.last = None;
        self.last_subject.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The map's result for `subject`, computed on a miss; a full map is emptied first.
fn lookup<'a, V>(
    entries: &'a mut HashMap<Vec<u8>, V, RandomState>,
    capacity: usize,
    subject: &[u8],
    compute: impl FnOnce() -> V,
) -> &'a V {
    if entries.len() >= capacity.max(1) && !entries.contains_key(subject) {
        entries.clear();
    }
    entries.entry_ref(subject).or_insert_with(compute)
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
    fn repeated_and_alternating_subjects_get_their_own_results() {
        let mut cache = MatchCache::new(8);
        let mut calls = 0;
        let mut ask = |cache: &mut MatchCache<u32>, s: &[u8]| {
            *cache.get_or_insert_with(s, 1, || {
                calls += 1;
                u32::from(s[0])
            })
        };
        for s in [b"a", b"a", b"a", b"b", b"a", b"b", b"b", b"a"] {
            assert_eq!(ask(&mut cache, s), u32::from(s[0]));
        }
        assert_eq!(calls, 2, "each subject computed once");
        assert_eq!(
            *cache.get_or_insert_with(b"a", 2, || 7),
            7,
            "a new generation recomputes the remembered subject too"
        );
        assert_eq!(*cache.get_or_insert_with(b"a", 2, || 0), 7);
    }

    #[test]
    fn a_new_generation_empties_the_cache() {
        let mut cache = MatchCache::new(4);
        cache.get_or_insert_with(b"a", 1, || 10);
        cache.get_or_insert_with(b"b", 1, || 11);
        assert_eq!(*cache.get_or_insert_with(b"a", 1, || 0), 10);
        assert_eq!(*cache.get_or_insert_with(b"a", 2, || 20), 20);
        assert_eq!(cache.len(), 1, "only what was asked at the new generation");
    }

    #[test]
    fn capacity_is_a_bound() {
        let mut cache = MatchCache::new(2);
        for (i, s) in [b"a", b"b", b"c"].iter().enumerate() {
            cache.get_or_insert_with(*s, 0, || i);
        }
        assert!(cache.len() <= 2);
        assert_eq!(*cache.get_or_insert_with(b"c", 0, || 99), 2);
    }
}
