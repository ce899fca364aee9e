//! Errors: a config error has a place ([`Span`]) and a message worded as nats-server words it.

use std::fmt;

use rnats_conf::Span;

/// One problem found while decoding or validating the auth part of a config.
/// Displays as `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{span}: {message}")]
pub struct ConfigError {
    /// The offending value (or, for cross-account rules, the `accounts` block, as the original).
    pub span: Span,
    /// nats-server's text where it has one (`Duplicate user "a" detected`, ...).
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(span: &Span, message: impl Into<String>) -> Self {
        ConfigError {
            span: span.clone(),
            message: message.into(),
        }
    }
}

/// Every problem found, in the order found. Never empty when returned as an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Why a CONNECT was refused. The client only ever sees `Authorization Violation`
/// ([`AuthError::client_text`]); the variants are for the server's debug log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials matched a configured user, token or nkey.
    #[error("no user matches the credentials")]
    UnknownUser,
    /// The user exists but the password (or token) is wrong.
    #[error("password or token mismatch")]
    BadPassword,
    /// An nkey user sent no `sig`.
    #[error("signature missing")]
    SignatureMissing,
    /// `sig` is neither base64url nor standard base64.
    #[error("signature not valid base64")]
    SignatureEncoding,
    /// The nkey in CONNECT is not a valid public user key.
    #[error("user nkey not valid")]
    BadNkey,
    /// The signature does not verify against the nonce.
    #[error("signature not verified")]
    SignatureInvalid,
    /// The user may not connect over this kind of connection.
    #[error("connection type {0} not allowed")]
    ConnectionTypeNotAllowed(crate::ConnectionType),
}

impl AuthError {
    /// The text for `-ERR '...'`: always the same, so a client learns nothing.
    pub fn client_text(&self) -> &'static str {
        "Authorization Violation"
    }
}
