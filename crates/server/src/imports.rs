//! Messages crossing accounts: stream imports, service imports and the replies that find their
//! way back.
//!
//! Each account keeps its cross-account interest apart from its clients' subscriptions, in
//! [`Forwards`]: accounts without imports or exports pay one atomic load per publish for it.
//!
//! - A **stream import** (B imports A's `s`) is a forward in A: a message published in A on a
//!   subject matching `s` is routed again in B, under the local subject (`prefix`/`to`).
//! - A **service import** (B imports A's `svc` as `local`) is a forward in B: a request
//!   published in B on `local` is routed in A on `svc`, with its reply subject replaced by a
//!   fresh `_R_.` token. A's responder answers on that token; the server finds the token in A's
//!   response routes and delivers the answer in B on the original reply subject. The requester's
//!   inbox never reaches A, and the token is useless outside A.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use rnats_subject::transform::SubjectTransform;
use rnats_subject::{Matches, SubjectTrie};

use crate::account::Account;

/// How a service answers, as declared by its export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseType {
    /// Exactly one reply; the route is gone after it.
    #[default]
    Singleton,
    /// Any number of replies until the threshold passes.
    Stream,
    /// Replies in chunks until the threshold passes.
    Chunked,
}

/// Where a matched message goes next.
#[derive(Debug)]
pub enum Forward {
    /// Into `importer`, under a local subject.
    Stream {
        importer: Weak<Account>,
        local: LocalSubject,
    },
    /// Into `exporter` as a request on the exported subject.
    Service {
        exporter: Weak<Account>,
        /// Local subject pattern → exported subject.
        to_remote: Option<SubjectTransform>,
        remote_subject: Bytes,
        response_type: ResponseType,
        response_threshold: Duration,
    },
}

/// How a stream import names messages locally.
#[derive(Debug)]
pub enum LocalSubject {
    Same,
    Prefix(Bytes),
    Transform(SubjectTransform),
}

impl LocalSubject {
    pub fn apply(&self, subject: &[u8]) -> Option<Bytes> {
        match self {
            Self::Same => Some(Bytes::copy_from_slice(subject)),
            Self::Prefix(prefix) => {
                let mut out = Vec::with_capacity(prefix.len() + 1 + subject.len());
                out.extend_from_slice(prefix);
                out.push(b'.');
                out.extend_from_slice(subject);
                Some(out.into())
            }
            Self::Transform(t) => t.apply_bytes(subject).map(Bytes::from),
        }
    }
}

/// A forward as stored in the trie (compared by identity).
#[derive(Debug, Clone)]
pub struct ForwardRef(pub Arc<Forward>);

impl PartialEq for ForwardRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A reply on its way back from a service to the importing account.
#[derive(Debug, Clone)]
pub struct ResponseRoute {
    pub importer: Weak<Account>,
    pub reply: Bytes,
    pub response_type: ResponseType,
    pub expires: Instant,
}

/// Most response routes kept per account before expired ones are swept.
const SWEEP_AT: usize = 1024;

/// An account's cross-account interest.
#[derive(Debug, Default)]
pub struct Forwards {
    present: AtomicBool,
    trie: RwLock<SubjectTrie<ForwardRef>>,
    responses: Mutex<HashMap<Bytes, ResponseRoute>>,
}

impl Forwards {
    /// Whether this account forwards anything (one atomic load on the publish path).
    pub fn any(&self) -> bool {
        self.present.load(Ordering::Acquire)
    }

    pub fn add(&self, pattern: &[u8], forward: Forward) {
        self.trie
            .write()
            .insert(pattern, None, ForwardRef(Arc::new(forward)));
        self.present.store(true, Ordering::Release);
    }

    /// A stream import: messages published here on `subject` go on into `importer`, named
    /// there as `local` says.
    pub fn add_stream_import(&self, subject: &str, importer: &Arc<Account>, local: LocalSubject) {
        self.add(
            subject.as_bytes(),
            Forward::Stream {
                importer: Arc::downgrade(importer),
                local,
            },
        );
    }

