//! TLS for client connections: the `tls { ... }` options, the rustls configuration built from
//! them, and the handshake of one connection.
//!
//! Where TLS sits in a connection's life (see `docs/architecture.md`): the accept loop sends the
//! plaintext INFO (with `tls_required`), then [`accept`] runs the handshake on the same socket
//! and the connection is served over the TLS stream. With `handshake_first` the handshake comes
//! before INFO; with `allow_non_tls` the first byte the client sends decides.
//!
//! Certificates are read when the server starts and again on every reload, so new connections
//! use the files as they are then; established connections keep their session.

mod accept;
pub mod identity;

pub use accept::serve;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig, SupportedCipherSuite};
use tokio_rustls::TlsAcceptor;

/// The original's default handshake timeout (`tls.timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// The default fallback delay of `handshake_first: auto`.
pub const DEFAULT_FALLBACK_DELAY: Duration = Duration::from_millis(50);

/// A `tls { ... }` block (client port or websocket), typed.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsOptions {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    /// Clients must present a certificate signed by `ca_file` (INFO `tls_verify`).
    pub verify: bool,
    /// `verify_and_map`: verify, and take the user from the certificate.
    pub map: bool,
    pub timeout: Duration,
    pub handshake_first: HandshakeFirst,
    /// Go names of the TLS 1.2 suites allowed; empty means rustls's defaults.
    pub cipher_suites: Vec<String>,
    pub min_version: Option<TlsVersion>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            cert_file: None,
            key_file: None,
            ca_file: None,
            verify: false,
            map: false,
            timeout: DEFAULT_TIMEOUT,
            handshake_first: HandshakeFirst::Off,
            cipher_suites: Vec::new(),
            min_version: None,
        }
    }
}

impl TlsOptions {
    /// Whether clients must present a certificate.
    pub fn verifies_clients(&self) -> bool {
        self.verify || self.map
    }
}

/// When the TLS handshake happens relative to the server's INFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeFirst {
    /// INFO in plaintext first, then the client starts TLS (the default).
    Off,
    /// TLS first; INFO is sent inside TLS.
    Immediate,
    /// TLS first if the client speaks within the delay, else plaintext INFO first.
    Fallback(Duration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

impl TlsVersion {
    /// `"1.2"` or `"1.3"`, as the config writes them.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "1.2" => Some(Self::V1_2),
            "1.3" => Some(Self::V1_3),
            _ => None,
        }
    }
}

/// Why a TLS configuration could not be built. Each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("missing 'cert_file' in TLS configuration")]
    MissingCert,
    #[error("missing 'key_file' in TLS configuration")]
    MissingKey,
    #[error("error parsing X509 certificate/key pair: open {}: {reason}", .file.display())]
    Open { file: PathBuf, reason: String },
    #[error("error parsing X509 certificate/key pair: {}: {reason}", .file.display())]
    Parse { file: PathBuf, reason: String },
    #[error("error parsing ca_file: {}: {reason}", .file.display())]
    Ca { file: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// What the server keeps of a TLS block: the acceptor and the options it was built from.
#[derive(Clone)]
pub struct TlsContext {
    pub acceptor: TlsAcceptor,
    pub options: TlsOptions,
}

impl fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsContext")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl TlsContext {
    /// Reads the certificate, key and CA files and builds the rustls configuration.
    ///
    /// # Errors
    /// A file is missing or unreadable, holds no PEM data of the right kind, or the key does
    /// not match the certificate.
    pub fn new(options: &TlsOptions) -> Result<Self, TlsError> {
        let config = server_config(options)?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            options: options.clone(),
        })
    }
}

fn read(file: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(file).map_err(|e| TlsError::Open {
        file: file.to_path_buf(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => e.to_string(),
        },
    })
}

fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(file)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Parse {
            file: file.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Parse {
            file: file.to_path_buf(),
            reason: "failed to find any PEM data in certificate input".into(),
        });
    }
    Ok(certs)
}

fn private_key(file: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(file)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Parse {
        file: file.to_path_buf(),
        reason: format!("failed to find any PEM data in key input ({e})"),
    })
}

/// The CA bundle of `ca_file`.
///
/// # Errors
/// The file cannot be read or holds no usable certificate.
pub fn root_store(file: &Path) -> Result<RootCertStore, TlsError> {
    let ca_error = |reason: String| TlsError::Ca {
        file: file.to_path_buf(),
        reason,
    };
    let certs = certificates(file).map_err(|e| ca_error(e.to_string()))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(ca_error("failed to parse root certificate".into()));
    }
    Ok(roots)
}

/// The crypto provider with the cipher suites the options allow. TLS 1.3 suites are always
/// on (Go does not let them be configured either).
fn provider(options: &TlsOptions) -> CryptoProvider {
    let mut provider = ring::default_provider();
    if !options.cipher_suites.is_empty() {
        provider.cipher_suites.retain(|suite| match suite {
            SupportedCipherSuite::Tls13(_) => true,
            SupportedCipherSuite::Tls12(_) => {
                let name = format!("{:?}", suite.suite());
                options.cipher_suites.contains(&name)
            }
        });
    }
    provider
}

fn server_config(options: &TlsOptions) -> Result<ServerConfig, TlsError> {
    let cert_file = options.cert_file.as_deref().ok_or(TlsError::MissingCert)?;
    let key_file = options.key_file.as_deref().ok_or(TlsError::MissingKey)?;
    let certs = certificates(cert_file)?;
    let key = private_key(key_file)?;
    let provider = Arc::new(provider(options));
    let versions: &[&rustls::SupportedProtocolVersion] = match options.min_version {
        Some(TlsVersion::V1_3) => &[&rustls::version::TLS13],
        _ => rustls::ALL_VERSIONS,
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let builder = if options.verifies_clients() {
        let Some(ca_file) = options.ca_file.as_deref() else {
            return Err(TlsError::Rustls(
                "client certificate verification needs 'ca_file'".into(),
            ));
        };
        let roots = root_store(ca_file)?;
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    builder
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Parse {
            file: key_file.to_path_buf(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_certificate_file_is_named() {
        let options = TlsOptions {
            cert_file: Some("/nonexistent/cert.pem".into()),
            key_file: Some("/nonexistent/key.pem".into()),
            ..TlsOptions::default()
        };
        let err = TlsContext::new(&options).unwrap_err().to_string();
        assert_eq!(
            err,
            "error parsing X509 certificate/key pair: open /nonexistent/cert.pem: no such file or directory"
        );
    }

    #[test]
    fn go_cipher_names_select_rustls_suites() {
        let options = TlsOptions {
            cipher_suites: vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()],
            ..TlsOptions::default()
        };
        let p = provider(&options);
        let tls12: Vec<String> = p
            .cipher_suites
            .iter()
            .filter(|s| matches!(s, SupportedCipherSuite::Tls12(_)))
            .map(|s| format!("{:?}", s.suite()))
            .collect();
        assert_eq!(tls12, vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
    }
}
