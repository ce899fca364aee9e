//! `/subsz`: the subscription index and its counters.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use rnats_subject::validate;
use serde::Serialize;

use super::connz::{lossy, parse_bool, parse_number, SubDetail, DEFAULT_LIMIT};
use super::format::timestamp;
use super::{BadRequest, Monitor};
use crate::account::Account;
use crate::subscription::SubRef;

/// The query of `/subsz`.
#[derive(Debug, Clone, Default)]
pub struct SubszOptions {
    /// List the subscriptions, not only the counters.
    pub subs: bool,
    pub offset: usize,
    /// 0 means the default (1024).
    pub limit: usize,
    /// Only subscriptions a publish to this subject would reach.
    pub test: Option<String>,
}

impl SubszOptions {
    /// Reads the query parameters.
    ///
    /// # Errors
    /// A number that does not parse; a `test` subject that is not a valid publish subject.
    pub fn from_query(q: &HashMap<String, String>) -> Result<Self, BadRequest> {
        let test = match q.get("test").map(String::as_str) {
            None | Some("") => None,
            Some(t) if validate::is_valid_literal(t.as_bytes()) => Some(t.to_owned()),
            Some(t) => {
                return Err(BadRequest(format!(
                    "invalid test subject, must be valid publish subject: {t}"
                )))
            }
        };
        Ok(Self {
            subs: q.get("subs").is_some_and(|v| parse_bool(v)),
            offset: parse_number(q, "offset")?,
            limit: parse_number(q, "limit")?,
            test,
        })
    }
}

/// The counters of an account's subscription index (the original's sublist stats).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SublistStats {
    pub num_subscriptions: usize,
    /// Match results cached. rnats caches per connection, so the shared index has none.
    pub num_cache: usize,
    pub num_inserts: u64,
    pub num_removes: u64,
    pub num_matches: u64,
    pub cache_hit_rate: f64,
    pub max_fanout: u64,
    pub avg_fanout: f64,
}

impl SublistStats {
    pub fn of(account: &Account) -> Self {
        let s = &account.trie_stats;
        let matches = s.matches.load(Ordering::Relaxed);
        let fanout = s.fanout_total.load(Ordering::Relaxed);
        Self {
            num_subscriptions: account.subscription_count(),
            num_cache: 0,
            num_inserts: s.inserts.load(Ordering::Relaxed),
            num_removes: s.removes.load(Ordering::Relaxed),
            num_matches: matches,
            cache_hit_rate: 0.0,
            max_fanout: s.fanout_max.load(Ordering::Relaxed),
            avg_fanout: if matches == 0 {
                0.0
            } else {
                fanout as f64 / matches as f64
            },
        }
    }
}

/// The `/subsz` snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Subsz {
    pub server_id: String,
    pub now: String,
    #[serde(flatten)]
    pub stats: SublistStats,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions_list: Option<Vec<SubDetail>>,
}

impl Monitor {
    /// Builds `/subsz`.
    pub fn subsz(&self, opts: &SubszOptions) -> Subsz {
        let account = &self.server.global;
        let limit = if opts.limit == 0 {
            DEFAULT_LIMIT
        } else {
            opts.limit
        };
        let (total, list) = if opts.subs {
            let mut subs: Vec<SubRef> = Vec::new();
            match &opts.test {
                Some(subject) => {
                    let (_, matched) = account.matches(subject.as_bytes());
                    subs.extend(matched.plain.iter().cloned());
                    for (_, members) in &matched.queues {
                        subs.extend(members.iter().cloned());
                    }
                }
                None => account.for_each_subscription(|s| subs.push(s.clone())),
            }
            let total = subs.len();
            let list: Vec<SubDetail> = subs
                .iter()
                .skip(opts.offset)
                .take(limit)
                .map(|s| detail(account, s))
                .collect();
            (total, (!list.is_empty()).then_some(list))
        } else {
            (0, None)
        };
        Subsz {
            server_id: self.server.server_id.clone(),
            now: timestamp(SystemTime::now()),
            stats: SublistStats::of(account),
            total,
            offset: opts.offset,
            limit,
            subscriptions_list: list,
        }
    }
}

fn detail(account: &Account, sub: &SubRef) -> SubDetail {
    SubDetail {
        account: account.name.clone(),
        account_tag: account.name.clone(),
        subject: lossy(&sub.subject),
        qgroup: sub.queue.as_deref().map(lossy),
        sid: lossy(&sub.sid),
        msgs: sub.delivered(),
        cid: sub.client.id,
    }
}
