//! Errors: where ([`Span`]) and what ([`ErrorKind`]).
//!
//! Message texts follow nats-server's wording so users and tests see the
//! same words; the location is always in front as `file:line:col: `.

use crate::value::Span;

/// A parse failure with its location. Displays as `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{span}: {kind}")]
pub struct Error {
    pub span: Span,
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// A lexing error, worded as the original (`Expected value but found new line`, ...).
    #[error("{0}")]
    Syntax(String),
    /// The file ended right after a key.
    #[error("config is invalid")]
    KeyWithoutValue,
    #[error("integer '{0}' is out of the range")]
    IntegerOutOfRange(String),
    #[error("expected integer, but got '{0}'")]
    BadInteger(String),
    #[error("float '{0}' is out of the range")]
    FloatOutOfRange(String),
    #[error("expected float, but got '{0}'")]
    BadFloat(String),
    #[error("expected Zulu formatted DateTime, but got '{0}'")]
    BadDatetime(String),
    #[error("variable reference for '{name}' on line {line} can not be found")]
    VariableNotFound { name: String, line: u32 },
    /// The environment variable's value did not parse as a config value.
    #[error("variable reference for '{name}' on line {line} could not be parsed: {reason}")]
    VariableUnparsable {
        name: String,
        line: u32,
        reason: Box<ErrorKind>,
    },
    /// An environment variable refers, directly or not, to itself.
    #[error("variable reference cycle for '{0}'")]
    VariableCycle(String),
    /// An included file could not be read.
    #[error("error parsing include file '{path}', open {resolved}: {reason}")]
    IncludeOpen {
        path: String,
        resolved: String,
        reason: String,
    },
    /// An included file had an error of its own (which carries its own location).
    #[error("error parsing include file '{path}', {inner}")]
    Include { path: String, inner: Box<Error> },
    #[error("include cycle: '{0}' is already being included")]
    IncludeCycle(String),
    #[error("includes nested deeper than {0} files")]
    IncludeTooDeep(usize),
    #[error("maps and arrays nested deeper than {0} levels")]
    TooDeep(usize),
    /// The top-level file could not be read.
    #[error("error opening config file: open {path}: {reason}")]
    Open { path: String, reason: String },
    /// A state the parser should never reach; reported instead of panicking.
    #[error("internal parser error: {0}")]
    Internal(&'static str),
}

/// An I/O error worded as Go's `os` package words the common ones.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::IsADirectory => "is a directory".to_string(),
        _ => e.to_string(),
    }
}
