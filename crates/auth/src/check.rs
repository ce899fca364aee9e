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
        let (allow, deny) = (&self.publish_allow, &self.publish_deny);
        *self
            .publish_cache
            .get_or_insert_with(subject.as_bytes(), 0, || {
                allow
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|p| matches(p, subject)))
                    && !deny.iter().any(|p| matches(p, subject))
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SubjectPermission;

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    fn checker(
        pub_allow: &[&str],
        pub_deny: &[&str],
        sub_allow: &[&str],
        sub_deny: &[&str],
    ) -> PermissionChecker {
        let sp = |a: &[&str], d: &[&str]| {
            Some(SubjectPermission {
                allow: if a.is_empty() { None } else { list(a) },
                deny: if d.is_empty() { None } else { list(d) },
            })
        };
        PermissionChecker::new(&Permissions {
            publish: sp(pub_allow, pub_deny),
            subscribe: sp(sub_allow, sub_deny),
            response: None,
        })
    }

    #[test]
    fn no_lists_allow_everything() {
        let mut c = PermissionChecker::new(&Permissions::default());
        assert!(c.can_publish("a.b"));
        assert!(c.can_subscribe(">", Some("q")));
        assert!(!c.deny_delivery("a"));
    }

    #[test]
    fn publish_deny_beats_allow() {
        let mut c = checker(&["p.>"], &["p.x"], &[], &[]);
        assert!(c.can_publish("p.a"));
        assert!(!c.can_publish("p.x"));
        assert!(!c.can_publish("p"));
        // Cached answers stay the same.
        assert!(!c.can_publish("p.x"));
        assert!(c.can_publish("p.a"));
    }

    #[test]
    fn empty_publish_allow_list_allows_nothing() {
        let mut c = PermissionChecker::new(&Permissions {
            publish: Some(SubjectPermission {
                allow: Some(vec![]),
                deny: None,
            }),
            ..Default::default()
        });
        assert!(!c.can_publish("anything"));
    }

    // The cases below were replayed against nats-server 2.15.1 with allow
    // ["foo.*", "bar", "bar v1", "baz v.*"] and deny ["foo.secret"].
    fn replayed() -> PermissionChecker {
        checker(
            &[],
            &[],
            &["foo.*", "bar", "bar v1", "baz v.*"],
            &["foo.secret"],
        )
    }

    #[test]
    fn subscribe_subject_wildcards_are_tokens() {
        let c = replayed();
        assert!(
            c.can_subscribe("foo.>", None),
            "allow foo.* permits SUB foo.>"
        );
        assert!(c.can_subscribe("foo.*", None));
        assert!(!c.can_subscribe(">", None));
        assert!(!c.can_subscribe("foo.secret", None));
    }

    #[test]
    fn queue_entries_decide_for_queue_subscriptions() {
        let c = replayed();
        assert!(c.can_subscribe("bar", None));
        assert!(
            !c.can_subscribe("bar", Some("v2")),
            "a matching queue entry overrides"
        );
        assert!(c.can_subscribe("bar", Some("v1")));
        assert!(
            !c.can_subscribe("baz", None),
            "a queue entry alone does not permit plain subs"
        );
        assert!(
            c.can_subscribe("baz", Some("v.x")),
            "queue names match as subjects"
        );
        assert!(!c.can_subscribe("baz", Some("v")));
        assert!(
            c.can_subscribe("foo.bar", Some("q")),
            "no queue entry: plain allow decides"
        );
    }

    #[test]
    fn queue_deny_entries() {
        let c = checker(&[], &[], &[], &["foo v1"]);
        assert!(c.can_subscribe("foo", None));
        assert!(c.can_subscribe("foo", Some("v2")));
        assert!(!c.can_subscribe("foo", Some("v1")));
    }

    #[test]
    fn wildcard_subscriptions_over_denied_subjects_filter_deliveries() {
        let c = replayed();
        assert!(c.needs_delivery_filter("foo.*"));
        assert!(c.needs_delivery_filter("foo.>"));
        assert!(!c.needs_delivery_filter("foo.bar"));
        assert!(!c.needs_delivery_filter("bar.*"));
        assert!(c.deny_delivery("foo.secret"));
        assert!(!c.deny_delivery("foo.public"));
    }

    #[test]
    fn subscribe_empty_allow_is_unrestricted() {
        let c = PermissionChecker::new(&Permissions {
            subscribe: Some(SubjectPermission {
                allow: Some(vec![]),
                deny: None,
            }),
            ..Default::default()
        });
        assert!(c.can_subscribe("x", None));
    }

    #[test]
    fn replies_pass_through_the_tracker() {
        let p = Permissions {
            publish: Some(SubjectPermission {
                allow: Some(vec![]),
                deny: None,
            }),
            response: Some(ResponsePermission::default()),
            ..Default::default()
        };
        let mut c = PermissionChecker::new(&p);
        let mut t = ResponseTracker::new(c.response_permission().unwrap_or_default());
        let now = std::time::Instant::now();
        assert!(!c.can_publish_or_reply("_INBOX.1", Some(&mut t), now));
        t.record_request("_INBOX.1", now);
        assert!(c.can_publish_or_reply("_INBOX.1", Some(&mut t), now));
        assert!(!c.can_publish_or_reply("_INBOX.1", Some(&mut t), now));
        assert!(!c.can_publish_or_reply("foo", None, now));
    }
}

