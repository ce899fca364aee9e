//! Checking publishes and subscriptions against [`Permissions`] (client.go `pubAllowed`,
//! `canSubscribe`, `queueMatches`, `checkDenySub`).
//!
//! Lists are short, so they are scanned; publish results are cached per subject in a bounded
//! map because the check sits on the publish path.

use rnats_subject::validate::{has_wildcards, pattern_is_subset, pattern_matches};
use rnats_subject::MatchCache;

use crate::{Permissions, ResponsePermission, ResponseTracker};

/// How many publish results a checker remembers (the original's `maxPermCacheSize`).
pub const PUBLISH_CACHE_SIZE: usize = 128;

/// One subscribe permission entry: `"subject"` or `"subject queue"`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SubEntry {
    subject: String,
    queue: Option<String>,
}

impl SubEntry {
    /// `None` for entries of more than two words (the original logs and skips them).
    fn parse(raw: &str) -> Option<SubEntry> {
        let mut words = raw.split_whitespace();
        let subject = words.next()?.to_string();
        let queue = words.next().map(String::from);
        if words.next().is_some() {
            return None;
        }
        Some(SubEntry { subject, queue })
    }
}

/// The per-connection permission state. Build once at CONNECT, keep with the connection.
#[derive(Debug)]
pub struct PermissionChecker {
    /// `None`: everything allowed. `Some(empty)`: nothing (allow_responses without a list).
    publish_allow: Option<Vec<String>>,
    publish_deny: Vec<String>,
    subscribe_allow: Option<Vec<SubEntry>>,
    subscribe_deny: Vec<SubEntry>,
    /// The deny entries as written, for [`PermissionChecker::needs_delivery_filter`].
    subscribe_deny_raw: Vec<String>,
    response: Option<ResponsePermission>,
    publish_cache: MatchCache<bool>,
}

impl PermissionChecker {
    pub fn new(p: &Permissions) -> Self {
        let publish = p.publish.as_ref();
        let subscribe = p.subscribe.as_ref();
        let entries = |l: Option<&Vec<String>>| -> Vec<SubEntry> {
            l.into_iter()
                .flatten()
                .filter_map(|s| SubEntry::parse(s))
                .collect()
        };
        let subscribe_allow = subscribe
            .and_then(|s| s.allow.as_ref())
            .filter(|l| !l.is_empty())
            .map(|l| entries(Some(l)));
        let subscribe_deny_raw: Vec<String> =
            subscribe.and_then(|s| s.deny.clone()).unwrap_or_default();
        PermissionChecker {
            publish_allow: publish.and_then(|s| s.allow.clone()),
            publish_deny: publish.and_then(|s| s.deny.clone()).unwrap_or_default(),
            subscribe_allow,
            subscribe_deny: entries(Some(&subscribe_deny_raw)),
            subscribe_deny_raw,
            response: p.response,
            publish_cache: MatchCache::new(PUBLISH_CACHE_SIZE),
        }
    }

    /// Whether publishing to `subject` is allowed by the lists alone: no allow list means all;
    /// deny beats allow. Cached.
    pub fn can_publish(&mut self, subject: &str) -> bool {
        if self.publish_allow.is_none() && self.publish_deny.is_empty() {
            return true;
        }
        if let Some(hit) = self.publish_cache.get(subject.as_bytes(), 0) {
            return hit;
        }
        let allowed = self
            .publish_allow
            .as_ref()
            .is_none_or(|l| l.iter().any(|p| matches(p, subject)))
            && !self.publish_deny.iter().any(|p| matches(p, subject));
        self.publish_cache.insert(subject.as_bytes(), 0, allowed);
        allowed
    }

    /// [`Self::can_publish`], then, if refused, whether `subject` is a reply this connection may
    /// still send under `allow_responses` (counting it).
    pub fn can_publish_or_reply(
        &mut self,
        subject: &str,
        replies: Option<&mut ResponseTracker>,
        now: std::time::Instant,
    ) -> bool {
        self.can_publish(subject) || replies.is_some_and(|r| r.allow_reply(subject, now))
    }

    /// Whether subscribing to `subject` (as written, wildcards and all) in `queue` is allowed.
    ///
    /// Allow entries match the subscription subject token by token, a wildcard in the subject
    /// being just a token: allow `foo.*` permits `SUB foo.>` (as the original does). A matching
    /// queue entry decides for queue subscriptions: with allow `["bar", "bar v1"]`, `bar v2` is
    /// refused. Deny entries work the same way and win.
    pub fn can_subscribe(&self, subject: &str, queue: Option<&str>) -> bool {
        let queue = queue.filter(|q| !q.is_empty());
        let mut allowed = true;
        if let Some(allow) = &self.subscribe_allow {
            allowed = allow
                .iter()
                .any(|e| e.queue.is_none() && matches(&e.subject, subject));
            if let Some(q) = queue {
                if let Some(found) = queue_decision(allow, subject, q) {
                    allowed = found;
                }
            }
        }
        if allowed && !self.subscribe_deny.is_empty() {
            allowed = !self
                .subscribe_deny
                .iter()
                .any(|e| e.queue.is_none() && matches(&e.subject, subject));
            if let Some(q) = queue {
                if let Some(found) = queue_decision(&self.subscribe_deny, subject, q) {
                    allowed = !found;
                }
            }
        }
        allowed
    }

    /// Whether an allowed subscription on `subscription` may receive messages that a subscribe
    /// deny entry forbids (a wildcard containing a denied subject, e.g. `foo.*` with `foo.bar`
    /// denied). If so the server must call [`Self::deny_delivery`] for each message it delivers
    /// to this connection.
    pub fn needs_delivery_filter(&self, subscription: &str) -> bool {
        has_wildcards(subscription.as_bytes())
            && self
                .subscribe_deny_raw
                .iter()
                .any(|d| pattern_is_subset(d.as_bytes(), subscription.as_bytes()))
    }

    /// Whether a message on `subject` must not be delivered to this connection (it matches a
    /// subscribe deny entry).
    pub fn deny_delivery(&self, subject: &str) -> bool {
        self.subscribe_deny
            .iter()
            .any(|e| e.queue.is_none() && matches(&e.subject, subject))
    }

    /// `allow_responses`, if set: the server then keeps a [`ResponseTracker`] for the connection.
    pub fn response_permission(&self) -> Option<ResponsePermission> {
        self.response
    }
}

/// `pattern` matches `subject`, taking the subject's tokens literally.
fn matches(pattern: &str, subject: &str) -> bool {
    pattern_matches(pattern.as_bytes(), subject.as_bytes())
}

/// If queue entries match `subject`, whether one of them names `queue` (queue names in
/// permissions may be wildcards and match as subjects); `None` if no queue entry matches.
fn queue_decision(entries: &[SubEntry], subject: &str, queue: &str) -> Option<bool> {
    let mut any = false;
    for e in entries {
        let Some(name) = &e.queue else { continue };
        if !matches(&e.subject, subject) {
            continue;
        }
        any = true;
        if name == queue
            || (has_wildcards(name.as_bytes())
                && pattern_is_subset(queue.as_bytes(), name.as_bytes()))
        {
            return Some(true);
        }
    }
    any.then_some(false)
}
