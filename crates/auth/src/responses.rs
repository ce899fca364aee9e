//! `allow_responses`: which reply subjects a responder may still publish to.

use std::collections::HashMap;
use std::time::Instant;

use crate::ResponsePermission;

/// Past this many remembered replies, spent and expired ones are pruned (the original's
/// `replyPermLimit`); if that is not enough the oldest go, to bound memory.
pub const REPLY_LIMIT: usize = 4096;

/// Per-connection record of reply subjects received. Time is passed in; nothing here reads a
/// clock.
#[derive(Debug)]
pub struct ResponseTracker {
    permission: ResponsePermission,
    /// reply subject -> (when the request was delivered, responses sent since).
    replies: HashMap<String, (Instant, u32)>,
}

impl ResponseTracker {
    pub fn new(permission: ResponsePermission) -> Self {
        ResponseTracker {
            permission,
            replies: HashMap::new(),
        }
    }

    /// A message with reply subject `reply` was delivered to this connection at `now`.
    /// A repeated reply subject starts afresh.
    pub fn record_request(&mut self, reply: &str, now: Instant) {
        if reply.is_empty() {
            return;
        }
        self.replies.insert(reply.to_string(), (now, 0));
        if self.replies.len() > REPLY_LIMIT {
            self.prune(now);
        }
    }

    /// Whether publishing to `subject` at `now` is a permitted response; counts it if so.
    pub fn allow_reply(&mut self, subject: &str, now: Instant) -> bool {
        let Some((at, sent)) = self.replies.get_mut(subject) else {
            return false;
        };
        *sent = sent.saturating_add(1);
        let over = self.permission.max_msgs.is_some_and(|max| *sent > max);
        let expired = self
            .permission
            .expires
            .is_some_and(|ttl| now.saturating_duration_since(*at) > ttl);
        if over || expired {
            self.replies.remove(subject);
            return false;
        }
        true
    }

    /// How many reply subjects are remembered.
    pub fn len(&self) -> usize {
        self.replies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.replies.is_empty()
    }

    fn prune(&mut self, now: Instant) {
        let p = self.permission;
        self.replies.retain(|_, (at, sent)| {
            let spent = p.max_msgs.is_some_and(|max| *sent >= max);
            let expired = p
                .expires
                .is_some_and(|ttl| now.saturating_duration_since(*at) > ttl);
            !spent && !expired
        });
        if self.replies.len() > REPLY_LIMIT {
            let mut by_age: Vec<(Instant, String)> = self
                .replies
                .iter()
                .map(|(k, (at, _))| (*at, k.clone()))
                .collect();
            by_age.sort();
            let excess = self.replies.len() - REPLY_LIMIT;
            for (_, k) in by_age.into_iter().take(excess) {
                self.replies.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn perm(max: Option<u32>, secs: Option<u64>) -> ResponsePermission {
        ResponsePermission {
            max_msgs: max,
            expires: secs.map(Duration::from_secs),
        }
    }

    #[test]
    fn default_allows_one_response_per_request() {
        let now = Instant::now();
        let mut t = ResponseTracker::new(ResponsePermission::default());
        assert!(!t.allow_reply("_INBOX.a", now), "never received");
        t.record_request("_INBOX.a", now);
        assert!(t.allow_reply("_INBOX.a", now));
        assert!(!t.allow_reply("_INBOX.a", now));
        assert!(t.is_empty());
    }

    #[test]
    fn max_two_allows_exactly_two() {
        let now = Instant::now();
        let mut t = ResponseTracker::new(perm(Some(2), None));
        t.record_request("r", now);
        assert!(t.allow_reply("r", now));
        assert!(t.allow_reply("r", now));
        assert!(!t.allow_reply("r", now));
    }

    #[test]
    fn responses_expire() {
        let now = Instant::now();
        let mut t = ResponseTracker::new(perm(None, Some(60)));
        t.record_request("r", now);
        assert!(t.allow_reply("r", now + Duration::from_secs(60)));
        assert!(!t.allow_reply("r", now + Duration::from_secs(61)));
    }

    #[test]
    fn unlimited_never_runs_out() {
        let now = Instant::now();
        let mut t = ResponseTracker::new(perm(None, None));
        t.record_request("r", now);
        for i in 0..1000 {
            assert!(t.allow_reply("r", now + Duration::from_secs(i * 3600)));
        }
    }

    #[test]
    fn memory_is_bounded() {
        let now = Instant::now();
        let mut t = ResponseTracker::new(perm(None, None));
        for i in 0..(REPLY_LIMIT + 100) {
            t.record_request(&format!("r.{i}"), now + Duration::from_nanos(i as u64));
        }
        assert!(t.len() <= REPLY_LIMIT);
        assert!(t.allow_reply(&format!("r.{}", REPLY_LIMIT + 99), now));
    }
}