    /// A service import: requests published here on `local` go to `exporter` as `remote`
    /// (a wildcard `local` maps token by token).
    ///
    /// # Errors
    /// `local` and `remote` do not make a valid subject transform.
    pub fn add_service_import(
        &self,
        local: &str,
        exporter: &Arc<Account>,
        remote: &str,
        response_type: ResponseType,
        response_threshold: Duration,
    ) -> Result<(), String> {
        let to_remote =
            if local != remote && rnats_subject::validate::has_wildcards(local.as_bytes()) {
                Some(SubjectTransform::new(local, remote).map_err(|e| e.to_string())?)
            } else {
                None
            };
        self.add(
            local.as_bytes(),
            Forward::Service {
                exporter: Arc::downgrade(exporter),
                to_remote,
                remote_subject: Bytes::copy_from_slice(remote.as_bytes()),
                response_type,
                response_threshold,
            },
        );
        Ok(())
    }

    /// Drops every forward (before the imports are rebuilt on reload).
    pub fn clear(&self) {
        *self.trie.write() = SubjectTrie::new();
        self.present.store(false, Ordering::Release);
    }

    pub fn matches(&self, subject: &[u8]) -> Matches<ForwardRef> {
        self.trie.read().matches(subject)
    }

    /// Remembers where the reply to `token` goes; returns nothing.
    pub fn add_response(&self, token: Bytes, route: ResponseRoute) {
        let mut responses = self.responses.lock();
        if responses.len() >= SWEEP_AT {
            let now = Instant::now();
            responses.retain(|_, r| r.expires > now);
        }
        responses.insert(token, route);
        self.present.store(true, Ordering::Release);
    }

    /// The route for a reply published on `subject` (an `_R_.` token), if it is still valid.
    pub fn take_response(&self, subject: &[u8]) -> Option<ResponseRoute> {
        let mut responses = self.responses.lock();
        let route = responses.get(subject)?.clone();
        if route.expires < Instant::now() || route.response_type == ResponseType::Singleton {
            responses.remove(subject);
        }
        (route.expires >= Instant::now()).then_some(route)
    }

    pub fn pending_responses(&self) -> usize {
        self.responses.lock().len()
    }
}

/// The prefix of reply tokens for service imports.
pub const REPLY_PREFIX: &[u8] = b"_R_.";

/// A fresh reply token: `_R_.` and 16 random base-62 characters.
pub fn reply_token(rng: &mut impl FnMut() -> u64) -> Bytes {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(REPLY_PREFIX.len() + 16);
    out.extend_from_slice(REPLY_PREFIX);
    let (mut a, mut b) = (rng(), rng());
    for i in 0..16 {
        let word = if i < 8 { &mut a } else { &mut b };
        out.push(ALPHABET[(*word % 62) as usize]);
        *word /= 62;
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_subjects() {
        assert_eq!(
            LocalSubject::Prefix(Bytes::from_static(b"abc")).apply(b"a.b"),
            Some(Bytes::from_static(b"abc.a.b"))
        );
        let t = SubjectTransform::new("a.*", "x.{{wildcard(1)}}").unwrap();
        assert_eq!(
            LocalSubject::Transform(t).apply(b"a.b"),
            Some(Bytes::from_static(b"x.b"))
        );
    }

    #[test]
    fn singleton_routes_are_used_once_and_stream_routes_until_expiry() {
        let f = Forwards::default();
        let route = |t| ResponseRoute {
            importer: Weak::new(),
            reply: Bytes::from_static(b"inbox"),
            response_type: t,
            expires: Instant::now() + Duration::from_secs(60),
        };
        f.add_response(Bytes::from_static(b"_R_.a"), route(ResponseType::Singleton));
        f.add_response(Bytes::from_static(b"_R_.b"), route(ResponseType::Stream));
        assert!(f.take_response(b"_R_.a").is_some());
        assert!(f.take_response(b"_R_.a").is_none());
        assert!(f.take_response(b"_R_.b").is_some());
        assert!(f.take_response(b"_R_.b").is_some());
    }

    #[test]
    fn reply_tokens_are_distinct() {
        let mut x = 1u64;
        let mut rng = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x
        };
        let a = reply_token(&mut rng);
        let b = reply_token(&mut rng);
        assert!(a.starts_with(b"_R_.") && a.len() == 20);
        assert_ne!(a, b);
    }
}
