//! What a config reload may change in operator mode, as the original decides.
//!
//! - `operator`, `trusted` and `system_account` (also the system account an operator JWT
//!   names) need a restart: `config reload not supported for TrustedOperators|TrustedKeys|
//!   SystemAccount: old=…, new=…`.
//! - `resolver` (even its type), `resolver_preload`, `resolver_pinned_accounts` and
//!   `default_sentinel` are applied: the trust is built again from the new options (accounts
//!   the URL resolver fetched are kept, see [`super::fetch::carry_over`]).

use rnats_auth::jwt::OperatorClaims;
use rnats_conf::Value;

use super::{load_operator, raw, strings};
use crate::config::reload::Change;
use crate::options::Options;
use crate::security::Security;

/// The changes of `old` → `new` that refuse the reload.
pub fn refusals(old: &Options, new: &Options) -> Vec<Change> {
    let mut changes = Vec::new();
    let (old_ops, new_ops) = (operators(old), operators(new));
    if old_ops != new_ops {
        changes.push(Change::Restart {
            option: "TrustedOperators",
            old: claims_list(&old_ops),
            new: claims_list(&new_ops),
        });
    }
    let keys = |o: &Options| raw(o, "trusted").map(strings).unwrap_or_default();
    if keys(old) != keys(new) {
        changes.push(Change::Restart {
            option: "TrustedKeys",
            old: format!("[{}]", keys(old).join(" ")),
            new: format!("[{}]", keys(new).join(" ")),
        });
    }
    let (old_sys, new_sys) = (system_account(old, &old_ops), system_account(new, &new_ops));
    if old_sys != new_sys {
        changes.push(Change::Restart {
            option: "SystemAccount",
            old: old_sys,
            new: new_sys,
        });
    }
    changes
}

/// What the reloaded trust takes over from the running one: the accounts the URL resolver
/// fetched, and the count of logins refused for unpinned accounts.
pub fn carry_over(old: &Security, new: Security) -> Security {
    if let (Some(o), Some(n)) = (&old.trust, &new.trust) {
        n.admission.inherit(&o.admission);
    }
    super::fetch::carry_over(old, new)
}

/// The operator JWTs of `opts`; ones that do not load are left to the reload's validation.
fn operators(opts: &Options) -> Vec<OperatorClaims> {
    raw(opts, "operator")
        .map(strings)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| load_operator(item).ok())
        .collect()
}

/// `system_account`, else the one the operator JWT names (empty when neither).
fn system_account(opts: &Options, operators: &[OperatorClaims]) -> String {
    opts.raw
        .system_account
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            operators
                .iter()
                .map(|o| o.nats.system_account.clone())
                .find(|s| !s.is_empty())
        })
        .unwrap_or_default()
}

/// The claims as the original prints them: each as indented JSON, in brackets.
fn claims_list(operators: &[OperatorClaims]) -> String {
    let items: Vec<String> = operators
        .iter()
        .map(|o| serde_json::to_string_pretty(o).unwrap_or_default())
        .collect();
    format!("[{}]", items.join(" "))
}
