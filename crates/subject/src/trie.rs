//! The subscription trie.

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// What one subject matched: the plain entries, and per queue group its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matches<T> {
    pub plain: Vec<T>,
    /// One element per queue group name; a group whose members subscribed on different
    /// patterns (`foo.*` and `foo.>`) is still one group.
    pub queues: Vec<(Box<[u8]>, Vec<T>)>,
}

impl<T> Default for Matches<T> {
    fn default() -> Self {
        Self {
            plain: Vec::new(),
            queues: Vec::new(),
        }
    }
}

impl<T> Matches<T> {
    pub fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty()
    }

    /// How many entries matched, counting every queue member.
    pub fn len(&self) -> usize {
        self.plain.len() + self.queues.iter().map(|(_, m)| m.len()).sum::<usize>()
    }
}

impl<T: Clone> Matches<T> {
    fn absorb(&mut self, entries: &Entries<T>) {
        self.plain.extend_from_slice(&entries.plain);
        for (name, members) in &entries.queues {
            match self.queues.iter_mut().find(|(n, _)| n == name) {
                Some((_, all)) => all.extend_from_slice(members),
                None => self.queues.push((name.clone(), members.clone())),
            }
        }
    }
}

/// The entries subscribed on exactly one pattern.
#[derive(Debug)]
struct Entries<T> {
    plain: Vec<T>,
    queues: Vec<(Box<[u8]>, Vec<T>)>,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Self {
            plain: Vec::new(),
            queues: Vec::new(),
        }
    }
}

impl<T> Entries<T> {
    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty()
    }
}

#[derive(Debug)]
struct Node<T> {
    entries: Entries<T>,
    next: Level<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self {
            entries: Entries::default(),
            next: Level::default(),
        }
    }
}

impl<T> Node<T> {
    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.next.is_empty()
    }
}

#[derive(Debug)]
struct Level<T> {
    /// Literal tokens; foldhash (seeded per map) because every publish walks these.
    literals: HashMap<Box<[u8]>, Node<T>, RandomState>,
    /// The `*` child.
    one: Option<Box<Node<T>>>,
    /// The `>` child (it has entries and never a next level).
    rest: Option<Box<Node<T>>>,
}

impl<T> Default for Level<T> {
    fn default() -> Self {
        Self {
            literals: HashMap::default(),
            one: None,
            rest: None,
        }
    }
}

impl<T> Level<T> {
    fn is_empty(&self) -> bool {
        self.literals.is_empty() && self.one.is_none() && self.rest.is_none()
    }

    fn child_mut(&mut self, token: &[u8]) -> &mut Node<T> {
        match token {
            b"*" => self.one.get_or_insert_with(Box::default),
            b">" => self.rest.get_or_insert_with(Box::default),
            _ => self.literals.entry(token.into()).or_default(),
        }
    }
}

/// Subscriptions indexed by pattern. `T` is what a match hands back (typically an `Arc`).
#[derive(Debug)]
pub struct SubjectTrie<T> {
    root: Level<T>,
    count: usize,
    generation: u64,
}

impl<T> Default for SubjectTrie<T> {
    fn default() -> Self {
        Self {
            root: Level::default(),
            count: 0,
            generation: 0,
        }
    }
}

