//! Reload: what changed between two [`Options`], and whether the running server can take it.
//!
//! [`diff`] lists the changes; [`Change::is_reloadable`] says which ones a running server
//! takes. One change that is not reloadable refuses the whole reload (the original's rule).
//!
//! When a reloaded value takes effect:
//! - logging (`debug`, `trace`, `logtime`, `logtime_utc`): at once, for every line;
//! - `max_connections`: at once, for the next client accepted;
//! - `ping_max`, `max_subscriptions` and `max_sub_tokens`: at the next ping tick or `SUB` of
//!   every connection;
//! - the other limits and timers (`max_payload`, `max_control_line`, `max_pending`,
//!   `ping_interval`, `write_deadline`, `auth_timeout`): for connections accepted after the
//!   reload (and `max_payload` in their INFO). Existing connections keep the values they
//!   started with (the original also updates `max_payload` of existing clients);
//! - `lame_duck_duration`/`lame_duck_grace_period`: the next time lame duck mode starts;
//! - `authorization`, `accounts`, `mappings`, `no_auth_user`: the accounts and their
//!   imports, exports and mappings are laid out again ([`crate::server::Server::reload`]);
//! - operator mode's `resolver`, `resolver_preload`, `resolver_pinned_accounts` and
//!   `default_sentinel`: the trust is built again; `operator`, `trusted` and
//!   `system_account` need a restart ([`crate::operator::reload`]);
//! - `tls`, `allow_non_tls` and the websocket block's TLS, origins and auth: for connections
//!   accepted after the reload; certificate files are read again on every reload, changed or
//!   not (the websocket listener's address needs a restart);
//! - options of unbuilt features: accepted, no effect until those features exist.

use std::fmt;
use std::time::Duration;

use crate::options::Options;

/// One difference between the running options and the reloaded ones.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Debug(bool),
    Trace(bool),
    Logtime(bool),
    LogtimeUtc(bool),
    MaxPayload(usize),
    MaxControlLine(usize),
    MaxConnections(Option<usize>),
    MaxSubscriptions(usize),
    MaxSubTokens(usize),
    MaxPending(usize),
    PingInterval(Duration),
    PingMax(u32),
    WriteDeadline(Duration),
    AuthTimeout(Duration),
    LameDuckDuration(Duration),
    LameDuckGracePeriod(Duration),
    /// A section kept raw (`authorization`, `accounts`, `mappings`, ...) or an option of a
    /// feature not built yet changed. Accepted.
    Section(&'static str),
    /// Needs a restart (listen address, server name, log file, ...): refuses the reload.
    Restart {
        option: &'static str,
        old: String,
        new: String,
    },
}

impl Change {
    /// Whether the running server can take this change.
    pub fn is_reloadable(&self) -> bool {
        !matches!(self, Change::Restart { .. })
    }

    /// The option's name as written in config files.
    pub fn option(&self) -> &'static str {
        match self {
            Change::Debug(_) => "debug",
            Change::Trace(_) => "trace",
            Change::Logtime(_) => "logtime",
            Change::LogtimeUtc(_) => "logtime_utc",
            Change::MaxPayload(_) => "max_payload",
            Change::MaxControlLine(_) => "max_control_line",
            Change::MaxConnections(_) => "max_connections",
            Change::MaxSubscriptions(_) => "max_subscriptions",
            Change::MaxSubTokens(_) => "max_sub_tokens",
            Change::MaxPending(_) => "max_pending",
            Change::PingInterval(_) => "ping_interval",
            Change::PingMax(_) => "ping_max",
            Change::WriteDeadline(_) => "write_deadline",
            Change::AuthTimeout(_) => "authorization.timeout",
            Change::LameDuckDuration(_) => "lame_duck_duration",
            Change::LameDuckGracePeriod(_) => "lame_duck_grace_period",
            Change::Section(name) => name,
            Change::Restart { option, .. } => option,
        }
    }
}

/// `option = new value`, as logged after a reload.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.option();
        match self {
            Change::Debug(b) | Change::Trace(b) | Change::Logtime(b) | Change::LogtimeUtc(b) => {
                write!(f, "{name} = {b}")
            }
            Change::MaxPayload(n)
            | Change::MaxControlLine(n)
            | Change::MaxSubscriptions(n)
            | Change::MaxSubTokens(n)
            | Change::MaxPending(n) => write!(f, "{name} = {n}"),
            Change::MaxConnections(Some(n)) => write!(f, "{name} = {n}"),
            Change::MaxConnections(None) => write!(f, "{name} = unlimited"),
            Change::PingMax(n) => write!(f, "{name} = {n}"),
            Change::PingInterval(d)
            | Change::WriteDeadline(d)
            | Change::AuthTimeout(d)
            | Change::LameDuckDuration(d)
            | Change::LameDuckGracePeriod(d) => {
                write!(f, "{name} = {}", super::decode::go_duration(*d))
            }
            Change::Section(_) => write!(f, "{name} changed"),
            Change::Restart { old, new, .. } => {
                write!(
                    f,
                    "config reload not supported for {name}: old={old}, new={new}"
                )
            }
        }
    }
}

