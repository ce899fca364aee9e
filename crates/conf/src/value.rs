//! The tree a parse produces: [`Value`], [`ValueKind`], [`Map`] and [`Span`].

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Where something was written: file, 1-based line and 1-based byte column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the text came from (the `origin` given to [`crate::parse_str`]).
    pub file: Arc<Path>,
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: u32,
    /// 1-based column, counted in bytes as the original does.
    pub col: u32,
}

impl Span {
    /// A span that points at a whole file rather than a place in it.
    pub fn file_only(file: Arc<Path>) -> Self {
        Span {
            file,
            line: 0,
            col: 0,
        }
    }

    /// The column as nats-server prints it in `file:line:col` messages: it
    /// counts from 0 on the first line of a file and from 1 on the others
    /// (a quirk of how it tracks line starts). Use this to match its error
    /// text exactly.
    pub fn reference_col(&self) -> u32 {
        if self.line == 1 {
            self.col.saturating_sub(1)
        } else {
            self.col
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
        }
    }
}

/// How a scalar was written. The server needs this for a few warnings (an
/// integer where a duration belongs) and it lets tools tell `"true"` from
/// `true` after the fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Notation {
    /// Unquoted text, a plain number, a map or an array.
    #[default]
    Bare,
    /// `"..."`, escapes processed.
    DoubleQuoted,
    /// `'...'`, raw.
    SingleQuoted,
    /// `key (` newline ... newline `)`: a raw multi-line block string.
    Block,
    /// An integer written with a size suffix such as `1k`, `2MB`, `3GiB`.
    SizeSuffix,
}

/// A Zulu date-time `YYYY-MM-DDTHH:MM:SSZ`, already checked for range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Datetime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Datetime {
    /// Parse exactly `YYYY-MM-DDTHH:MM:SSZ` with calendar checks; `None` if invalid.
    pub fn parse(text: &str) -> Option<Datetime> {
        let b = text.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
            return None;
        }
        if b[16] != b':' || b[19] != b'Z' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u16> {
            let s = text.get(from..to)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let year = num(0, 4)?;
        let month = u8::try_from(num(5, 7)?).ok()?;
        let day = u8::try_from(num(8, 10)?).ok()?;
        let hour = u8::try_from(num(11, 13)?).ok()?;
        let minute = u8::try_from(num(14, 16)?).ok()?;
        let second = u8::try_from(num(17, 19)?).ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        Some(Datetime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }
}

impl fmt::Display for Datetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// What a value is.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// `true/false/yes/no/on/off`, any case, unquoted.
    Bool(bool),
    /// An integer, size suffix already applied (see [`Notation::SizeSuffix`]).
    Int(i64),
    /// `1.5`, `-0.25`: digits, a dot, digits.
    Float(f64),
    /// Any string: quoted, bare, block, or a number-like word such as `10s`.
    Str(String),
    /// `2024-01-02T15:04:05Z`.
    Datetime(Datetime),
    Array(Vec<Value>),
    Map(Map),
}

impl ValueKind {
    /// A short name for messages: "bool", "integer", "float", "string", ...
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueKind::Bool(_) => "bool",
            ValueKind::Int(_) => "integer",
            ValueKind::Float(_) => "float",
            ValueKind::Str(_) => "string",
            ValueKind::Datetime(_) => "datetime",
            ValueKind::Array(_) => "array",
            ValueKind::Map(_) => "map",
        }
    }
}

