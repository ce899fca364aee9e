//! What the auth part of a config decodes to.

use std::fmt;
use std::time::Duration;

use rnats_conf::{Span, Value};

use crate::Secret;

/// The account users land in when no `accounts` block places them.
pub const GLOBAL_ACCOUNT: &str = "$G";
/// The system account the server creates when `system_account` is not set.
pub const DEFAULT_SYSTEM_ACCOUNT: &str = "$SYS";
/// `allow_responses` defaults: one response per request...
pub const DEFAULT_RESPONSE_MAX_MSGS: u32 = 1;
/// ...within two minutes.
pub const DEFAULT_RESPONSE_EXPIRES: Duration = Duration::from_secs(120);

/// Everything about client authentication and accounts that a config file says.
///
/// Users from `authorization.users` belong to [`GLOBAL_ACCOUNT`]; users from
/// `accounts.X.users` to `X` ([`User::account`]). Default permissions are already applied:
/// a user's `permissions` is what it gets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthConfig {
    /// Username/password users, all accounts, in config order.
    pub users: Vec<User>,
    /// Nkey users, all accounts, in config order.
    pub nkey_users: Vec<NkeyUser>,
    /// `authorization { user, password }`: the single user (no permissions, account `$G`).
    pub single_user: Option<SingleUser>,
    /// `authorization { token }`.
    pub token: Option<Secret>,
    /// `authorization { timeout }` in seconds, if given (the server applies its defaults).
    pub auth_timeout: Option<f64>,
    /// `no_auth_user`: a username or nkey that clients sending no credentials become.
    pub no_auth_user: Option<String>,
    /// `system_account` / `system`.
    pub system_account: Option<String>,
    /// Declared accounts, in config order (never `$G`).
    pub accounts: Vec<AccountConfig>,
}

impl AuthConfig {
    /// Whether clients must authenticate (INFO `auth_required`): any user, nkey, token or
    /// single user is configured. (`no_auth_user` changes what INFO shows, not this.)
    pub fn auth_required(&self) -> bool {
        !self.users.is_empty()
            || !self.nkey_users.is_empty()
            || self.single_user.is_some()
            || self.token.is_some()
    }

    /// Whether any password or token is stored in clear text; nats-server then warns
    /// `Plaintext passwords detected, use nkeys or bcrypt`.
    pub fn has_plaintext_passwords(&self) -> bool {
        let plain = |s: &Secret| !s.expose().is_empty() && !s.is_bcrypt();
        self.users.iter().any(|u| plain(&u.password))
            || self
                .single_user
                .as_ref()
                .is_some_and(|u| plain(&u.password))
            || self.token.as_ref().is_some_and(plain)
    }

    /// Whether the server should put a `nonce` in INFO (some nkey user exists).
    pub fn needs_nonce(&self) -> bool {
        !self.nkey_users.is_empty()
    }

    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

/// `authorization { user, password }`.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleUser {
    pub username: String,
    pub password: Secret,
}

/// A username/password user.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub username: String,
    /// Plain or bcrypt; may be empty (a user reachable only through `no_auth_user` or TLS mapping).
    pub password: Secret,
    /// Own permissions, else the block's `default_permissions`, else none (everything allowed).
    pub permissions: Option<Permissions>,
    /// The account it belongs to ([`GLOBAL_ACCOUNT`] for `authorization.users`).
    pub account: String,
    /// `allowed_connection_types`; empty means all.
    pub allowed_connection_types: Vec<ConnectionType>,
    /// `proxy_required` (the server enforces it; kept so it can).
    pub proxy_required: bool,
}

/// A user identified by an nkey (public user key, `U...`).
#[derive(Clone, Debug, PartialEq)]
pub struct NkeyUser {
    pub nkey: String,
    pub permissions: Option<Permissions>,
    pub account: String,
    pub allowed_connection_types: Vec<ConnectionType>,
    pub proxy_required: bool,
}

/// A user's pub/sub permissions, as written.
///
/// Lists are `None` when absent or empty: no restriction. The one exception is
/// `publish.allow == Some(vec![])`, which `allow_responses` sets when no publish allow list was
/// given: nothing may be published except responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Option<SubjectPermission>,
    pub subscribe: Option<SubjectPermission>,
    pub response: Option<ResponsePermission>,
}

