//! Operator mode (decentralized JWT auth): the trusted operators, the account resolver, and the
//! accounts built from account JWTs.
//!
//! - [`Trust`] is decoded from `operator`/`trusted`, `system_account`, `resolver`,
//!   `resolver_preload`, `resolver_pinned_accounts` and `default_sentinel` ([`admission`]).
//!   A config reload builds it again ([`reload`] says which changes it refuses): a `full`/`cache`
//!   resolver reads its directory again, so pushed JWTs survive; a URL resolver keeps what it
//!   fetched ([`fetch`]); a MEMORY resolver starts again from `resolver_preload`.
//! - [`resolver::Resolver`] holds the account JWTs by public key (in memory, and for the
//!   `full`/`cache` resolvers also in `<dir>/<A…>.jwt`).
//! - [`accounts`] turns the verified account JWTs into accounts: imports as
//!   [`crate::imports::Forward`]s, limits, revocations.
//! - [`users`] authenticates a CONNECT carrying a user JWT; [`times`] checks its connect
//!   windows, [`limits`] the account limits on live connections.
//!
//! A JWT update is applied by rebuilding the server's [`crate::security::Security`] snapshot
//! (accounts are reused by public key) and moving the security epoch, so every connection
//! re-checks its user JWT against the new account.

pub mod accounts;
pub mod admission;
pub mod fetch;
pub mod http;
pub mod limits;
pub mod reload;
pub mod resolver;
pub mod times;
pub mod users;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use rnats_auth::jwt::{self, OperatorClaims};
use rnats_conf::{Value, ValueKind};

use crate::options::Options;
use resolver::{Resolver, ResolverKind};

/// The operators the server trusts and where it finds account JWTs.
#[derive(Debug)]
pub struct Trust {
    /// Operator JWTs (from `operator`), plus bare keys from `trusted` as claims with only `sub`.
    pub operators: Vec<OperatorClaims>,
    /// The system account's public key (config `system_account`, else the operator's).
    pub system_account: Option<String>,
    pub resolver: Resolver,
    /// `resolver_pinned_accounts` and `default_sentinel`.
    pub admission: admission::Admission,
}

/// Unix seconds now (JWT times).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn raw<'a>(opts: &'a Options, name: &str) -> Option<&'a Value> {
    opts.raw
        .unsupported
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn strings(v: &Value) -> Vec<String> {
    match &v.kind {
        ValueKind::Str(s) => vec![s.clone()],
        ValueKind::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads one `operator` item: an inline JWT or a file holding one (decorated or not).
fn load_operator(item: &str) -> Result<OperatorClaims, String> {
    let text = if item.starts_with("eyJ") {
        item.to_string()
    } else {
        std::fs::read_to_string(item)
            .map_err(|e| format!("error parsing operator JWT: open {item}: {e}"))?
    };
    let token = jwt::extract_jwt(&text).map_err(|e| format!("error parsing operator JWT: {e}"))?;
    jwt::decode_operator(&token).map_err(|e| format!("error parsing operator JWT: {e}"))
}

impl Trust {
    /// Operator mode from the options, or `None` when no operator is configured.
    ///
    /// # Errors
    /// The original's words where it has them (`operators require an account resolver to be
    /// configured`, `operators do not allow Accounts to be configured directly`, …).
    pub fn from_options(opts: &Options) -> Result<Option<Self>, Vec<String>> {
        let mut errors = Vec::new();
        let mut operators = Vec::new();
        if let Some(v) = raw(opts, "operator") {
            for item in strings(v) {
                match load_operator(&item) {
                    Ok(op) => operators.push(op),
                    Err(e) => errors.push(e),
                }
            }
        }
        if let Some(v) = raw(opts, "trusted") {
            for key in strings(v) {
                if !key.starts_with('O') || nkeys::KeyPair::from_public_key(&key).is_err() {
                    errors.push(format!("trusted Keys {key:?} are not valid public keys"));
                    continue;
                }
                operators.push(OperatorClaims::new(key));
            }
        }
        if operators.is_empty() {
            errors.extend(admission::sentinel_without_operator(opts));
            return if errors.is_empty() {
                Ok(None)
            } else {
                Err(errors)
            };
        }
        if opts.raw.accounts.is_some() {
            errors.push("operators do not allow Accounts to be configured directly".into());
        }
        let has_users = opts.raw.authorization.as_ref().is_some_and(|v| {
            v.as_map().is_some_and(|m| {
                m.iter().any(|e| {
                    matches!(
                        e.key.name.to_ascii_lowercase().as_str(),
                        "users" | "user" | "username" | "token" | "nkeys"
                    )
                })
            })
        });
        if has_users {
            errors.push("operators do not allow users to be configured directly".into());
        }
        let configured_system = opts
            .raw
            .system_account
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_string);
        let operator_system = operators
            .iter()
            .map(|o| o.nats.system_account.clone())
            .find(|s| !s.is_empty());
        if let (Some(c), Some(o)) = (&configured_system, &operator_system) {
            if c != o {
                errors.push("system_account in config and operator JWT must be identical".into());
            }
        }
        let resolver = match raw(opts, "resolver") {
            None => {
                errors.push("operators require an account resolver to be configured".into());
                return Err(errors);
            }
            Some(v) => match Resolver::from_config(v) {
                Ok(mut r) => {
                    r.ca_file = raw(opts, "resolver_tls")
                        .and_then(Value::as_map)
                        .and_then(|m| m.iter().find(|e| e.key.name == "ca_file"))
                        .and_then(|e| e.value.as_str())
                        .map(PathBuf::from);
                    r
                }
                Err(e) => {
                    errors.push(e);
                    return Err(errors);
                }
            },
        };
        if let Some(v) = raw(opts, "resolver_preload") {
            if let Err(e) = resolver.preload(v) {
                errors.push(e);
            }
        }
        if resolver.kind != ResolverKind::Memory {
            if let Err(e) = resolver.load_dir() {
                errors.push(e);
            }
        }
        let system_account = configured_system.or(operator_system);
        let admission = admission::Admission::from_options(opts, system_account.as_deref())
            .unwrap_or_else(|e| {
                errors.extend(e);
                admission::Admission::default()
            });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Some(Self {
            operators,
            system_account,
            resolver,
            admission,
        }))
    }

    /// The directory of a `full`/`cache` resolver.
    pub fn dir(&self) -> Option<&PathBuf> {
        self.resolver.dir.as_ref()
    }
}
