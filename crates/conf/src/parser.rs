//! Parser: tokens to a [`Map`], with variables and includes resolved.
//!
//! Iterative, with a stack of open maps/arrays and a separate stack of
//! pending keys, as the original keeps them. That split is what makes
//! `a { b }` set `b = {}` at the top level: the quirk is kept so that the
//! same text gives the same tree.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{io_reason, Error, ErrorKind};
use crate::lexer::{Lexer, StrForm, Token, TokenKind};
use crate::size::parse_integer;
use crate::value::{Datetime, Key, Map, Notation, Span, Value, ValueKind};

/// Maps and arrays nested deeper than this are refused.
pub const MAX_NESTING: usize = 128;
/// Includes nested deeper than this are refused.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Environment variables referring to others deeper than this are refused.
const MAX_ENV_DEPTH: usize = 32;

/// What a parse knows about where it is.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    /// The file being parsed (for spans and for resolving includes).
    pub file: Arc<Path>,
    /// Canonical paths of the files that include this one, outermost first.
    pub includes: Vec<PathBuf>,
    /// Environment variables being expanded, outermost first.
    pub env: Vec<String>,
}

enum Frame {
    Map(Map, Span),
    Array(Vec<Value>, Span),
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    ctx: &'a Context,
    line_starts: Vec<usize>,
    frames: Vec<Frame>,
    keys: Vec<Key>,
}

pub(crate) fn parse(text: &str, ctx: &Context) -> Result<Map, Error> {
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let root_span = Span {
        file: ctx.file.clone(),
        line: 1,
        col: 1,
    };
    let mut p = Parser {
        lexer: Lexer::new(text),
        ctx,
        line_starts,
        frames: vec![Frame::Map(Map::new(), root_span)],
        keys: Vec::new(),
    };
    p.run()?;
    match p.frames.into_iter().next() {
        Some(Frame::Map(map, _)) => Ok(map),
        _ => Err(Error {
            span: Span::file_only(ctx.file.clone()),
            kind: ErrorKind::Internal("root context is not a map"),
        }),
    }
}

