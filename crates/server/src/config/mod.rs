//! Config files: the nats-server format decoded into [`Options`].
//!
//! Two layers (style §6): `rnats-conf` turns text into a tree of values with spans; this module
//! turns that tree into typed [`Options`] and knows every top-level option of nats-server
//! 2.15.1, with its aliases.
//!
//! - Options of features rnats-server has are applied (ports, limits, timers, logging, ...).
//! - Options of features it does not have yet (TLS, JetStream, clustering, auth, ...) are
//!   accepted, checked where that is cheap (types; TLS and operator files exist, as the original
//!   fails on missing files), kept in [`Options::raw`](crate::options::RawSections), and reported
//!   once each as a [`Notice`].
//! - Unknown keys, wrong types and broken cross-option rules are errors with `file:line:col`,
//!   all collected before failing. The original's own warnings (an integer where a duration
//!   belongs) are kept apart: with `-t` they fail the check, as in the original.
//!
//! [`reload`] diffs two [`Options`] into a list of [`reload::Change`]s.
//!
//! Layout: [`decode`] (top-level options), [`features`] (checks of the unbuilt features'
//! blocks), [`reload`] (diff and what is reloadable).

pub mod decode;
pub mod features;
pub mod reload;
pub mod tls;

use std::fmt;
use std::path::Path;

use rnats_conf::{Map, Span};
use sha2::{Digest, Sha256};

use crate::options::Options;
use crate::security::Security;

/// One message about a place in a config file. Displays as the original prints its config
/// errors: `file:line:col: message`, with the original's column (see
/// [`Span::reference_col`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub span: Span,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.span.line == 0 {
            write!(f, "{}: {}", self.span.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.span.file.display(),
                self.span.line,
                self.span.reference_col(),
                self.message
            )
        }
    }
}

/// An option rnats-server accepts but does not act on yet. Logged as a warning at startup and
/// printed by `-t`, but unlike the original's warnings it does not fail `-t`: the file is valid
/// nats-server configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub span: Span,
    /// Canonical option name, e.g. `jetstream`.
    pub option: &'static str,
    /// Extra words, e.g. that clients are not authenticated.
    pub consequence: Option<&'static str>,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let issue = Issue {
            span: self.span.clone(),
            message: format!(
                "option \"{}\" is not supported yet by rnats-server; ignoring it",
                self.option
            ),
        };
        write!(f, "{issue}")?;
        if let Some(c) = self.consequence {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

/// What decoding a tree found besides the options.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Anything that makes the file invalid.
    pub errors: Vec<Issue>,
    /// The original's warnings (e.g. `ping_interval should be converted to a duration`).
    pub warnings: Vec<Issue>,
    /// Options accepted but not acted on.
    pub notices: Vec<Notice>,
}

/// A config file that decoded cleanly (warnings and notices aside).
#[derive(Debug)]
pub struct Loaded {
    /// The defaults with the file applied on top.
    pub options: Options,
    pub warnings: Vec<Issue>,
    pub notices: Vec<Notice>,
    /// The hex SHA-256 nats-server prints with `-t` for the same file.
    pub digest: String,
}

/// Why a config file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The text does not parse (syntax, missing include or variable, ...).
    #[error("{0}")]
    Parse(#[from] rnats_conf::Error),
    /// Users, accounts, imports, exports or mappings are invalid (one line each).
    #[error("{}", .0.join("\n"))]
    Security(Vec<String>),
    /// It parses, but options are unknown, mistyped or inconsistent.
    #[error("{}", join_issues(warnings, errors))]
    Invalid {
        errors: Vec<Issue>,
        warnings: Vec<Issue>,
    },
}

/// Warnings first, then errors, one per line: the order the original prints them.
fn join_issues(warnings: &[Issue], errors: &[Issue]) -> String {
    warnings
        .iter()
        .chain(errors)
        .map(Issue::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads, parses and decodes a config file over the defaults.
///
/// # Errors
/// [`ConfigError::Parse`] if the text does not parse, [`ConfigError::Invalid`] with every
/// error found (and the warnings) otherwise.
pub fn load_file(path: &Path) -> Result<Loaded, ConfigError> {
    let map = rnats_conf::parse_file(path)?;
    let mut options = Options::default();
    let report = decode::apply(&map, &mut options);
    if !report.errors.is_empty() {
        return Err(ConfigError::Invalid {
            errors: report.errors,
            warnings: report.warnings,
        });
    }
    // Users, accounts, imports, exports and mappings: checked the way the server will
    // build them, so `-t` and reload refuse what startup would.
    if let Err(errors) = Security::from_options(&options, &std::collections::HashMap::new()) {
        return Err(ConfigError::Security(errors));
    }
    Ok(Loaded {
        options,
        warnings: report.warnings,
        notices: report.notices,
        digest: digest(&map),
    })
}

/// The config digest nats-server prints with `-t`: SHA-256 of the tree's reference JSON.
pub fn digest(map: &Map) -> String {
    let hash = Sha256::digest(rnats_conf::to_reference_json(map).as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