#[cfg(test)]
mod proptests {
    //! The checker against a naive model: an independent recursive matcher and the rules
    //! written out plainly, over random lists, subjects and repeated (cached) queries.
    use super::*;
    use crate::SubjectPermission;
    use proptest::prelude::*;

    fn model_match(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (Some(&">"), Some(_)) => true,
            (Some(&"*"), Some(_)) => model_match(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => model_match(&p[1..], &s[1..]),
            (None, None) => true,
            _ => false,
        }
    }

    fn m(p: &str, s: &str) -> bool {
        let p: Vec<&str> = p.split('.').collect();
        let s: Vec<&str> = s.split('.').collect();
        model_match(&p, &s)
    }

    fn model_publish(allow: &Option<Vec<String>>, deny: &[String], s: &str) -> bool {
        let allowed = match allow {
            None => true,
            Some(l) => l.iter().any(|p| m(p, s)),
        };
        allowed && !deny.iter().any(|p| m(p, s))
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("c".to_string()),
            Just("*".to_string()),
            Just(">".to_string()),
        ]
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(token(), 1..4).prop_map(|t| {
            // '>' only last, as validation guarantees.
            let mut out: Vec<String> = Vec::new();
            for (i, tok) in t.iter().enumerate() {
                if tok == ">" && i + 1 != t.len() {
                    out.push("a".into());
                } else {
                    out.push(tok.clone());
                }
            }
            out.join(".")
        })
    }

    fn literal() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], 1..4)
            .prop_map(|t| t.join("."))
    }

    proptest! {
        #[test]
        fn publish_matches_the_model(
            allow in proptest::option::of(proptest::collection::vec(pattern(), 0..4)),
            deny in proptest::collection::vec(pattern(), 0..3),
            queries in proptest::collection::vec(literal(), 1..30),
        ) {
            let perms = Permissions {
                publish: Some(SubjectPermission {
                    allow: allow.clone(),
                    deny: if deny.is_empty() { None } else { Some(deny.clone()) },
                }),
                ..Default::default()
            };
            let mut c = PermissionChecker::new(&perms);
            for q in queries.iter().chain(queries.iter()) {
                prop_assert_eq!(c.can_publish(q), model_publish(&allow, &deny, q), "{}", q);
            }
        }

        #[test]
        fn plain_subscribe_matches_the_model(
            allow in proptest::collection::vec(pattern(), 0..4),
            deny in proptest::collection::vec(pattern(), 0..3),
            queries in proptest::collection::vec(pattern(), 1..20),
        ) {
            let perms = Permissions {
                subscribe: Some(SubjectPermission {
                    allow: if allow.is_empty() { None } else { Some(allow.clone()) },
                    deny: if deny.is_empty() { None } else { Some(deny.clone()) },
                }),
                ..Default::default()
            };
            let c = PermissionChecker::new(&perms);
            for q in &queries {
                let allowed = (allow.is_empty() || allow.iter().any(|p| m(p, q)))
                    && !deny.iter().any(|p| m(p, q));
                prop_assert_eq!(c.can_subscribe(q, None), allowed, "{}", q);
                // Deliveries on a literal the filter drops are exactly the denied ones.
                if !has_wildcards(q.as_bytes()) {
                    prop_assert_eq!(c.deny_delivery(q), deny.iter().any(|p| m(p, q)));
                }
            }
        }
    }
}
