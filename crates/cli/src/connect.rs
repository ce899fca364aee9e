//! Turns connection flags (plus the selected context) into an `async_nats::Client`.
//!
//! Precedence, as in the original CLI: a flag or environment variable, then the context,
//! then the default URL.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};
use async_nats::{ConnectErrorKind, ConnectOptions, ServerAddr};

use crate::args::ConnectArgs;
use crate::context::{ContextSettings, ContextStore};

pub(crate) const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// Connection settings after merging flags and the context.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    pub(crate) urls: String,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) creds: Option<PathBuf>,
    pub(crate) nkey: Option<PathBuf>,
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
    pub(crate) tls_ca: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) name: Option<String>,
}

/// Merges flags with the named (`--context`) or selected context.
///
/// # Errors
/// Fails when `--context` names a context that does not exist or cannot be read.
pub(crate) fn resolve(args: &ConnectArgs) -> Result<Resolved> {
    let context = load_context(args)?.unwrap_or_default();
    let text = |flag: &Option<String>, saved: &str| {
        flag.clone()
            .or_else(|| (!saved.is_empty()).then(|| saved.to_string()))
    };
    let path = |flag: &Option<PathBuf>, saved: &str| {
        flag.clone()
            .or_else(|| (!saved.is_empty()).then(|| PathBuf::from(saved)))
    };
    Ok(Resolved {
        urls: text(&args.server, &context.url).unwrap_or_else(|| DEFAULT_URL.to_string()),
        user: text(&args.user, &context.user),
        password: text(&args.password, &context.password),
        token: text(&args.token, &context.token),
        creds: path(&args.creds, &context.creds),
        nkey: path(&args.nkey, &context.nkey),
        tls_cert: path(&args.tls_cert, &context.cert),
        tls_key: path(&args.tls_key, &context.key),
        tls_ca: path(&args.tls_ca, &context.ca),
        timeout: args.timeout,
        name: args.connection_name.clone(),
    })
}

fn load_context(args: &ConnectArgs) -> Result<Option<ContextSettings>> {
    if let Some(name) = &args.context {
        return ContextStore::from_env()?.load(name).map(Some);
    }
    // A missing home directory or a dangling selection is not an error: use the flags.
    let Ok(store) = ContextStore::from_env() else {
        return Ok(None);
    };
    match store.selected() {
        Some(name) => store.load_if_exists(&name),
        None => Ok(None),
    }
}

/// Parses a comma separated URL list; bare `host:port` gets the `nats://` scheme.
///
/// # Errors
/// Fails naming the first URL that does not parse.
pub(crate) fn parse_urls(urls: &str) -> Result<Vec<ServerAddr>> {
    let list: Vec<ServerAddr> = urls
        .split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| {
            ServerAddr::from_str(url).map_err(|err| anyhow!("invalid server URL {url:?}: {err}"))
        })
        .collect::<Result<_>>()?;
    if list.is_empty() {
        return Err(anyhow!("no server URL given"));
    }
    Ok(list)
}

/// Connects with one settings set; `tune` may adjust options (capacities for bench).
///
/// # Errors
/// Returns one readable line: bad URL, refused connection, timeout, auth violation, TLS.
pub(crate) async fn connect_with(
    settings: &Resolved,
    tune: impl FnOnce(ConnectOptions) -> ConnectOptions,
) -> Result<async_nats::Client> {
    let addrs = parse_urls(&settings.urls)?;
    let mut options = ConnectOptions::new()
        .connection_timeout(settings.timeout)
        .request_timeout(Some(settings.timeout))
        .name(
            settings
                .name
                .clone()
                .unwrap_or_else(|| format!("rnats CLI Version {}", env!("CARGO_PKG_VERSION"))),
        );
    if let Some(token) = &settings.token {
        options = options.token(token.clone());
    } else if let Some(user) = &settings.user {
        let password = settings.password.clone().unwrap_or_default();
        options = if password.is_empty() {
            // The original treats a lone --user as a token.
            options.token(user.clone())
        } else {
            options.user_and_password(user.clone(), password)
        };
    }
    if let Some(creds) = &settings.creds {
        options = options
            .credentials_file(creds)
            .await
            .with_context(|| format!("reading credentials {}", creds.display()))?;
    }
    if let Some(nkey) = &settings.nkey {
        let seed = std::fs::read_to_string(nkey)
            .with_context(|| format!("reading nkey {}", nkey.display()))?;
        options = options.nkey(seed.trim().to_string());
    }
    let mut tls = false;
    match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => {
            options = options.add_client_certificate(cert.clone(), key.clone());
            tls = true;
        }
        (None, None) => {}
        _ => return Err(anyhow!("--tlscert and --tlskey must be given together")),
    }
    if let Some(ca) = &settings.tls_ca {
        options = options.add_root_certificates(ca.clone());
        tls = true;
    }
    if tls {
        options = options.require_tls(true);
    }
    let options = tune(options);
    let shown = settings.urls.clone();
    options
        .connect(addrs)
        .await
        .map_err(|err| connect_error(&shown, settings.timeout, err))
}

/// Connects with the default options.
///
/// # Errors
/// See [`connect_with`].
pub(crate) async fn connect(settings: &Resolved) -> Result<async_nats::Client> {
    connect_with(settings, |options| options).await
}

fn connect_error(urls: &str, timeout: Duration, err: async_nats::ConnectError) -> anyhow::Error {
    use crate::args::units::format_duration;
    match err.kind() {
        ConnectErrorKind::AuthorizationViolation => anyhow!("authorization violation"),
        ConnectErrorKind::TimedOut => anyhow!(
            "timeout after {} connecting to {urls}",
            format_duration(timeout)
        ),
        ConnectErrorKind::ServerParse => anyhow!("invalid server URL {urls:?}: {err}"),
        _ => {
            let detail = std::error::Error::source(&err)
                .map(|source| source.to_string())
                .unwrap_or_else(|| err.to_string());
            anyhow!("could not connect to {urls}: {detail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_lists_split_on_commas() {
        let list = parse_urls("nats://a:4222, b:4223").unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn empty_url_list_is_refused() {
        assert!(parse_urls(" , ").is_err());
    }

    #[test]
    fn flags_beat_context_and_default_fills_gaps() {
        let args = ConnectArgs {
            server: Some("nats://x:1".into()),
            context: None,
            ..Default::default()
        };
        // No context directory is consulted when XDG points nowhere useful; flags win anyway.
        let resolved = resolve(&args).unwrap();
        assert_eq!(resolved.urls, "nats://x:1");
    }
}
