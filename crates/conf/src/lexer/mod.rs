//! Lexer: conf text to tokens.
//!
//! A state machine with an explicit stack of "where to go after this value"
//! states, so nesting never recurses. Its states and their quirks follow the
//! observable behaviour of nats-server's `conf/lex.go` (v2.15.1): which
//! characters end a bare value, when `12ab` becomes a string, which error
//! text each mistake gets. Comments produce no tokens.
//!
//! This file holds the cursor and the structural states (keys, maps,
//! arrays, separators); `keys.rs` the key and `include` states;
//! `scalars.rs` the value states (strings,
//! numbers, dates).

mod keys;
mod scalars;

/// What a token is. Its text is in [`Token::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Key {
        quoted: bool,
    },
    Str(StrForm),
    Bool,
    Integer,
    Float,
    Datetime,
    ArrayStart,
    ArrayEnd,
    MapStart,
    MapEnd,
    /// `$name`; the text is the name without `$`.
    Variable,
    /// `include path`; the text is the path.
    Include,
    Eof,
}

/// How a string token was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrForm {
    Bare,
    Double,
    Single,
    Block,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// Byte offset where the token starts (at the opening quote, `[` or `{`).
    pub offset: usize,
}

/// A lexing error: the original's message and the byte offset it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: String,
    pub offset: usize,
}

/// Nested `{`/`[`/top-level-brace states beyond this are refused.
const MAX_STACK: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Top,
    TopValueEnd,
    BlockStart,
    BlockValueEnd,
    BlockEnd,
    KeyStart,
    KeyQuoted(char),
    Key,
    KeyEnd,
    IncludeStart,
    Include,
    IncludeQuoted(char),
    IncludeBare,
    Value,
    ArrayValue,
    ArrayValueEnd,
    MapKeyStart,
    MapKeyQuoted(char),
    MapKey,
    MapKeyEnd,
    MapValue,
    MapValueEnd,
    SingleQuoted,
    DoubleQuoted,
    Bare,
    BlockString,
    Escape,
    HexEscape,
    NumberStart,
    Number,
    Suffix,
    DateAfterYear,
    NegNumberStart,
    NegNumber,
    FloatStart,
    Float,
    IpAddr,
    Comment,
    Done,
}

type Step = Result<State, LexError>;

pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// Start of the text the next token will take.
    start: usize,
    pos: usize,
    /// Width of the last char read, for `backup`.
    width: usize,
    state: State,
    stack: Vec<State>,
    /// Bytes of a string that had escapes, collected so far.
    parts: Vec<u8>,
    has_parts: bool,
    /// The string state an escape returns to.
    string_state: State,
    pending: Option<Token>,
    /// Where the value being read began (its opening quote, if any).
    value_offset: usize,
}

