//! `/connz`: open connections and the ring of closed ones.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::format::{go_duration, timestamp, uptime};
use super::{BadRequest, ClosedClient, Monitor};
use crate::account::GLOBAL_ACCOUNT;
use crate::client::Client;

/// How many connections a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 1024;

/// The order of `/connz`'s list. Everything sorts largest first except `cid`, `start` and
/// `reason`, as in the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Cid,
    Start,
    Subs,
    Pending,
    MsgsTo,
    MsgsFrom,
    BytesTo,
    BytesFrom,
    Last,
    Idle,
    Uptime,
    Stop,
    Reason,
    Rtt,
}

impl SortBy {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" | "cid" => Self::Cid,
            "start" => Self::Start,
            "subs" => Self::Subs,
            "pending" => Self::Pending,
            "msgs_to" => Self::MsgsTo,
            "msgs_from" => Self::MsgsFrom,
            "bytes_to" => Self::BytesTo,
            "bytes_from" => Self::BytesFrom,
            "last" => Self::Last,
            "idle" => Self::Idle,
            "uptime" => Self::Uptime,
            "stop" => Self::Stop,
            "reason" => Self::Reason,
            "rtt" => Self::Rtt,
            _ => return None,
        })
    }

    fn closed_only(self) -> bool {
        matches!(self, Self::Stop | Self::Reason)
    }
}

/// Which connections `/connz` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnState {
    #[default]
    Open,
    Closed,
    All,
}

/// How much of each connection's subscriptions to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubsShown {
    #[default]
    None,
    Subjects,
    Detail,
}

/// The query of `/connz`.
#[derive(Debug, Clone, Default)]
pub struct ConnzOptions {
    pub sort: SortBy,
    pub subs: SubsShown,
    pub auth: bool,
    pub offset: usize,
    /// 0 means [`DEFAULT_LIMIT`].
    pub limit: usize,
    pub state: ConnState,
    pub cid: Option<u64>,
}

impl ConnzOptions {
    /// Reads the query parameters, with the original's error texts.
    ///
    /// # Errors
    /// An unknown sort or state, a number that does not parse, a sort only closed
    /// connections have asked of open ones.
    pub fn from_query(q: &HashMap<String, String>) -> Result<Self, BadRequest> {
        let get = |k: &str| q.get(k).map_or("", String::as_str);
        let sort = SortBy::parse(get("sort"))
            .ok_or_else(|| BadRequest(format!("invalid sorting option: {}", get("sort"))))?;
        let subs = match get("subs") {
            "detail" => SubsShown::Detail,
            v if parse_bool(v) => SubsShown::Subjects,
            _ => SubsShown::None,
        };
        let state = match get("state") {
            "" | "open" => ConnState::Open,
            "closed" => ConnState::Closed,
            "all" | "any" => ConnState::All,
            other => return Err(BadRequest(format!("Error decoding state for {other}"))),
        };
        if state == ConnState::Open && sort.closed_only() {
            return Err(BadRequest(format!(
                "sort by {} only valid on closed connections",
                get("sort")
            )));
        }
        let cid = match parse_number(q, "cid")? {
            0 => None,
            n => Some(n as u64),
        };
        Ok(Self {
            sort,
            subs,
            auth: parse_bool(get("auth")),
            offset: parse_number(q, "offset")?,
            limit: parse_number(q, "limit")?,
            state,
            cid,
        })
    }
}

/// Go's `strconv.ParseBool` truths.
pub(crate) fn parse_bool(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// A non-negative integer parameter; absent is 0.
pub(crate) fn parse_number(q: &HashMap<String, String>, key: &str) -> Result<usize, BadRequest> {
    match q.get(key).map(String::as_str) {
        None | Some("") => Ok(0),
        Some(v) => v.parse::<i64>().map(|n| n.max(0) as usize).map_err(|_| {
            BadRequest(format!(
                "Error decoding {key}: strconv.Atoi: parsing {v:?}: invalid syntax"
            ))
        }),
    }
}

/// One subscription as `/connz?subs=detail` and `/subsz?subs=1` show it.
#[derive(Debug, Clone, Serialize)]
pub struct SubDetail {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_tag: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qgroup: Option<String>,
    pub sid: String,
    pub msgs: u64,
    pub cid: u64,
}

/// One connection in `/connz`.
#[derive(Debug, Clone, Serialize)]
pub struct ConnInfo {
    pub cid: u64,
    pub kind: &'static str,
    #[serde(rename = "type")]
    pub conn_type: &'static str,
    pub ip: String,
    pub port: u16,
    pub start: String,
    pub last_activity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt: Option<String>,
    pub uptime: String,
    pub idle: String,
    pub pending_bytes: usize,
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub in_bytes: u64,
    pub out_bytes: u64,
    pub subscriptions: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authorized_user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions_list: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions_list_detail: Option<Vec<SubDetail>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_tag: String,
    /// Raw values the sorts use.
    #[serde(skip)]
    keys: SortKeys,
}

#[derive(Debug, Clone)]
struct SortKeys {
    start: SystemTime,
    last: SystemTime,
    stop: Option<SystemTime>,
    rtt: Duration,
}

/// The `/connz` snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Connz {
    pub server_id: String,
    pub now: String,
    pub num_connections: usize,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub connections: Vec<ConnInfo>,
}

