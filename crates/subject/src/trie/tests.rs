use super::*;
use crate::validate::pattern_matches;
use proptest::prelude::*;

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

#[test]
fn literal_and_wildcard_matches() {
    let mut trie = SubjectTrie::new();
    trie.insert(b"foo.bar", None, 1);
    trie.insert(b"foo.*", None, 2);
    trie.insert(b"foo.>", None, 3);
    trie.insert(b">", None, 4);
    trie.insert(b"*.bar", None, 5);
    assert_eq!(sorted(trie.matches(b"foo.bar").plain), vec![1, 2, 3, 4, 5]);
    assert_eq!(sorted(trie.matches(b"foo.baz").plain), vec![2, 3, 4]);
    assert_eq!(sorted(trie.matches(b"foo.bar.baz").plain), vec![3, 4]);
    assert_eq!(sorted(trie.matches(b"foo").plain), vec![4]);
    assert!(trie.matches(b"foo..bar").is_empty());
}

#[test]
fn queue_groups_merge_across_patterns() {
    let mut trie = SubjectTrie::new();
    trie.insert(b"orders.*", Some(b"workers"), 1);
    trie.insert(b"orders.>", Some(b"workers"), 2);
    trie.insert(b"orders.new", Some(b"audit"), 3);
    let m = trie.matches(b"orders.new");
    assert!(m.plain.is_empty());
    assert_eq!(m.queues.len(), 2);
    let workers = m.queues.iter().find(|(n, _)| &n[..] == b"workers").unwrap();
    assert_eq!(sorted(workers.1.clone()), vec![1, 2]);
}

#[test]
fn remove_prunes_and_bumps_generation() {
    let mut trie = SubjectTrie::new();
    trie.insert(b"a.b.c", None, 1);
    trie.insert(b"a.b.c", Some(b"q"), 2);
    let g = trie.generation();
    assert!(trie.remove(b"a.b.c", None, &1));
    assert!(!trie.remove(b"a.b.c", None, &1));
    assert!(trie.remove(b"a.b.c", Some(b"q"), &2));
    assert!(trie.generation() > g);
    assert!(trie.is_empty());
    assert!(trie.root.is_empty());
}

#[test]
fn for_each_visits_every_entry_with_its_pattern() {
    let mut trie = SubjectTrie::new();
    trie.insert(b"a.*", None, 1);
    trie.insert(b"a.>", Some(b"q"), 2);
    let mut seen = Vec::new();
    trie.for_each(|p, q, v| seen.push((p.to_vec(), q.map(<[u8]>::to_vec), *v)));
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (b"a.*".to_vec(), None, 1),
            (b"a.>".to_vec(), Some(b"q".to_vec()), 2)
        ]
    );
}

#[derive(Debug, Clone)]
enum Op {
    Insert(String, Option<String>),
    Remove(usize),
    Match(String),
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof!["a", "b", "c", Just("*".to_string())], 1..4)
        .prop_flat_map(|tokens| {
            prop_oneof![Just(false), Just(true)].prop_map(move |full| {
                let mut t = tokens.clone();
                if full {
                    t.push(">".into());
                }
                t.join(".")
            })
        })
}

fn subject() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof!["a", "b", "c"], 1..5).prop_map(|t| t.join("."))
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (pattern(), proptest::option::of(prop_oneof!["q1", "q2"]))
            .prop_map(|(p, q)| Op::Insert(p, q)),
        any::<usize>().prop_map(Op::Remove),
        subject().prop_map(Op::Match),
    ]
}

proptest! {
    /// The trie agrees with a naive list of (pattern, queue, id) under any sequence of inserts,
    /// removes and matches.
    #[test]
    fn trie_agrees_with_naive_matcher(ops in proptest::collection::vec(op(), 1..80)) {
        let mut trie = SubjectTrie::new();
        let mut naive: Vec<(String, Option<String>, u32)> = Vec::new();
        let mut next_id = 0u32;
        for op in ops {
            match op {
                Op::Insert(p, q) => {
                    trie.insert(p.as_bytes(), q.as_deref().map(str::as_bytes), next_id);
                    naive.push((p, q, next_id));
                    next_id += 1;
                }
                Op::Remove(i) if !naive.is_empty() => {
                    let (p, q, id) = naive.remove(i % naive.len());
                    prop_assert!(trie.remove(p.as_bytes(), q.as_deref().map(str::as_bytes), &id));
                }
                Op::Remove(_) => {}
                Op::Match(s) => {
                    let m = trie.matches(s.as_bytes());
                    let expect_plain: Vec<u32> = naive.iter()
                        .filter(|(p, q, _)| q.is_none() && pattern_matches(p.as_bytes(), s.as_bytes()))
                        .map(|e| e.2).collect();
                    prop_assert_eq!(sorted(m.plain.clone()), sorted(expect_plain));
                    for group in ["q1", "q2"] {
                        let expect: Vec<u32> = naive.iter()
                            .filter(|(p, q, _)| q.as_deref() == Some(group) && pattern_matches(p.as_bytes(), s.as_bytes()))
                            .map(|e| e.2).collect();
                        let got = m.queues.iter().find(|(n, _)| &n[..] == group.as_bytes())
                            .map(|(_, v)| v.clone()).unwrap_or_default();
                        prop_assert_eq!(sorted(got), sorted(expect));
                    }
                }
            }
            prop_assert_eq!(trie.len(), naive.len());
        }
    }
}
