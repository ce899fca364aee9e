//! `rnats-conf`: the nats-server configuration language, parsed into a tree
//! of values with source spans.
//!
//! The language is a relaxed mix of JSON, TOML and HOCON: `key = value`,
//! `key: value` or `key value`; `{}` maps (braces optional at top level),
//! `[]` arrays, `#` and `//` comments, quoted and bare strings, integers with
//! size suffixes (`1k` = 1000, `1kb` = 1024), floats, booleans
//! (`true/false/yes/no/on/off`), Zulu datetimes, `( ... )` block strings,
//! `include file` and `$VARIABLE` references to earlier keys or to the
//! environment. Behaviour, quirks and error wording follow nats-server
//! v2.15.1 (`conf/lex.go`, `conf/parse.go`), so the same file gives the same
//! tree and the same complaint.
//!
//! # What it leaves out
//!
//! It knows no server option: it does not check names, types or ranges,
//! and it does not warn. Durations are plain strings in the tree; the
//! server decodes them with [`parse_duration`]. Option names are matched
//! case-insensitively by the server ([`Map::get_ignore_case`]); this crate
//! keeps keys as written.
//!
//! # Main types
//!
//! - [`parse_file`], [`parse_str`]: text to a top-level [`Map`].
//! - [`Map`]: keys to [`Value`]s in written order; each [`Entry`] keeps its
//!   [`Key`] span and whether it was used as a variable.
//! - [`Value`]: a [`ValueKind`] plus its [`Span`] and [`Notation`] (quoted,
//!   block, size suffix...).
//! - [`Error`]: a [`Span`] and an [`ErrorKind`]; displays as
//!   `file:line:col: message`.
//! - [`to_conf_string`]: prints a tree back as config text.
//! - [`to_reference_json`]: the JSON whose SHA-256 nats-server prints as
//!   the config digest with `-t`.
//!
//! # Limits
//!
//! Maps and arrays nest at most [`MAX_NESTING`] deep and includes at most
//! [`MAX_INCLUDE_DEPTH`]; an include cycle is an error. No input panics.
//!
//! ```
//! use std::path::Path;
//! let map = rnats_conf::parse_str("port: 4222\nmax_payload: 1MB\n", Path::new("x.conf")).unwrap();
//! assert_eq!(map.get("max_payload").and_then(|v| v.as_int()), Some(1_048_576));
//! ```

mod duration;
mod error;
mod lexer;
mod parser;
mod printer;
mod reference_json;
mod size;
mod value;

use std::path::Path;
use std::sync::Arc;

pub use duration::{parse_duration, DurationError};
pub use error::{Error, ErrorKind};
pub use parser::{MAX_INCLUDE_DEPTH, MAX_NESTING};
pub use printer::to_conf_string;
pub use reference_json::to_reference_json;
pub use size::size_multiplier;
pub use value::{Datetime, Entry, Key, Map, Notation, Span, Value, ValueKind};

/// Parse config text. `origin` names the file it came from: spans and
/// errors carry it, and `include` paths are resolved against its directory.
///
/// # Errors
/// Any syntax error, a missing variable, an unreadable or broken include,
/// nesting deeper than [`MAX_NESTING`]; see [`ErrorKind`].
pub fn parse_str(text: &str, origin: &Path) -> Result<Map, Error> {
    let mut includes = Vec::new();
    if let Ok(canonical) = std::fs::canonicalize(origin) {
        includes.push(canonical);
    }
    let ctx = parser::Context {
        file: Arc::from(origin),
        includes,
        env: Vec::new(),
    };
    parser::parse(text, &ctx)
}

/// Read and parse a config file. Invalid UTF-8 is replaced, not refused.
///
/// # Errors
/// [`ErrorKind::Open`] if the file cannot be read, else as [`parse_str`].
pub fn parse_file(path: &Path) -> Result<Map, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error {
        span: Span::file_only(Arc::from(path)),
        kind: ErrorKind::Open {
            path: path.display().to_string(),
            reason: error::io_reason(&e),
        },
    })?;
    parse_str(&String::from_utf8_lossy(&bytes), path)
}