impl<T: Clone + PartialEq> SubjectTrie<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Moves on every insert and remove; match caches compare against it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Adds `value` under `pattern` (in `queue`, if given). The caller validates the pattern
    /// (see [`crate::validate::is_valid_pattern`]).
    pub fn insert(&mut self, pattern: &[u8], queue: Option<&[u8]>, value: T) {
        let mut level = &mut self.root;
        let mut tokens = crate::tokens(pattern).peekable();
        let node = loop {
            let token = tokens.next().unwrap_or_default();
            let node = level.child_mut(token);
            if tokens.peek().is_none() {
                break node;
            }
            level = &mut node.next;
        };
        match queue {
            None => node.entries.plain.push(value),
            Some(q) => match node.entries.queues.iter_mut().find(|(n, _)| &n[..] == q) {
                Some((_, members)) => members.push(value),
                None => node.entries.queues.push((q.into(), vec![value])),
            },
        }
        self.count += 1;
        self.generation += 1;
    }

    /// Removes one entry equal to `value` under `pattern`/`queue`. Returns whether it was there.
    pub fn remove(&mut self, pattern: &[u8], queue: Option<&[u8]>, value: &T) -> bool {
        let tokens: Vec<&[u8]> = crate::tokens(pattern).collect();
        let removed = remove_in(&mut self.root, &tokens, queue, value);
        if removed {
            self.count -= 1;
            self.generation += 1;
        }
        removed
    }

    /// Everything that `subject` (a literal subject) matches.
    pub fn matches(&self, subject: &[u8]) -> Matches<T> {
        let mut out = Matches::default();
        if !crate::validate::is_well_formed(subject) {
            return out;
        }
        let mut tokens = [&b""[..]; 32];
        let mut count = 0;
        for token in crate::tokens(subject) {
            if count == tokens.len() {
                // Deep subjects are rare: take the slow path with a heap vector.
                let all: Vec<&[u8]> = crate::tokens(subject).collect();
                collect(&self.root, &all, &mut out);
                return out;
            }
            tokens[count] = token;
            count += 1;
        }
        collect(&self.root, &tokens[..count], &mut out);
        out
    }

    /// Calls `visit` for every entry, with its pattern and queue.
    pub fn for_each(&self, mut visit: impl FnMut(&[u8], Option<&[u8]>, &T)) {
        let mut path = Vec::new();
        walk(&self.root, &mut path, &mut visit);
    }
}

fn collect<T: Clone>(level: &Level<T>, tokens: &[&[u8]], out: &mut Matches<T>) {
    let Some((token, rest)) = tokens.split_first() else {
        return;
    };
    if let Some(node) = &level.rest {
        out.absorb(&node.entries);
    }
    if let Some(node) = &level.one {
        descend(node, rest, out);
    }
    if let Some(node) = level.literals.get(*token) {
        descend(node, rest, out);
    }
}

fn descend<T: Clone>(node: &Node<T>, rest: &[&[u8]], out: &mut Matches<T>) {
    if rest.is_empty() {
        out.absorb(&node.entries);
    } else {
        collect(&node.next, rest, out);
    }
}

fn remove_in<T: PartialEq>(
    level: &mut Level<T>,
    tokens: &[&[u8]],
    queue: Option<&[u8]>,
    value: &T,
) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return false;
    };
    let node = match *token {
        b"*" => level.one.as_deref_mut(),
        b">" => level.rest.as_deref_mut(),
        t => level.literals.get_mut(t),
    };
    let Some(node) = node else {
        return false;
    };
    let removed = if rest.is_empty() {
        remove_entry(&mut node.entries, queue, value)
    } else {
        remove_in(&mut node.next, rest, queue, value)
    };
    if removed && node.is_empty() {
        match *token {
            b"*" => level.one = None,
            b">" => level.rest = None,
            t => {
                level.literals.remove(t);
            }
        }
    }
    removed
}

fn remove_entry<T: PartialEq>(entries: &mut Entries<T>, queue: Option<&[u8]>, value: &T) -> bool {
    match queue {
        None => match entries.plain.iter().position(|v| v == value) {
            Some(i) => {
                entries.plain.swap_remove(i);
                true
            }
            None => false,
        },
        Some(q) => {
            let Some(gi) = entries.queues.iter().position(|(n, _)| &n[..] == q) else {
                return false;
            };
            let members = &mut entries.queues[gi].1;
            let Some(i) = members.iter().position(|v| v == value) else {
                return false;
            };
            members.swap_remove(i);
            if members.is_empty() {
                entries.queues.swap_remove(gi);
            }
            true
        }
    }
}

fn walk<T>(level: &Level<T>, path: &mut Vec<u8>, visit: &mut impl FnMut(&[u8], Option<&[u8]>, &T)) {
    let children = level
        .literals
        .iter()
        .map(|(k, n)| (&k[..], n))
        .chain(level.one.as_deref().map(|n| (&b"*"[..], n)))
        .chain(level.rest.as_deref().map(|n| (&b">"[..], n)));
    for (token, node) in children {
        let len = path.len();
        if !path.is_empty() {
            path.push(b'.');
        }
        path.extend_from_slice(token);
        for v in &node.entries.plain {
            visit(path, None, v);
        }
        for (q, members) in &node.entries.queues {
            for v in members {
                visit(path, Some(q), v);
            }
        }
        walk(&node.next, path, visit);
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests;
