//! Typed server options with the original's defaults.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::tls::TlsOptions;
use crate::websocket::WebsocketOptions;

/// Everything the server is told, from flags (and later the config file). Times are
/// `Duration`s and sizes are byte counts; nothing here is a string to be parsed later.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: IpAddr,
    /// Client port; 0 picks an ephemeral port (the `-1` of the command line).
    pub port: u16,
    pub server_name: Option<String>,
    pub max_payload: usize,
    pub max_control_line: usize,
    /// `None` means no limit; `Some(0)` refuses every client, as the original does.
    pub max_connections: Option<usize>,
    /// Per connection; 0 means unlimited.
    pub max_subscriptions: usize,
    /// Most tokens in a subscription subject; 0 means unlimited (at most 255).
    pub max_sub_tokens: usize,
    pub max_pending: usize,
    pub ping_interval: Duration,
    pub ping_max: u32,
    pub write_deadline: Duration,
    pub auth_timeout: Duration,
    pub lame_duck_duration: Duration,
    pub lame_duck_grace_period: Duration,
    pub no_header_support: bool,
    pub disable_sublist_cache: bool,
    pub logging: LogOptions,
    /// Monitoring HTTP port (`-m`, `http_port`); `Some(0)` picks an ephemeral port.
    pub http_port: Option<u16>,
    /// Monitoring host; defaults to `host`.
    pub http_host: Option<IpAddr>,
    /// How many closed connections `/connz?state=closed` remembers.
    pub max_closed_clients: usize,
    pub pid_file: Option<PathBuf>,
    pub ports_file_dir: Option<PathBuf>,
    /// `tls { ... }` for the client port (also from `--tls*` flags).
    pub tls: Option<TlsOptions>,
    /// With TLS: clients may also connect without it (INFO `tls_available`).
    pub allow_non_tls: bool,
    /// `websocket { ... }`: the WebSocket listener.
    pub websocket: Option<WebsocketOptions>,
    /// Config sections kept as written, for features decoded elsewhere (auth, mappings) or not
    /// built yet. Empty when there is no config file.
    pub raw: RawSections,
}

/// Config-file sections the server does not turn into typed options (yet). The auth and
/// mapping code decodes them from here; reload compares them to see whether they changed.
///
/// `Debug` prints only which sections are present: they hold passwords and tokens.
#[derive(Clone, Default, PartialEq)]
pub struct RawSections {
    /// `authorization { ... }` as written (its `timeout` is also applied to `auth_timeout`).
    pub authorization: Option<rnats_conf::Value>,
    /// `accounts { ... }` (a map of accounts, or an array of names).
    pub accounts: Option<rnats_conf::Value>,
    /// `no_auth_user: name`.
    pub no_auth_user: Option<rnats_conf::Value>,
    /// `system_account` (alias `system`).
    pub system_account: Option<rnats_conf::Value>,
    /// `no_system_account` (aliases `no_system`, `no_sys_acc`).
    pub no_system_account: Option<rnats_conf::Value>,
    /// `mappings` (alias `maps`): subject mappings of the global account.
    pub mappings: Option<rnats_conf::Value>,
    /// Every other option of a feature rnats-server does not have yet, by canonical name
    /// (`jetstream`, `cluster`, `tls`, ...), in file order.
    pub unsupported: Vec<(&'static str, rnats_conf::Value)>,
}

impl std::fmt::Debug for RawSections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let present = |v: &Option<rnats_conf::Value>| v.as_ref().map(|_| "<set>");
        f.debug_struct("RawSections")
            .field("authorization", &present(&self.authorization))
            .field("accounts", &present(&self.accounts))
            .field("no_auth_user", &present(&self.no_auth_user))
            .field("system_account", &present(&self.system_account))
            .field("no_system_account", &present(&self.no_system_account))
            .field("mappings", &present(&self.mappings))
            .field(
                "unsupported",
                &self.unsupported.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What to log and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    pub debug: bool,
    pub trace: bool,
    pub logtime: bool,
    pub logtime_utc: bool,
    pub file: Option<PathBuf>,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            debug: false,
            trace: false,
            logtime: true,
            logtime_utc: false,
            file: None,
        }
    }
}

pub const DEFAULT_PORT: u16 = 4222;
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;
pub const DEFAULT_MAX_PENDING: usize = 64 * 1024 * 1024;
pub const DEFAULT_MAX_CONNECTIONS: usize = 64 * 1024;

impl Default for Options {
    fn default() -> Self {
        Self {
            host: IpAddr::from([0, 0, 0, 0]),
            port: DEFAULT_PORT,
            server_name: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_control_line: 4096,
            max_connections: Some(DEFAULT_MAX_CONNECTIONS),
            max_subscriptions: 0,
            max_sub_tokens: 0,
            max_pending: DEFAULT_MAX_PENDING,
            ping_interval: Duration::from_secs(120),
            ping_max: 2,
            write_deadline: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(2),
            lame_duck_duration: Duration::from_secs(120),
            lame_duck_grace_period: Duration::from_secs(10),
            no_header_support: false,
            disable_sublist_cache: false,
            logging: LogOptions::default(),
            http_port: None,
            http_host: None,
            max_closed_clients: 10_000,
            pid_file: None,
            ports_file_dir: None,
            tls: None,
            allow_non_tls: false,
            websocket: None,
            raw: RawSections::default(),
        }
    }
}

impl Options {
    /// Options for tests and embedding: loopback, an ephemeral port.
    pub fn ephemeral() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            ..Self::default()
        }
    }

    /// Cross-option rules, with the original's messages.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_payload > self.max_pending {
            return Err(format!(
                "max_payload ({}) cannot be higher than max_pending ({})",
                self.max_payload, self.max_pending
            ));
        }
        if self.max_payload > i32::MAX as usize {
            return Err(format!(
                "max_payload ({}) cannot be higher than {}",
                self.max_payload,
                i32::MAX
            ));
        }
        if let Some(name) = &self.server_name {
            if name.contains(' ') {
                return Err("server name cannot contain spaces".into());
            }
        }
        if let Some(ws) = &self.websocket {
            let users = |v: &Option<rnats_conf::Value>| {
                v.as_ref().and_then(|v| v.as_map()).is_some_and(|m| {
                    m.get_ignore_case("users").is_some() || m.get_ignore_case("nkeys").is_some()
                })
            };
            let has_users = users(&self.raw.authorization);
            ws.validate(has_users)?;
        }
        Ok(())
    }
}
