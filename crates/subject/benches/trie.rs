//! Trie match (cold and through the cache), insert and remove.

use criterion::{criterion_group, criterion_main, Criterion};
use rnats_subject::{MatchCache, SubjectTrie};
use std::sync::Arc;

fn populated(n: usize) -> SubjectTrie<Arc<u32>> {
    let mut trie = SubjectTrie::new();
    for i in 0..n {
        trie.insert(
            format!("orders.{}.{}", i % 100, i).as_bytes(),
            None,
            Arc::new(i as u32),
        );
    }
    trie.insert(b"orders.*.>", None, Arc::new(0));
    trie.insert(b"orders.>", Some(b"workers"), Arc::new(1));
    trie
}

fn matching(c: &mut Criterion) {
    let trie = populated(10_000);
    let subjects: Vec<Vec<u8>> = (0..20_000)
        .map(|i| format!("orders.{}.{}", i % 100, i).into_bytes())
        .collect();
    let mut group = c.benchmark_group("trie");
    group.bench_function("match_miss_cache", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % subjects.len();
            trie.matches(&subjects[i]).len()
        });
    });
    // The publish path: `get_or_insert_with`, the result borrowed from the cache.
    group.bench_function("match_cache_hit_same_subject", |b| {
        let mut cache = MatchCache::new(4096);
        let subject = b"orders.7.7";
        let generation = trie.generation();
        b.iter(|| {
            cache
                .get_or_insert_with(subject, generation, || Arc::new(trie.matches(subject)))
                .len()
        });
    });
    group.bench_function("match_cache_hit_cycling_1000", |b| {
        let mut cache = MatchCache::new(4096);
        let generation = trie.generation();
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % 1000;
            let subject = &subjects[i];
            cache
                .get_or_insert_with(subject, generation, || Arc::new(trie.matches(subject)))
                .len()
        });
    });
    group.bench_function("insert_remove", |b| {
        let mut trie = populated(10_000);
        let v = Arc::new(99);
        b.iter(|| {
            trie.insert(b"orders.42.new.thing", None, v.clone());
            trie.remove(b"orders.42.new.thing", None, &v)
        });
    });
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
