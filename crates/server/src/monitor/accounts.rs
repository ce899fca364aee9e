//! `/accountz` and `/accstatz`.
//!
//! Per-account figures sum the connections bound to each account.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde::Serialize;

use super::connz::parse_bool;
use super::format::timestamp;
use super::subsz::SublistStats;
use super::{BadRequest, Monitor};
use crate::account::Account;
use crate::stats::ServerStats;

/// The `/accountz` snapshot: the account names, or one account's detail with `?acc=`.
#[derive(Debug, Clone, Serialize)]
pub struct Accountz {
    pub server_id: String,
    pub now: String,
    pub system_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_detail: Option<AccountDetail>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountDetail {
    pub account_name: String,
    pub update_time: String,
    pub expired: bool,
    pub complete: bool,
    pub jetstream_enabled: bool,
    pub leafnode_connections: usize,
    pub client_connections: usize,
    pub subscriptions: usize,
    pub name_tag: String,
    pub sublist_stats: SublistStats,
}

/// Messages and bytes, as the original counts them per direction and connection kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MsgBytes {
    pub msgs: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DataStats {
    pub msgs: u64,
    pub bytes: u64,
    pub gateways: MsgBytes,
    pub routes: MsgBytes,
    pub leafs: MsgBytes,
}

/// One account's totals.
#[derive(Debug, Clone, Serialize)]
pub struct AccountStat {
    pub acc: String,
    pub name: String,
    pub conns: usize,
    pub leafnodes: usize,
    pub total_conns: usize,
    pub num_subscriptions: usize,
    pub sent: DataStats,
    pub received: DataStats,
    pub slow_consumers: u64,
}

/// The `/accstatz` snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Accstatz {
    pub server_id: String,
    pub now: String,
    pub account_statz: Vec<AccountStat>,
}

impl Monitor {
    /// Every account, by name.
    pub(super) fn accounts(&self) -> Vec<std::sync::Arc<Account>> {
        let security = self.server.security();
        let mut accounts: Vec<_> = security.accounts().values().cloned().collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        accounts
    }

    /// Builds `/accountz`; `acc` asks for one account's detail.
    ///
    /// # Errors
    /// `acc` names no account.
    pub fn accountz(&self, acc: Option<&str>) -> Result<Accountz, BadRequest> {
        let mut z = Accountz {
            server_id: self.server.server_id.clone(),
            now: timestamp(SystemTime::now()),
            system_account: self.server.security().system_account.clone(),
            accounts: None,
            account_detail: None,
        };
        match acc {
            None | Some("") => {
                z.accounts = Some(self.accounts().iter().map(|a| a.name.clone()).collect());
            }
            Some(name) => {
                let account = self
                    .accounts()
                    .into_iter()
                    .find(|a| a.name == name)
                    .ok_or_else(|| BadRequest(format!("Account {name} does not exist")))?;
                let stat = self.account_stat(&account);
                z.account_detail = Some(AccountDetail {
                    account_name: account.name.clone(),
                    update_time: timestamp(self.server.started),
                    expired: false,
                    complete: true,
                    jetstream_enabled: false,
                    leafnode_connections: 0,
                    client_connections: stat.conns,
                    subscriptions: stat.num_subscriptions,
                    name_tag: account.name.clone(),
                    sublist_stats: SublistStats::of(&account),
                });
            }
        }
        Ok(z)
    }

    /// One account's totals (summed over its clients).
    pub fn account_stat(&self, account: &Account) -> AccountStat {
        let clients: Vec<_> = self
            .server
            .clients()
            .into_iter()
            .filter(|c| c.account_name() == account.name)
            .collect();
        let sum = |f: fn(&crate::client::Counters) -> &AtomicU64| -> u64 {
            clients
                .iter()
                .map(|c| f(&c.counters).load(Ordering::Relaxed))
                .sum()
        };
        AccountStat {
            acc: account.name.clone(),
            name: account.name.clone(),
            conns: clients.len(),
            leafnodes: 0,
            total_conns: clients.len(),
            num_subscriptions: account.subscription_count(),
            sent: DataStats {
                msgs: sum(|c| &c.out_msgs),
                bytes: sum(|c| &c.out_bytes),
                ..DataStats::default()
            },
            received: DataStats {
                msgs: sum(|c| &c.in_msgs),
                bytes: sum(|c| &c.in_bytes),
                ..DataStats::default()
            },
            slow_consumers: ServerStats::get(&self.server.stats.slow_consumers),
        }
    }

    /// Builds `/accstatz`: accounts with connections, or all of them with `unused`.
    pub fn accstatz(&self, unused: bool) -> Accstatz {
        let account_statz = self
            .accounts()
            .into_iter()
            .map(|a| self.account_stat(&a))
            .filter(|s| unused || s.conns > 0)
            .collect();
        Accstatz {
            server_id: self.server.server_id.clone(),
            now: timestamp(SystemTime::now()),
            account_statz,
        }
    }
}

/// `unused=1` of `/accstatz`.
pub fn unused_flag(q: &HashMap<String, String>) -> bool {
    q.get("unused").is_some_and(|v| parse_bool(v))
}