/// Every difference between `old` and `new`, in a fixed order.
pub fn diff(old: &Options, new: &Options) -> Vec<Change> {
    let mut changes = Vec::new();
    macro_rules! value {
        ($($field:ident).+ => $variant:ident) => {
            if old.$($field).+ != new.$($field).+ {
                changes.push(Change::$variant(new.$($field).+.clone()));
            }
        };
    }
    macro_rules! restart {
        ($($field:ident).+ => $name:literal) => {
            if old.$($field).+ != new.$($field).+ {
                changes.push(Change::Restart {
                    option: $name,
                    old: format!("{:?}", old.$($field).+),
                    new: format!("{:?}", new.$($field).+),
                });
            }
        };
    }
    restart!(host => "host");
    restart!(port => "port");
    restart!(server_name => "server_name");
    restart!(http_port => "http_port");
    restart!(http_host => "http_host");
    restart!(logging.file => "log_file");
    restart!(pid_file => "pid_file");
    restart!(ports_file_dir => "ports_file_dir");
    restart!(no_header_support => "no_header_support");
    restart!(disable_sublist_cache => "disable_sublist_cache");
    restart!(max_closed_clients => "max_closed_clients");
    value!(logging.debug => Debug);
    value!(logging.trace => Trace);
    value!(logging.logtime => Logtime);
    value!(logging.logtime_utc => LogtimeUtc);
    value!(max_payload => MaxPayload);
    value!(max_control_line => MaxControlLine);
    value!(max_connections => MaxConnections);
    value!(max_subscriptions => MaxSubscriptions);
    value!(max_sub_tokens => MaxSubTokens);
    value!(max_pending => MaxPending);
    value!(ping_interval => PingInterval);
    value!(ping_max => PingMax);
    value!(write_deadline => WriteDeadline);
    value!(auth_timeout => AuthTimeout);
    value!(lame_duck_duration => LameDuckDuration);
    value!(lame_duck_grace_period => LameDuckGracePeriod);
    if old.tls != new.tls {
        changes.push(Change::Section("tls"));
    }
    if old.allow_non_tls != new.allow_non_tls {
        changes.push(Change::Section("allow_non_tls"));
    }
    if old.websocket != new.websocket {
        let listen = |o: &Options| o.websocket.as_ref().map(|w| (w.host, w.port));
        if listen(old) == listen(new) {
            changes.push(Change::Section("websocket"));
        } else {
            changes.push(Change::Restart {
                option: "websocket",
                old: format!("{:?}", listen(old)),
                new: format!("{:?}", listen(new)),
            });
        }
    }
    let (o, n) = (&old.raw, &new.raw);
    let sections = [
        ("authorization", o.authorization != n.authorization),
        ("accounts", o.accounts != n.accounts),
        ("no_auth_user", o.no_auth_user != n.no_auth_user),
        (
            "no_system_account",
            o.no_system_account != n.no_system_account,
        ),
        ("mappings", o.mappings != n.mappings),
    ];
    changes.extend(
        sections
            .into_iter()
            .filter(|(_, changed)| *changed)
            .map(|(name, _)| Change::Section(name)),
    );
    // `system_account`, `operator` and `trusted` need a restart (the original's rule).
    changes.extend(crate::operator::reload::refusals(old, new));
    let mut names: Vec<&'static str> = o
        .unsupported
        .iter()
        .chain(&n.unsupported)
        .map(|(k, _)| *k)
        .filter(|k| !matches!(*k, "operator" | "trusted"))
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let find = |list: &[(&'static str, rnats_conf::Value)]| {
            list.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        if find(&o.unsupported) != find(&n.unsupported) {
            changes.push(Change::Section(name));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_options_have_no_changes() {
        assert!(diff(&Options::default(), &Options::default()).is_empty());
    }

    #[test]
    fn limits_and_logging_are_reloadable_and_ports_are_not() {
        let old = Options::default();
        let mut new = old.clone();
        new.max_payload = 2048;
        new.logging.debug = true;
        assert_eq!(
            diff(&old, &new),
            vec![Change::Debug(true), Change::MaxPayload(2048)]
        );
        assert!(diff(&old, &new).iter().all(Change::is_reloadable));
        new.port = 5000;
        let changes = diff(&old, &new);
        let refused: Vec<_> = changes.iter().filter(|c| !c.is_reloadable()).collect();
        assert_eq!(refused.len(), 1);
        assert_eq!(
            refused[0].to_string(),
            "config reload not supported for port: old=4222, new=5000"
        );
    }
}