impl Monitor {
    /// Builds `/connz`.
    pub fn connz(&self, opts: &ConnzOptions) -> Connz {
        let now = SystemTime::now();
        let mut limit = if opts.limit == 0 {
            DEFAULT_LIMIT
        } else {
            opts.limit
        };
        let want_open = opts.state != ConnState::Closed;
        let want_closed = opts.state != ConnState::Open;
        let mut conns = Vec::new();
        if want_open {
            let mut clients = self.server.clients();
            clients.retain(|c| opts.cid.is_none_or(|cid| c.id == cid));
            conns.extend(clients.iter().map(|c| open_info(c, now, opts)));
        }
        if want_closed {
            let closed = self.server.closed_clients.snapshot();
            conns.extend(
                closed
                    .iter()
                    .filter(|c| opts.cid.is_none_or(|cid| c.id == cid))
                    .map(|c| closed_info(c, opts)),
            );
        }
        if opts.cid.is_some() {
            limit = 1;
        }
        sort(&mut conns, opts.sort, now);
        let total = conns.len();
        let connections: Vec<ConnInfo> = conns.into_iter().skip(opts.offset).take(limit).collect();
        Connz {
            server_id: self.server.server_id.clone(),
            now: timestamp(now),
            num_connections: connections.len(),
            total,
            offset: opts.offset,
            limit,
            connections,
        }
    }
}

fn sort(conns: &mut [ConnInfo], by: SortBy, now: SystemTime) {
    let age = |t: SystemTime| now.duration_since(t).unwrap_or_default();
    let lifetime = |c: &ConnInfo| {
        c.keys
            .stop
            .unwrap_or(now)
            .duration_since(c.keys.start)
            .unwrap_or_default()
    };
    match by {
        SortBy::Cid | SortBy::Start => conns.sort_by_key(|c| c.cid),
        SortBy::Subs => conns.sort_by_key(|c| Reverse(c.subscriptions)),
        SortBy::Pending => conns.sort_by_key(|c| Reverse(c.pending_bytes)),
        SortBy::MsgsTo => conns.sort_by_key(|c| Reverse(c.out_msgs)),
        SortBy::MsgsFrom => conns.sort_by_key(|c| Reverse(c.in_msgs)),
        SortBy::BytesTo => conns.sort_by_key(|c| Reverse(c.out_bytes)),
        SortBy::BytesFrom => conns.sort_by_key(|c| Reverse(c.in_bytes)),
        SortBy::Last => conns.sort_by_key(|c| Reverse(c.keys.last)),
        SortBy::Idle => conns.sort_by_key(|c| Reverse(age(c.keys.last))),
        SortBy::Uptime => conns.sort_by_key(|c| Reverse(lifetime(c))),
        SortBy::Stop => conns.sort_by_key(|c| Reverse(c.keys.stop)),
        SortBy::Reason => conns.sort_by(|a, b| a.reason.cmp(&b.reason)),
        SortBy::Rtt => conns.sort_by_key(|c| Reverse(c.keys.rtt)),
    }
}

fn open_info(client: &Client, now: SystemTime, opts: &ConnzOptions) -> ConnInfo {
    let meta = client.meta.lock().clone();
    let c = &client.counters;
    let last = client.last_activity();
    let subs: Vec<_> = client.subscriptions.lock().values().cloned().collect();
    let (subscriptions_list, subscriptions_list_detail) = match opts.subs {
        _ if subs.is_empty() => (None, None),
        SubsShown::None => (None, None),
        SubsShown::Subjects => (Some(subs.iter().map(|s| lossy(&s.subject)).collect()), None),
        SubsShown::Detail => (
            None,
            Some(
                subs.iter()
                    .map(|s| SubDetail {
                        // The original leaves the account out for open connections.
                        account: String::new(),
                        account_tag: String::new(),
                        subject: lossy(&s.subject),
                        qgroup: s.queue.as_deref().map(lossy),
                        sid: lossy(&s.sid),
                        msgs: s.delivered(),
                        cid: client.id,
                    })
                    .collect(),
            ),
        ),
    };
    let rtt = client.rtt();
    ConnInfo {
        cid: client.id,
        kind: "Client",
        conn_type: "nats",
        ip: client.addr.ip().to_string(),
        port: client.addr.port(),
        start: timestamp(client.started),
        last_activity: timestamp(last),
        stop: None,
        reason: None,
        rtt: rtt.map(go_duration),
        uptime: uptime(now.duration_since(client.started).unwrap_or_default()),
        idle: uptime(now.duration_since(last).unwrap_or_default()),
        pending_bytes: client.pending_bytes(),
        in_msgs: c.in_msgs.load(Ordering::Relaxed),
        out_msgs: c.out_msgs.load(Ordering::Relaxed),
        in_bytes: c.in_bytes.load(Ordering::Relaxed),
        out_bytes: c.out_bytes.load(Ordering::Relaxed),
        subscriptions: subs.len(),
        name: meta.name,
        lang: meta.lang,
        version: meta.version,
        authorized_user: String::new(),
        account: String::new(),
        subscriptions_list,
        subscriptions_list_detail,
        name_tag: if opts.auth {
            GLOBAL_ACCOUNT.into()
        } else {
            String::new()
        },
        keys: SortKeys {
            start: client.started,
            last,
            stop: None,
            rtt: rtt.unwrap_or_default(),
        },
    }
}

