//! Connection flags shared by every command (global, like the original CLI's).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::units::parse_duration;

#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ConnectArgs {
    /// NATS server URLs, comma separated [default: nats://127.0.0.1:4222]
    #[arg(short = 's', long = "server", env = "NATS_URL", global = true)]
    pub(crate) server: Option<String>,

    /// Username or token
    #[arg(long, env = "NATS_USER", global = true)]
    pub(crate) user: Option<String>,

    /// Password
    #[arg(long, env = "NATS_PASSWORD", global = true, hide_env_values = true)]
    pub(crate) password: Option<String>,

    /// Authentication token
    #[arg(long, env = "NATS_TOKEN", global = true, hide_env_values = true)]
    pub(crate) token: Option<String>,

    /// User credentials file (JWT and seed)
    #[arg(long, env = "NATS_CREDS", global = true)]
    pub(crate) creds: Option<PathBuf>,

    /// User NKEY seed file
    #[arg(long, env = "NATS_NKEY", global = true)]
    pub(crate) nkey: Option<PathBuf>,

    /// TLS client certificate
    #[arg(long = "tlscert", env = "NATS_CERT", global = true)]
    pub(crate) tls_cert: Option<PathBuf>,

    /// TLS client private key
    #[arg(long = "tlskey", env = "NATS_KEY", global = true)]
    pub(crate) tls_key: Option<PathBuf>,

    /// TLS certificate authority chain
    #[arg(long = "tlsca", env = "NATS_CA", global = true)]
    pub(crate) tls_ca: Option<PathBuf>,

    /// Time to wait on connect and on responses from NATS (e.g. 5s, 500ms)
    #[arg(long, env = "NATS_TIMEOUT", global = true, value_parser = parse_duration, default_value = "5s")]
    pub(crate) timeout: Duration,

    /// Name of this connection, shown in the server's monitoring
    #[arg(long = "connection-name", global = true)]
    pub(crate) connection_name: Option<String>,

    /// Configuration context to use instead of the selected one
    #[arg(long, env = "NATS_CONTEXT", global = true)]
    pub(crate) context: Option<String>,
}