/// A value with where it was written and how.
///
/// Equality compares content only ([`ValueKind`]); spans, notation and the
/// variable name are ignored, so a printed-and-reparsed tree equals the
/// original.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
    pub notation: Notation,
    /// `Some(name)` when the value came from a `$name` reference; `span` is
    /// then the reference, not the definition.
    pub variable: Option<String>,
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Value {
    /// A bare value at `span`.
    pub fn new(kind: ValueKind, span: Span) -> Self {
        Value {
            kind,
            span,
            notation: Notation::Bare,
            variable: None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self.kind {
            ValueKind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self.kind {
            ValueKind::Float(x) => Some(x),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            ValueKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Set `span` (and `variable`) on this value and everything inside it.
    pub(crate) fn relocate(&mut self, span: &Span, variable: &str) {
        self.span = span.clone();
        self.variable = Some(variable.to_string());
        match &mut self.kind {
            ValueKind::Array(items) => items.iter_mut().for_each(|v| v.relocate(span, variable)),
            ValueKind::Map(map) => map.entries.iter_mut().for_each(|e| {
                e.key.span = span.clone();
                e.value.relocate(span, variable);
            }),
            _ => {}
        }
    }
}

/// A map key: its text, where it was written and whether it was quoted.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
    pub quoted: bool,
}

/// One `key: value` pair of a [`Map`].
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Key,
    pub value: Value,
    /// Set when a later `$key` reference used this entry as a variable. The
    /// server exempts such entries from its unknown-field check.
    pub used_as_variable: bool,
}

/// Keys to values in the order first written. A repeated key replaces the
/// value in place (last one wins, no error, as the original).
///
/// Equality compares keys and values in order, not spans.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.key.name == b.key.name && a.value == b.value)
    }
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Insert or replace; a replaced entry keeps its position but takes the
    /// new key span and value.
    pub fn insert(&mut self, key: Key, value: Value) {
        if let Some(&i) = self.index.get(&key.name) {
            if let Some(entry) = self.entries.get_mut(i) {
                entry.key = key;
                entry.value = value;
                entry.used_as_variable = false;
                return;
            }
        }
        self.index.insert(key.name.clone(), self.entries.len());
        self.entries.push(Entry {
            key,
            value,
            used_as_variable: false,
        });
    }

    /// Exact (case-sensitive) lookup.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entry(name).map(|e| &e.value)
    }

    /// Exact (case-sensitive) lookup of the whole entry.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.index.get(name).and_then(|&i| self.entries.get(i))
    }

    pub(crate) fn entry_mut(&mut self, name: &str) -> Option<&mut Entry> {
        match self.index.get(name) {
            Some(&i) => self.entries.get_mut(i),
            None => None,
        }
    }

    /// Case-insensitive lookup, as the server matches option names. If
    /// several keys differ only in case, the last written wins.
    pub fn get_ignore_case(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.name.eq_ignore_ascii_case(name))
    }

    /// Entries in the order first written.
    pub fn iter(&self) -> std::slice::Iter<'_, Entry> {
        self.entries.iter()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries, consuming the map.
    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span {
            file: Arc::from(Path::new("t.conf")),
            line: 1,
            col: 1,
        }
    }

    fn key(name: &str) -> Key {
        Key {
            name: name.into(),
            span: span(),
            quoted: false,
        }
    }

    #[test]
    fn repeated_key_replaces_in_place() {
        let mut m = Map::new();
        m.insert(key("a"), Value::new(ValueKind::Int(1), span()));
        m.insert(key("b"), Value::new(ValueKind::Int(2), span()));
        m.insert(key("a"), Value::new(ValueKind::Int(3), span()));
        let names: Vec<_> = m.iter().map(|e| e.key.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(m.get("a").and_then(Value::as_int), Some(3));
    }

    #[test]
    fn ignore_case_lookup_finds_last_spelling() {
        let mut m = Map::new();
        m.insert(key("Port"), Value::new(ValueKind::Int(1), span()));
        m.insert(key("PORT"), Value::new(ValueKind::Int(2), span()));
        assert_eq!(
            m.get_ignore_case("port").map(|e| e.key.name.as_str()),
            Some("PORT")
        );
        assert!(m.get("port").is_none());
    }

    #[test]
    fn datetime_checks_calendar() {
        assert!(Datetime::parse("2024-02-29T23:59:59Z").is_some());
        assert!(Datetime::parse("2023-02-29T00:00:00Z").is_none());
        assert!(Datetime::parse("2024-01-32T00:00:00Z").is_none());
        assert!(Datetime::parse("2024-13-01T00:00:00Z").is_none());
        assert!(Datetime::parse("2024-01-01T24:00:00Z").is_none());
        assert_eq!(
            Datetime::parse("2024-01-02T15:04:05Z").map(|d| d.to_string()),
            Some("2024-01-02T15:04:05Z".to_string())
        );
    }

    #[test]
    fn reference_col_counts_from_zero_on_line_one() {
        let mut s = span();
        s.col = 5;
        assert_eq!(s.reference_col(), 4);
        s.line = 2;
        assert_eq!(s.reference_col(), 5);
    }
}