fn closed_info(closed: &ClosedClient, opts: &ConnzOptions) -> ConnInfo {
    let subs = &closed.subscriptions;
    let (subscriptions_list, subscriptions_list_detail) = match opts.subs {
        _ if subs.is_empty() => (None, None),
        SubsShown::None => (None, None),
        SubsShown::Subjects => (Some(subs.iter().map(|s| lossy(&s.subject)).collect()), None),
        SubsShown::Detail => (
            None,
            Some(
                subs.iter()
                    .map(|s| SubDetail {
                        account: closed.account.clone(),
                        account_tag: closed.account.clone(),
                        subject: lossy(&s.subject),
                        qgroup: s.queue.as_deref().map(lossy),
                        sid: lossy(&s.sid),
                        msgs: s.delivered,
                        cid: closed.id,
                    })
                    .collect(),
            ),
        ),
    };
    let since = |t: SystemTime| closed.stopped.duration_since(t).unwrap_or_default();
    ConnInfo {
        cid: closed.id,
        kind: "Client",
        conn_type: "nats",
        ip: closed.addr.ip().to_string(),
        port: closed.addr.port(),
        start: timestamp(closed.started),
        last_activity: timestamp(closed.last_activity),
        stop: Some(timestamp(closed.stopped)),
        reason: Some(closed.reason.as_str().to_owned()),
        rtt: closed.rtt.map(go_duration),
        uptime: uptime(since(closed.started)),
        idle: uptime(since(closed.last_activity)),
        pending_bytes: 0,
        in_msgs: closed.in_msgs,
        out_msgs: closed.out_msgs,
        in_bytes: closed.in_bytes,
        out_bytes: closed.out_bytes,
        subscriptions: subs.len(),
        name: closed.meta.name.clone(),
        lang: closed.meta.lang.clone(),
        version: closed.meta.version.clone(),
        authorized_user: String::new(),
        account: String::new(),
        subscriptions_list,
        subscriptions_list_detail,
        name_tag: if opts.auth {
            closed.account.clone()
        } else {
            String::new()
        },
        keys: SortKeys {
            start: closed.started,
            last: closed.last_activity,
            stop: Some(closed.stopped),
            rtt: closed.rtt.unwrap_or_default(),
        },
    }
}

pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn options_default_to_open_connections_by_cid() {
        let o = ConnzOptions::from_query(&query(&[])).unwrap();
        assert_eq!(o.sort, SortBy::Cid);
        assert_eq!(o.state, ConnState::Open);
        assert_eq!(o.subs, SubsShown::None);
        assert_eq!(o.limit, 0);
    }

    #[test]
    fn options_reject_what_the_original_rejects() {
        let err = |q: &[(&str, &str)]| ConnzOptions::from_query(&query(q)).unwrap_err().0;
        assert_eq!(err(&[("sort", "bogus")]), "invalid sorting option: bogus");
        assert_eq!(
            err(&[("sort", "stop")]),
            "sort by stop only valid on closed connections"
        );
        assert_eq!(err(&[("state", "bogus")]), "Error decoding state for bogus");
        assert!(err(&[("limit", "x")]).starts_with("Error decoding limit"));
    }

    #[test]
    fn subs_detail_and_closed_sorts_parse() {
        let o = ConnzOptions::from_query(&query(&[
            ("subs", "detail"),
            ("state", "closed"),
            ("sort", "reason"),
            ("cid", "7"),
        ]))
        .unwrap();
        assert_eq!(o.subs, SubsShown::Detail);
        assert_eq!(o.sort, SortBy::Reason);
        assert_eq!(o.cid, Some(7));
    }
}
