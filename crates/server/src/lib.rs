//! rnats-server: a NATS server, wire-compatible with nats-server.
//!
//! Layout:
//! - [`options`]: typed options and their defaults; [`flags`]: the command line;
//!   [`config`]: config files decoded into options, and reload.
//! - [`server`]: shared state, accept loop, shutdown, lame duck mode.
//! - [`client`]: one connection = a reader task and a writer task around a shared [`client::Client`].
//! - [`busy_poll`]: the runtime keeps polling for a moment after a request.
//! - [`router`]: delivery of a publish to what it matched (plain subscribers, one member per queue group).
//! - [`account`]: an account's subject space (its trie); [`subscription`]: one `SUB`.
//! - [`imports`]: stream and service imports, and service replies routed back.
//! - [`mappings`]: subject mappings applied to every publish before routing.
//! - [`security`]: accounts and auth rules built from the config; nonces.
//! - [`operator`]: operator mode: trusted operators, account resolvers, user JWTs.
//! - [`logging`] and [`banner`]: the original's log format and startup lines.
//! - [`signals`]: Unix signals and `--signal`.
//! - [`system`]: the system account's client: advisories, statsz, `$SYS.REQ.SERVER.*`.
//! - [`monitor`]: the monitoring HTTP endpoints and the closed-connections ring.
//! - [`tls`]: TLS for client connections; [`websocket`]: the WebSocket listener.

pub mod account;
pub mod banner;
pub mod busy_poll;
pub mod client;
pub mod config;
pub mod flags;
pub mod imports;
pub mod logging;
pub mod mappings;
pub mod monitor;
pub mod operator;
pub mod options;
pub mod router;
pub mod security;
pub mod server;
pub mod signals;
pub mod stats;
pub mod subscription;
pub mod system;
pub mod tls;
pub mod websocket;

pub use options::Options;
pub use server::Server;

/// The nats-server version whose client protocol this server speaks. INFO reports it in
/// `version`, because clients gate features on that number.
pub const VERSION_COMPAT: &str = "2.15.1";