impl Parser<'_> {
    fn span(&self, offset: usize) -> Span {
        let idx = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        Span {
            file: self.ctx.file.clone(),
            line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            col: u32::try_from(offset - start + 1).unwrap_or(u32::MAX),
        }
    }

    fn error(&self, offset: usize, kind: ErrorKind) -> Error {
        Error {
            span: self.span(offset),
            kind,
        }
    }

    fn run(&mut self) -> Result<(), Error> {
        let mut last_key: Option<String> = None;
        loop {
            let tok = match self.lexer.next_token() {
                Ok(t) => t,
                Err(e) => return Err(self.error(e.offset, ErrorKind::Syntax(e.message))),
            };
            if tok.kind == TokenKind::Eof {
                // A trailing key without a value is an error, except a lone
                // `}` (so a JSON-style file may end with a brace).
                if last_key.as_deref().is_some_and(|k| k != "}") {
                    return Err(self.error(tok.offset, ErrorKind::KeyWithoutValue));
                }
                return Ok(());
            }
            last_key = match tok.kind {
                TokenKind::Key { .. } => Some(tok.text.clone()),
                _ => None,
            };
            self.token(tok)?;
        }
    }

    fn token(&mut self, tok: Token) -> Result<(), Error> {
        let span = self.span(tok.offset);
        let scalar = |kind, notation| Value {
            kind,
            span: span.clone(),
            notation,
            variable: None,
        };
        match tok.kind {
            TokenKind::Eof => Ok(()),
            TokenKind::Key { quoted } => {
                self.keys.push(Key {
                    name: tok.text,
                    span,
                    quoted,
                });
                Ok(())
            }
            TokenKind::MapStart | TokenKind::ArrayStart => {
                if self.frames.len() > MAX_NESTING {
                    return Err(self.error(tok.offset, ErrorKind::TooDeep(MAX_NESTING)));
                }
                self.frames.push(if tok.kind == TokenKind::MapStart {
                    Frame::Map(Map::new(), span)
                } else {
                    Frame::Array(Vec::new(), span)
                });
                Ok(())
            }
            TokenKind::MapEnd | TokenKind::ArrayEnd => {
                if self.frames.len() < 2 {
                    return Err(self.error(tok.offset, ErrorKind::Internal("unbalanced close")));
                }
                let value = match self.frames.pop() {
                    Some(Frame::Map(m, s)) => Value::new(ValueKind::Map(m), s),
                    Some(Frame::Array(a, s)) => Value::new(ValueKind::Array(a), s),
                    None => return Err(self.error(tok.offset, ErrorKind::Internal("no context"))),
                };
                self.set_value(value, tok.offset)
            }
            TokenKind::Str(form) => {
                let notation = match form {
                    StrForm::Bare => Notation::Bare,
                    StrForm::Double => Notation::DoubleQuoted,
                    StrForm::Single => Notation::SingleQuoted,
                    StrForm::Block => Notation::Block,
                };
                self.set_value(scalar(ValueKind::Str(tok.text), notation), tok.offset)
            }
            TokenKind::Bool => {
                let b = ["true", "yes", "on"]
                    .iter()
                    .any(|t| tok.text.eq_ignore_ascii_case(t));
                self.set_value(scalar(ValueKind::Bool(b), Notation::Bare), tok.offset)
            }
            TokenKind::Integer => match parse_integer(&tok.text) {
                Ok(Some((n, sized))) => {
                    let notation = if sized {
                        Notation::SizeSuffix
                    } else {
                        Notation::Bare
                    };
                    self.set_value(scalar(ValueKind::Int(n), notation), tok.offset)
                }
                // Unknown suffix: the original sets nothing.
                Ok(None) => Ok(()),
                Err(kind) => Err(self.error(tok.offset, kind)),
            },
            TokenKind::Float => match tok.text.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    self.set_value(scalar(ValueKind::Float(x), Notation::Bare), tok.offset)
                }
                Ok(_) => Err(self.error(tok.offset, ErrorKind::FloatOutOfRange(tok.text))),
                Err(_) => Err(self.error(tok.offset, ErrorKind::BadFloat(tok.text))),
            },
            TokenKind::Datetime => match Datetime::parse(&tok.text) {
                Some(dt) => {
                    self.set_value(scalar(ValueKind::Datetime(dt), Notation::Bare), tok.offset)
                }
                None => Err(self.error(tok.offset, ErrorKind::BadDatetime(tok.text))),
            },
            TokenKind::Variable => {
                let value = self.variable(&tok.text, span)?;
                self.set_value(value, tok.offset)
            }
            TokenKind::Include => self.include(&tok.text, tok.offset),
        }
    }

    /// Put a finished value into the innermost open map (under the last
    /// pending key) or array.
    fn set_value(&mut self, value: Value, offset: usize) -> Result<(), Error> {
        match self.frames.last_mut() {
            Some(Frame::Array(items, _)) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map(map, _)) => match self.keys.pop() {
                Some(key) => {
                    map.insert(key, value);
                    Ok(())
                }
                None => Err(self.error(offset, ErrorKind::Internal("value without a key"))),
            },
            None => Err(self.error(offset, ErrorKind::Internal("no context"))),
        }
    }

    /// Resolve `$name`: enclosing maps innermost first, then the environment.
    fn variable(&mut self, name: &str, span: Span) -> Result<Value, Error> {
        let line = span.line;
        // An unquoted bcrypt hash (`$2a$...`) is a literal, not a variable.
        if name.starts_with("2a$") {
            return Ok(Value::new(ValueKind::Str(format!("${name}")), span));
        }
        for frame in self.frames.iter_mut().rev() {
            if let Frame::Map(map, _) = frame {
                if let Some(entry) = map.entry_mut(name) {
                    entry.used_as_variable = true;
                    let mut value = entry.value.clone();
                    value.span = span;
                    value.variable = Some(name.to_string());
                    return Ok(value);
                }
            }
        }
        let not_found = || Error {
            span: span.clone(),
            kind: ErrorKind::VariableNotFound {
                name: name.to_string(),
                line,
            },
        };
        let unparsable = |reason: ErrorKind| Error {
            span: span.clone(),
            kind: ErrorKind::VariableUnparsable {
                name: name.to_string(),
                line,
                reason: Box::new(reason),
            },
        };
        // `var_os` rejects names that cannot be environment variable names.
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(not_found());
        }
        let Some(raw) = std::env::var_os(name) else {
            return Err(not_found());
        };
        if self.ctx.env.iter().any(|n| n == name) {
            return Err(unparsable(ErrorKind::VariableCycle(name.to_string())));
        }
        if self.ctx.env.len() >= MAX_ENV_DEPTH {
            return Err(unparsable(ErrorKind::VariableCycle(name.to_string())));
        }
        // The value is parsed as the value of a key, so `2KB` is 2048.
        let text = format!("pk={}", raw.to_string_lossy());
        let mut sub = self.ctx.clone();
        sub.env.push(name.to_string());
        let map = parse(&text, &sub).map_err(|e| unparsable(e.kind))?;
        let Some(mut value) = map.get("pk").cloned() else {
            return Err(not_found());
        };
        value.relocate(&span, name);
        Ok(value)
    }

    /// `include path`: parse the file (relative to this file's directory)
    /// and merge its top-level keys into the innermost open map.
    fn include(&mut self, path: &str, offset: usize) -> Result<(), Error> {
        let resolved = resolve_include(&self.ctx.file, path);
        let shown = resolved.display().to_string();
        let open_error = |e: &std::io::Error| ErrorKind::IncludeOpen {
            path: path.to_string(),
            resolved: shown.clone(),
            reason: io_reason(e),
        };
        let canonical =
            std::fs::canonicalize(&resolved).map_err(|e| self.error(offset, open_error(&e)))?;
        if self.ctx.includes.contains(&canonical) {
            return Err(self.error(offset, ErrorKind::IncludeCycle(path.to_string())));
        }
        if self.ctx.includes.len() >= MAX_INCLUDE_DEPTH {
            return Err(self.error(offset, ErrorKind::IncludeTooDeep(MAX_INCLUDE_DEPTH)));
        }
        let bytes = std::fs::read(&resolved).map_err(|e| self.error(offset, open_error(&e)))?;
        let text = String::from_utf8_lossy(&bytes);
        let mut includes = self.ctx.includes.clone();
        includes.push(canonical);
        let sub = Context {
            file: Arc::from(resolved.as_path()),
            includes,
            env: Vec::new(),
        };
        let map = parse(&text, &sub).map_err(|inner| {
            self.error(
                offset,
                ErrorKind::Include {
                    path: path.to_string(),
                    inner: Box::new(inner),
                },
            )
        })?;
        for entry in map.into_entries() {
            let used = entry.used_as_variable;
            let name = entry.key.name.clone();
            self.keys.push(entry.key);
            self.set_value(entry.value, offset)?;
            if used {
                if let Some(Frame::Map(m, _)) = self.frames.last_mut() {
                    if let Some(e) = m.entry_mut(&name) {
                        e.used_as_variable = true;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The original joins the including file's directory and the include path
/// Go-style: a leading `/` does not make the path absolute.
fn resolve_include(file: &Path, include: &str) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new(""));
    let relative = include.trim_start_matches('/');
    dir.join(relative)
}

#[cfg(test)]
mod tests {
    use crate::{parse_str, ErrorKind, Notation, ValueKind};
    use std::path::Path;

    fn parse(src: &str) -> Result<crate::Map, crate::Error> {
        parse_str(src, Path::new("t.conf"))
    }

    fn err(src: &str) -> String {
        parse(src).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn variables_resolve_innermost_first_and_mark_use() {
        let map = parse("V: 1\na { V: 2, x: $V }\ny: $V\n").expect("parses");
        let a = map.get("a").and_then(|v| v.as_map()).expect("map");
        assert_eq!(a.get("x").and_then(|v| v.as_int()), Some(2));
        assert_eq!(map.get("y").and_then(|v| v.as_int()), Some(1));
        assert!(map.entry("V").is_some_and(|e| e.used_as_variable));
        assert_eq!(
            map.get("y").and_then(|v| v.variable.clone()),
            Some("V".into())
        );
    }

    #[test]
    fn variable_from_a_closed_block_is_not_visible() {
        assert_eq!(
            err("c { X = 5 }\nmax: $X\n"),
            "t.conf:2:6: variable reference for 'X' on line 2 can not be found"
        );
    }

    #[test]
    fn environment_values_are_parsed_as_config_values() {
        std::env::set_var("RNATS_CONF_TEST_PAY", "2KB");
        let map = parse("p: $RNATS_CONF_TEST_PAY\n").expect("parses");
        let p = map.get("p").expect("p");
        assert_eq!(p.kind, ValueKind::Int(2048));
        assert_eq!(p.notation, Notation::SizeSuffix);
        assert_eq!((p.span.line, p.span.col), (1, 4));
    }

    #[test]
    fn environment_cycles_are_errors() {
        std::env::set_var("RNATS_CONF_TEST_LOOP", "$RNATS_CONF_TEST_LOOP");
        let e = parse("p: $RNATS_CONF_TEST_LOOP\n").expect_err("cycle");
        assert_eq!(
            e.kind.to_string(),
            "variable reference for 'RNATS_CONF_TEST_LOOP' on line 1 could not be parsed: \
             variable reference for 'RNATS_CONF_TEST_LOOP' on line 1 could not be parsed: \
             variable reference cycle for 'RNATS_CONF_TEST_LOOP'"
        );
    }

    #[test]
    fn bcrypt_hash_is_a_literal() {
        let map = parse("pw: $2a$10$abc/def\n").expect("parses");
        assert_eq!(
            map.get("pw").and_then(|v| v.as_str()),
            Some("$2a$10$abc/def")
        );
    }

    #[test]
    fn dangling_key_in_a_block_moves_up_like_the_original() {
        // `a { b }`: the original sets `b = {}` at the top and drops `a`.
        let map = parse("a { b }\n").expect("parses");
        assert!(map.get("a").is_none());
        assert!(map
            .get("b")
            .and_then(|v| v.as_map())
            .is_some_and(|m| m.is_empty()));
    }

    #[test]
    fn key_at_end_of_file_is_invalid() {
        assert_eq!(err("port"), "t.conf:1:5: config is invalid");
        assert!(parse("port: 1\n}").is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("a: {}", "[".repeat(10_000));
        let e = parse(&deep).expect_err("too deep");
        assert_eq!(e.kind, ErrorKind::TooDeep(super::MAX_NESTING));
        let ok = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let map = parse("# c\n  port: 4222\nname: \"x\"\n").expect("parses");
        let e = map.entry("port").expect("port");
        assert_eq!((e.key.span.line, e.key.span.col), (2, 3));
        assert_eq!((e.value.span.line, e.value.span.col), (2, 9));
        let n = map.entry("name").expect("name");
        assert_eq!((n.value.span.line, n.value.span.col), (3, 7));
        assert_eq!(n.value.notation, Notation::DoubleQuoted);
    }

    #[test]
    fn include_resolves_relative_to_the_including_file() {
        let dir = std::env::temp_dir().join(format!("rnats-conf-inc-{}", std::process::id()));
        let sub = dir.join("sub");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("b.conf"), "b: 2\ninclude c.conf\n").expect("write");
        std::fs::write(sub.join("c.conf"), "c: 3\n").expect("write");
        std::fs::write(dir.join("a.conf"), "a: 1\nx { include sub/b.conf }\n").expect("write");
        let map = crate::parse_file(&dir.join("a.conf")).expect("parses");
        let x = map.get("x").and_then(|v| v.as_map()).expect("x");
        assert_eq!(x.get("c").and_then(|v| v.as_int()), Some(3));
        assert!(x
            .entry("c")
            .is_some_and(|e| e.key.span.file.ends_with("sub/c.conf")));
        std::fs::write(sub.join("c.conf"), "c: [\n").expect("write");
        let e = crate::parse_file(&dir.join("a.conf")).expect_err("broken include");
        assert!(
            e.to_string()
                .contains("error parsing include file 'sub/b.conf', "),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("error parsing include file 'c.conf', "),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