/// Allow and deny lists of subjects (subscribe entries may be `"subject queue"`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectPermission {
    pub allow: Option<Vec<String>>,
    pub deny: Option<Vec<String>>,
}

/// `allow_responses`: publish to reply subjects of received messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponsePermission {
    /// Responses allowed per request; `None` = unlimited (a negative `max` in the config).
    pub max_msgs: Option<u32>,
    /// How long after the request responses are allowed; `None` = forever (negative `expires`).
    pub expires: Option<Duration>,
}

impl Default for ResponsePermission {
    fn default() -> Self {
        ResponsePermission {
            max_msgs: Some(DEFAULT_RESPONSE_MAX_MSGS),
            expires: Some(DEFAULT_RESPONSE_EXPIRES),
        }
    }
}

/// The kinds of client connection `allowed_connection_types` can name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConnectionType {
    /// A plain NATS client connection (the default).
    #[default]
    Standard,
    Websocket,
    Leafnode,
    LeafnodeWs,
    Mqtt,
    MqttWs,
    InProcess,
}

impl ConnectionType {
    /// The config/JWT spelling (`STANDARD`, `LEAFNODE_WS`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Standard => "STANDARD",
            ConnectionType::Websocket => "WEBSOCKET",
            ConnectionType::Leafnode => "LEAFNODE",
            ConnectionType::LeafnodeWs => "LEAFNODE_WS",
            ConnectionType::Mqtt => "MQTT",
            ConnectionType::MqttWs => "MQTT_WS",
            ConnectionType::InProcess => "IN_PROCESS",
        }
    }

    /// Case-insensitive parse of the config spelling.
    pub fn parse(text: &str) -> Option<ConnectionType> {
        let all = [
            ConnectionType::Standard,
            ConnectionType::Websocket,
            ConnectionType::Leafnode,
            ConnectionType::LeafnodeWs,
            ConnectionType::Mqtt,
            ConnectionType::MqttWs,
            ConnectionType::InProcess,
        ];
        all.into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for ConnectionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account of the `accounts` block.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountConfig {
    pub name: String,
    /// Where the account was declared (for the server's own messages).
    pub span: Span,
    /// `nkey`: the account's public key (`A...`), if given.
    pub nkey: Option<String>,
    pub exports: Vec<Export>,
    /// Imports that passed validation, in config order.
    pub imports: Vec<Import>,
    /// Applied to this account's users already; kept for users added later (e.g. by reload).
    pub default_permissions: Option<Permissions>,
    /// `mappings`/`maps`, undecoded: subject transforms belong to the server.
    pub mappings: Option<Value>,
    /// `limits`, undecoded.
    pub limits: Option<Value>,
    /// `jetstream`, undecoded (accepted, not interpreted here).
    pub jetstream: Option<Value>,
}

/// Stream or service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportKind {
    Stream,
    Service,
}

impl ExportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Stream => "stream",
            ExportKind::Service => "service",
        }
    }
}

/// How a service answers: one message, or several until an empty one or the threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseType {
    #[default]
    Singleton,
    Stream,
    Chunked,
}

/// An export: the subject other accounts may import, and who may.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    pub kind: ExportKind,
    pub subject: String,
    /// `accounts: [...]`; `None` = public.
    pub allowed_accounts: Option<Vec<String>>,
    /// Services only.
    pub response_type: ResponseType,
    /// Services only: how long a response mapping lives (`None` = the server default, 2m).
    pub response_threshold: Option<Duration>,
    /// `account_token_position`: this 1-based token of the import subject must be the
    /// importer's name.
    pub account_token_position: Option<u32>,
    /// `latency` (services), undecoded.
    pub latency: Option<Value>,
    /// `allow_trace`.
    pub allow_trace: bool,
    pub span: Span,
}

/// An import, resolved to the local subject the importer sees.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub kind: ExportKind,
    /// The exporting account.
    pub account: String,
    /// The exporter's subject (`stream.subject` / `service.subject`).
    pub subject: String,
    /// The importer-side subject: for streams `prefix.subject`, `to`, or `subject`; for
    /// services `to`, or `subject`.
    pub local_subject: String,
    /// Stream `prefix` as written (kept for monitoring output).
    pub prefix: Option<String>,
    /// `to` as written.
    pub to: Option<String>,
    /// Services: `share` (send requester details with requests).
    pub share: bool,
    /// `allow_trace`.
    pub allow_trace: bool,
    pub span: Span,
}