fn is_ws(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

fn is_nl(c: Option<char>) -> bool {
    matches!(c, Some('\n' | '\r'))
}

fn is_space(c: Option<char>) -> bool {
    c.is_some_and(char::is_whitespace)
}

fn is_digit(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

fn is_sep(c: Option<char>) -> bool {
    matches!(c, Some('=' | ':'))
}

fn is_suffix(c: Option<char>) -> bool {
    matches!(
        c,
        Some('k' | 'K' | 'm' | 'M' | 'g' | 'G' | 't' | 'T' | 'p' | 'P' | 'e' | 'E')
    )
}

/// The chars that end a number (besides a digit).
fn ends_number(c: Option<char>) -> bool {
    c.is_none() || is_nl(c) || is_ws(c) || matches!(c, Some('}' | ';' | ','))
}

/// A char as the original prints it in messages: newline as `\n`, EOF empty.
fn show(c: Option<char>) -> String {
    match c {
        None => String::new(),
        Some('\n') => "\\n".to_string(),
        Some(c) => c.to_string(),
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer {
            src,
            start: 0,
            pos: 0,
            width: 0,
            state: State::Top,
            stack: Vec::new(),
            parts: Vec::new(),
            has_parts: false,
            string_state: State::Bare,
            pending: None,
            value_offset: 0,
        }
    }

    /// The next token; after an error or EOF, EOF forever.
    pub(crate) fn next_token(&mut self) -> Result<Token, LexError> {
        loop {
            if let Some(tok) = self.pending.take() {
                if tok.kind == TokenKind::Eof {
                    self.state = State::Done;
                }
                return Ok(tok);
            }
            if self.state == State::Done {
                return Ok(Token {
                    kind: TokenKind::Eof,
                    text: String::new(),
                    offset: self.src.len(),
                });
            }
            match self.step(self.state) {
                Ok(next) => self.state = next,
                Err(e) => {
                    self.state = State::Done;
                    return Err(e);
                }
            }
        }
    }

    // ---- cursor ----

    fn next(&mut self) -> Option<char> {
        let c = self.src.get(self.pos..).and_then(|s| s.chars().next());
        self.width = c.map_or(0, char::len_utf8);
        self.pos += self.width;
        c
    }

    fn backup(&mut self) {
        self.pos -= self.width;
        self.width = 0;
    }

    /// The next char, not consumed. Also forgets the last char read, so an
    /// error right after a peek points at the current position.
    fn peek(&mut self) -> Option<char> {
        self.width = 0;
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn text(&self) -> &str {
        self.src.get(self.start..self.pos).unwrap_or("")
    }

    fn push(&mut self, s: State) -> Result<(), LexError> {
        if self.stack.len() >= MAX_STACK {
            return Err(self.err("nesting too deep".to_string()));
        }
        self.stack.push(s);
        Ok(())
    }

    fn pop(&mut self) -> Step {
        match self.stack.pop() {
            Some(s) => Ok(s),
            None => Err(self.err("BUG in lexer: no states to pop.".to_string())),
        }
    }

    fn err(&self, message: String) -> LexError {
        // Point at the char just read (or at the end of input).
        LexError {
            message,
            offset: self.pos.saturating_sub(self.width),
        }
    }

    /// Emit the current text (with any escaped parts) as a token starting at `offset`.
    fn emit_at(&mut self, kind: TokenKind, offset: usize) {
        let mut bytes = std::mem::take(&mut self.parts);
        bytes.extend_from_slice(self.text().as_bytes());
        self.has_parts = false;
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        self.pending = Some(Token { kind, text, offset });
        self.start = self.pos;
    }

    fn emit(&mut self, kind: TokenKind) {
        let offset = self.start;
        self.emit_at(kind, offset);
    }

    /// Keep the text so far (minus the `\`) as part of an escaped string.
    fn add_current_part(&mut self) {
        let end = self.pos.saturating_sub(1).max(self.start);
        let text = self.src.get(self.start..end).unwrap_or("");
        self.parts.extend_from_slice(text.as_bytes());
        self.has_parts = true;
        self.start = self.pos;
    }

    fn add_part(&mut self, bytes: &[u8]) -> State {
        self.parts.extend_from_slice(bytes);
        self.has_parts = true;
        self.start = self.pos;
        self.string_state
    }

    /// After `#` or `//`: go to a comment, then to `after`.
    fn comment(&mut self, after: State) -> Step {
        self.push(after)?;
        Ok(State::Comment)
    }

    /// Having read `/`: `Some(step)` if it starts a `//` comment, else the
    /// second char is put back and `None`.
    fn slash_comment(&mut self, after: State) -> Option<Step> {
        if self.next() == Some('/') {
            return Some(self.comment(after));
        }
        self.backup();
        None
    }

    fn eof_or_error(&mut self) -> Step {
        if self.pos > self.start {
            return Err(self.err("Unexpected EOF.".to_string()));
        }
        self.emit(TokenKind::Eof);
        Ok(State::Done)
    }

    // ---- states ----

    fn step(&mut self, state: State) -> Step {
        match state {
            State::Top => self.top(),
            State::TopValueEnd => self.top_value_end(),
            State::BlockStart => self.block_start(),
            State::BlockValueEnd => self.block_value_end(),
            State::BlockEnd => self.block_end(),
            State::KeyStart => self.key_start(),
            State::KeyQuoted(q) => self.key_quoted(q),
            State::Key => self.key(),
            State::KeyEnd => self.key_end(),
            State::IncludeStart => self.include_start(),
            State::Include => self.include(),
            State::IncludeQuoted(q) => self.include_quoted(q),
            State::IncludeBare => self.include_bare(),
            State::Value => self.value(),
            State::ArrayValue => self.array_value(),
            State::ArrayValueEnd => self.array_value_end(),
            State::MapKeyStart => self.map_key_start(),
            State::MapKeyQuoted(q) => self.map_key_quoted(q),
            State::MapKey => self.map_key(),
            State::MapKeyEnd => self.map_key_end(),
            State::MapValue => self.map_value(),
            State::MapValueEnd => self.map_value_end(),
            State::SingleQuoted => self.single_quoted(),
            State::DoubleQuoted => self.double_quoted(),
            State::Bare => self.bare(),
            State::BlockString => self.block_string(),
            State::Escape => self.escape(),
            State::HexEscape => self.hex_escape(),
            State::NumberStart => self.number_start(false),
            State::NegNumberStart => self.number_start(true),
            State::Number => self.number(),
            State::NegNumber => self.neg_number(),
            State::Suffix => self.suffix(),
            State::DateAfterYear => self.date_after_year(),
            State::FloatStart => self.float_start(),
            State::Float => self.float(),
            State::IpAddr => self.ip_addr(),
            State::Comment => self.comment_body(),
            State::Done => Ok(State::Done),
        }
    }

    fn top(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::Top);
        }
        match c {
            Some('{') => {
                self.push(State::Top)?;
                self.ignore();
                return Ok(State::BlockStart);
            }
            Some('#') => return self.comment(State::Top),
            Some('/') => {
                if let Some(step) = self.slash_comment(State::Top) {
                    return step;
                }
                return self.eof_or_error();
            }
            None => return self.eof_or_error(),
            _ => {}
        }
        self.backup();
        self.push(State::TopValueEnd)?;
        Ok(State::KeyStart)
    }

    fn top_value_end(&mut self) -> Step {
        let c = self.next();
        match c {
            Some('#') => self.comment(State::Top),
            Some('/') => match self.slash_comment(State::Top) {
                Some(step) => step,
                None => Ok(State::TopValueEnd),
            },
            Some(' ' | '\t') => Ok(State::TopValueEnd),
            None | Some('\n' | '\r' | ';' | ',' | '}') => {
                self.ignore();
                Ok(State::Top)
            }
            _ => Err(self.err(format!(
                "Expected a top-level value to end with a new line, comment or EOF, but got '{}' instead.",
                show(c)
            ))),
        }
    }

    fn block_start(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::BlockStart);
        }
        match c {
            Some('{') => {
                self.push(State::BlockEnd)?;
                self.ignore();
                return Ok(State::BlockStart);
            }
            Some('}') => {
                self.ignore();
                return self.pop();
            }
            Some('#') => return self.comment(State::BlockStart),
            Some('/') => {
                if let Some(step) = self.slash_comment(State::BlockStart) {
                    return step;
                }
                return self.eof_or_error();
            }
            None => return self.eof_or_error(),
            _ => {}
        }
        self.backup();
        self.push(State::BlockValueEnd)?;
        Ok(State::KeyStart)
    }

    fn block_value_end(&mut self) -> Step {
        let c = self.next();
        match c {
            Some('#') => self.comment(State::BlockValueEnd),
            Some('/') => match self.slash_comment(State::BlockValueEnd) {
                Some(step) => step,
                None => Ok(State::BlockValueEnd),
            },
            Some(' ' | '\t') => Ok(State::BlockValueEnd),
            Some('\n' | '\r' | ';' | ',') => {
                self.ignore();
                Ok(State::BlockStart)
            }
            Some('}') => {
                self.backup();
                Ok(State::BlockEnd)
            }
            _ => Err(self.err(format!(
                "Expected a block-level value to end with a new line, comment or EOF, but got '{}' instead.",
                show(c)
            ))),
        }
    }

    fn block_end(&mut self) -> Step {
        let c = self.next();
        match c {
            Some('#') => self.comment(State::BlockStart),
            Some('/') => match self.slash_comment(State::BlockStart) {
                Some(step) => step,
                None => Ok(State::BlockEnd),
            },
            Some(' ' | '\t' | '\n' | '\r') => Ok(State::BlockEnd),
            Some(';' | ',') => {
                self.ignore();
                Ok(State::BlockStart)
            }
            Some('}') => {
                self.ignore();
                self.pop()
            }
            _ => Err(self.err(format!(
                "Expected a block-level to end with a '}}', but got '{}' instead.",
                show(c)
            ))),
        }
    }

    fn value(&mut self) -> Step {
        let c = self.next();
        if is_ws(c) {
            self.ignore();
            return Ok(State::Value);
        }
        self.value_offset = self.pos - self.width;
        match c {
            Some('[') => {
                self.ignore();
                self.emit_at(TokenKind::ArrayStart, self.pos - 1);
                Ok(State::ArrayValue)
            }
            Some('{') => {
                self.ignore();
                self.emit_at(TokenKind::MapStart, self.pos - 1);
                Ok(State::MapKeyStart)
            }
            Some('\'') => {
                self.ignore();
                Ok(State::SingleQuoted)
            }
            Some('"') => {
                self.ignore();
                self.string_state = State::DoubleQuoted;
                Ok(State::DoubleQuoted)
            }
            Some('-') => Ok(State::NegNumberStart),
            Some('(') => {
                self.ignore();
                Ok(State::BlockString)
            }
            Some(d) if d.is_ascii_digit() => {
                self.backup();
                Ok(State::NumberStart)
            }
            Some('.') => Err(self.err("Floats must start with a digit".to_string())),
            Some('\n' | '\r') => Err(self.err("Expected value but found new line".to_string())),
            _ => {
                self.backup();
                self.string_state = State::Bare;
                Ok(State::Bare)
            }
        }
    }

    fn array_value(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::ArrayValue);
        }
        match c {
            Some('#') => self.comment(State::ArrayValue),
            Some('/') => match self.slash_comment(State::ArrayValue) {
                Some(step) => step,
                None => Err(self.err("Unexpected array value terminator ','.".to_string())),
            },
            Some(',') => Err(self.err("Unexpected array value terminator ','.".to_string())),
            Some(']') => self.array_end(),
            _ => {
                self.backup();
                self.push(State::ArrayValueEnd)?;
                Ok(State::Value)
            }
        }
    }

    fn array_value_end(&mut self) -> Step {
        let c = self.next();
        match c {
            Some(' ' | '\t') => {
                self.ignore();
                Ok(State::ArrayValueEnd)
            }
            Some('#') => self.comment(State::ArrayValueEnd),
            Some('/') => match self.slash_comment(State::ArrayValueEnd) {
                Some(step) => step,
                None => {
                    self.ignore();
                    Ok(State::ArrayValue)
                }
            },
            Some(',' | '\n' | '\r') => {
                self.ignore();
                Ok(State::ArrayValue)
            }
            Some(']') => self.array_end(),
            _ => Err(self.err(format!(
                "Expected an array value terminator \",\" or an array terminator \"]\", but got '{}' instead.",
                show(c)
            ))),
        }
    }

    fn array_end(&mut self) -> Step {
        self.ignore();
        self.emit_at(TokenKind::ArrayEnd, self.pos - 1);
        self.pop()
    }

    fn map_key_start(&mut self) -> Step {
        let c = self.peek();
        if is_sep(c) {
            self.next();
            return Err(self.err(format!("Unexpected key separator '{}'.", show(c))));
        }
        if c == Some(']') {
            self.next();
            return Err(self.err("Unexpected array end ']' processing map.".to_string()));
        }
        if is_space(c) {
            self.next();
            self.ignore();
            return Ok(State::MapKeyStart);
        }
        match c {
            Some('}') => {
                self.next();
                self.ignore();
                return self.map_end();
            }
            Some('#') => {
                self.next();
                return self.comment(State::MapKeyStart);
            }
            Some('/') => {
                self.next();
                if let Some(step) = self.slash_comment(State::MapKeyStart) {
                    return step;
                }
                // A lone '/' is dropped and the key starts after it.
            }
            Some(q @ ('"' | '\'')) => {
                self.next();
                self.ignore();
                return Ok(State::MapKeyQuoted(q));
            }
            None => return Err(self.err("Unexpected EOF processing map.".to_string())),
            _ => {}
        }
        self.ignore();
        self.next();
        Ok(State::MapKey)
    }

    fn map_key_quoted(&mut self, quote: char) -> Step {
        match self.peek() {
            None => Err(self.err(if quote == '"' {
                "Unexpected EOF processing double quoted map key.".to_string()
            } else {
                "Unexpected EOF processing quoted map key.".to_string()
            })),
            Some(c) if c == quote => {
                let offset = self.start.saturating_sub(1);
                self.emit_at(TokenKind::Key { quoted: true }, offset);
                self.next();
                self.ignore();
                Ok(State::MapKeyEnd)
            }
            Some(_) => {
                self.next();
                Ok(State::MapKeyQuoted(quote))
            }
        }
    }

    fn map_key(&mut self) -> Step {
        let c = self.peek();
        if c.is_none() {
            return Err(self.err("Unexpected EOF processing map key.".to_string()));
        }
        if is_space(c) {
            return self.keyword_or_key(State::MapKeyEnd, Some(State::MapValueEnd));
        }
        if is_sep(c) {
            self.emit(TokenKind::Key { quoted: false });
            return Ok(State::MapKeyEnd);
        }
        self.next();
        Ok(State::MapKey)
    }

    fn map_key_end(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::MapKeyEnd);
        }
        if is_sep(c) {
            self.ignore();
            return Ok(State::MapValue);
        }
        self.backup();
        Ok(State::MapValue)
    }

    fn map_value(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::MapValue);
        }
        match c {
            Some(',') => Err(self.err("Unexpected map value terminator \",\".".to_string())),
            Some('}') => {
                self.ignore();
                self.map_end()
            }
            _ => {
                self.backup();
                self.push(State::MapValueEnd)?;
                Ok(State::Value)
            }
        }
    }

    fn map_value_end(&mut self) -> Step {
        let c = self.next();
        match c {
            Some(' ' | '\t') => {
                self.ignore();
                Ok(State::MapValueEnd)
            }
            Some('#') => self.comment(State::MapValueEnd),
            Some('/') => match self.slash_comment(State::MapValueEnd) {
                Some(step) => step,
                None => {
                    self.ignore();
                    Ok(State::MapKeyStart)
                }
            },
            Some(';' | ',' | '\n' | '\r') => {
                self.ignore();
                Ok(State::MapKeyStart)
            }
            Some('}') => {
                self.ignore();
                self.map_end()
            }
            _ => Err(self.err(format!(
                "Expected a map value terminator \",\" or a map terminator \"}}\", but got '{}' instead.",
                show(c)
            ))),
        }
    }

    fn map_end(&mut self) -> Step {
        self.ignore();
        self.emit_at(TokenKind::MapEnd, self.pos - 1);
        self.pop()
    }
}

#[cfg(test)]
mod tests;
