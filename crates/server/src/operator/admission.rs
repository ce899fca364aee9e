//! Which accounts may log users in, and who a client without a JWT is:
//! `resolver_pinned_accounts` and `default_sentinel`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use rnats_auth::jwt;
use rnats_conf::Value;

use super::{raw, strings};
use crate::options::Options;

/// The login rules of operator mode that are not in any JWT.
#[derive(Debug, Default)]
pub struct Admission {
    /// `resolver_pinned_accounts`: only users of these accounts (and of the system account)
    /// may log in. `None` = every account.
    pub pinned: Option<HashSet<String>>,
    /// `default_sentinel`: the bearer user JWT of a client whose CONNECT has no JWT.
    pub default_sentinel: Option<String>,
    /// Logins refused because their account is not pinned (varz `pinned_account_fails`).
    failures: AtomicU64,
}

impl Admission {
    /// Reads and checks both options.
    ///
    /// # Errors
    /// The original's words: `pinned account key "…" is not a valid public account nkey`,
    /// `default sentinel JWT not valid`, `default sentinel must be a bearer token`.
    pub fn from_options(opts: &Options, system_account: Option<&str>) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let pinned = raw(opts, "resolver_pinned_accounts").map(|v| {
            let listed = strings(v);
            if let Some(bad) = listed.iter().find(|key| !is_account_key(key)) {
                errors.push(format!(
                    "pinned account key {bad:?} is not a valid public account nkey"
                ));
            }
            let mut keys: HashSet<String> = listed.into_iter().collect();
            // The original always lets the system account in.
            keys.extend(system_account.map(str::to_string));
            keys
        });
        let default_sentinel = raw(opts, "default_sentinel")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(token) = &default_sentinel {
            match jwt::decode_user(token) {
                Err(_) => errors.push("default sentinel JWT not valid".into()),
                Ok(user) if !user.nats.limits.bearer_token => {
                    errors.push("default sentinel must be a bearer token".into());
                }
                Ok(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(Self {
                pinned,
                default_sentinel,
                failures: AtomicU64::new(0),
            })
        } else {
            Err(errors)
        }
    }

    /// The account of the user JWT `token` when it is not pinned (its users may not log in);
    /// such a refusal is counted.
    pub fn unpinned(&self, token: Option<&str>) -> Option<String> {
        self.pinned.as_ref()?;
        let user = jwt::decode_user(token?).ok()?;
        let account = if user.nats.issuer_account.is_empty() {
            user.iss
        } else {
            user.nats.issuer_account
        };
        if self.allows(&account) {
            return None;
        }
        self.failures.fetch_add(1, Ordering::Relaxed);
        Some(account)
    }

    /// How many logins were refused for an account not pinned.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// After a reload: the count goes on from the old rules'.
    pub fn inherit(&self, old: &Self) {
        self.failures.fetch_add(old.failures(), Ordering::Relaxed);
    }

    /// Whether users of `account` may log in.
    pub fn allows(&self, account: &str) -> bool {
        self.pinned.as_ref().is_none_or(|p| p.contains(account))
    }
}

/// `default_sentinel` outside operator mode: the original's refusal, if it is set.
pub fn sentinel_without_operator(opts: &Options) -> Option<String> {
    raw(opts, "default_sentinel").map(|_| "default sentinel requires operators and accounts".into())
}

fn is_account_key(key: &str) -> bool {
    key.starts_with('A') && nkeys::KeyPair::from_public_key(key).is_ok()
}
