//! Lexer: conf text to tokens.
//!
//! A state machine with an explicit stack of "where to go after this value"
//! states, so nesting never recurses. Its states and their quirks follow the
//! observable behaviour of nats-server's `conf/lex.go` (v2.15.1): which
//! characters end a bare value, when `12ab` becomes a string, which error
//! text each mistake gets. Comments produce no tokens.

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

    fn key_start(&mut self) -> Step {
        let c = self.peek();
        if is_sep(c) {
            self.next();
            return Err(self.err(format!("Unexpected key separator '{}'", show(c))));
        }
        if is_space(c) {
            self.next();
            self.ignore();
            return Ok(State::KeyStart);
        }
        if let Some(q @ ('"' | '\'')) = c {
            self.next();
            self.ignore();
            return Ok(State::KeyQuoted(q));
        }
        self.ignore();
        self.next();
        Ok(State::Key)
    }

    fn key_quoted(&mut self, quote: char) -> Step {
        match self.peek() {
            Some(c) if c == quote => {
                let offset = self.start.saturating_sub(1);
                self.emit_at(TokenKind::Key { quoted: true }, offset);
                self.next();
                self.ignore();
                Ok(State::KeyEnd)
            }
            None => self.eof_or_error(),
            Some(_) => {
                self.next();
                Ok(State::KeyQuoted(quote))
            }
        }
    }

    /// A bare key followed by whitespace may be the `include` keyword.
    fn keyword_or_key(&mut self, after_key: State, after_include: Option<State>) -> Step {
        if self.text().eq_ignore_ascii_case("include") {
            self.ignore();
            if let Some(s) = after_include {
                self.push(s)?;
            }
            return Ok(State::IncludeStart);
        }
        self.emit(TokenKind::Key { quoted: false });
        Ok(after_key)
    }

    fn key(&mut self) -> Step {
        let c = self.peek();
        if is_space(c) {
            return self.keyword_or_key(State::KeyEnd, None);
        }
        if is_sep(c) || c.is_none() {
            self.emit(TokenKind::Key { quoted: false });
            return Ok(State::KeyEnd);
        }
        self.next();
        Ok(State::Key)
    }

    fn key_end(&mut self) -> Step {
        let c = self.next();
        if is_space(c) {
            self.ignore();
            return Ok(State::KeyEnd);
        }
        if is_sep(c) {
            self.ignore();
            return Ok(State::Value);
        }
        if c.is_none() {
            self.emit(TokenKind::Eof);
            return Ok(State::Done);
        }
        self.backup();
        Ok(State::Value)
    }

    fn include_start(&mut self) -> Step {
        let c = self.next();
        if is_ws(c) {
            self.ignore();
            return Ok(State::IncludeStart);
        }
        self.backup();
        Ok(State::Include)
    }

    fn include(&mut self) -> Step {
        let c = self.next();
        let found = match c {
            Some(q @ ('"' | '\'')) => {
                self.ignore();
                return Ok(State::IncludeQuoted(q));
            }
            Some('[') => "start of an array",
            Some('{') => "start of a map",
            Some('(') => "start of a block",
            Some('-') => "start of a number",
            Some(d) if d.is_ascii_digit() => "start of a number",
            Some('\\') => "escape sequence",
            Some('\n' | '\r') => "new line",
            _ => {
                self.backup();
                return Ok(State::IncludeBare);
            }
        };
        Err(self.err(format!("Expected include value but found {found}")))
    }

    fn include_quoted(&mut self, quote: char) -> Step {
        match self.next() {
            Some(c) if c == quote => {
                self.backup();
                self.emit(TokenKind::Include);
                self.next();
                self.ignore();
                self.pop()
            }
            None => Err(self.err(if quote == '"' {
                "Unexpected EOF in double quoted include".to_string()
            } else {
                "Unexpected EOF in quoted include".to_string()
            })),
            Some(_) => Ok(State::IncludeQuoted(quote)),
        }
    }

    fn include_bare(&mut self) -> Step {
        let c = self.next();
        if c.is_none() || is_nl(c) || is_ws(c) || matches!(c, Some(';' | '}')) {
            self.backup();
            self.emit(TokenKind::Include);
            return self.pop();
        }
        if c == Some('\'') {
            self.backup();
            self.emit(TokenKind::Include);
            self.next();
            self.ignore();
            return self.pop();
        }
        Ok(State::IncludeBare)
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

    fn single_quoted(&mut self) -> Step {
        match self.next() {
            Some('\'') => {
                self.backup();
                let offset = self.value_offset;
                self.emit_at(TokenKind::Str(StrForm::Single), offset);
                self.next();
                self.ignore();
                self.pop()
            }
            None => self.eof_or_error(),
            Some(_) => Ok(State::SingleQuoted),
        }
    }

    fn double_quoted(&mut self) -> Step {
        match self.next() {
            Some('\\') => {
                self.add_current_part();
                Ok(State::Escape)
            }
            Some('"') => {
                self.backup();
                let offset = self.value_offset;
                self.emit_at(TokenKind::Str(StrForm::Double), offset);
                self.next();
                self.ignore();
                self.pop()
            }
            None if self.has_parts => Err(self.err("Unexpected EOF.".to_string())),
            None => self.eof_or_error(),
            Some(_) => Ok(State::DoubleQuoted),
        }
    }

    fn bare(&mut self) -> Step {
        let c = self.next();
        if c == Some('\\') {
            self.add_current_part();
            return Ok(State::Escape);
        }
        if c.is_none() || is_nl(c) || is_ws(c) || matches!(c, Some(';' | ',' | ']' | '}')) {
            self.backup();
            if self.has_parts {
                let offset = self.value_offset;
                self.emit_at(TokenKind::Str(StrForm::Bare), offset);
            } else if is_bool(self.text()) {
                self.emit(TokenKind::Bool);
            } else if self.text().starts_with('$') {
                let offset = self.start;
                self.start += 1;
                self.emit_at(TokenKind::Variable, offset);
            } else {
                self.emit(TokenKind::Str(StrForm::Bare));
            }
            return self.pop();
        }
        if c == Some('\'') {
            self.backup();
            let offset = self.value_offset;
            self.emit_at(TokenKind::Str(StrForm::Bare), offset);
            self.next();
            self.ignore();
            return self.pop();
        }
        Ok(State::Bare)
    }

    fn block_string(&mut self) -> Step {
        match self.next() {
            None => Err(self.err("Unexpected EOF processing block.".to_string())),
            Some(')') => {
                // The block ends at a ')' alone on its line: preceded by a
                // newline and followed by a newline or EOF.
                let close = self.pos - 1;
                let before = self.src.as_bytes().get(close.wrapping_sub(1)).copied();
                if close > 0 && before == Some(b'\n') {
                    let after = self.peek();
                    if after.is_none() || after == Some('\n') {
                        self.pos = close;
                        let offset = self.value_offset;
                        self.emit_at(TokenKind::Str(StrForm::Block), offset);
                        self.pos = close + 1;
                        self.ignore();
                        return self.pop();
                    }
                }
                Ok(State::BlockString)
            }
            Some(_) => Ok(State::BlockString),
        }
    }

    fn escape(&mut self) -> Step {
        let c = self.next();
        let bytes: &[u8] = match c {
            Some('x') => return Ok(State::HexEscape),
            Some('t') => b"\t",
            Some('n') => b"\n",
            Some('r') => b"\r",
            Some('"') => b"\"",
            Some('\\') => b"\\",
            _ => {
                return Err(self.err(format!(
                    "Invalid escape character '{}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.",
                    show(c)
                )))
            }
        };
        Ok(self.add_part(bytes))
    }

    fn hex_escape(&mut self) -> Step {
        let eol = "Expected two hexadecimal digits after '\\x', but hit end of line";
        let a = self.next();
        if is_nl(a) {
            return Err(self.err(eol.to_string()));
        }
        let b = self.next();
        if is_nl(b) {
            return Err(self.err(eol.to_string()));
        }
        let hex = |c: Option<char>| c.and_then(|c| c.to_digit(16));
        match (hex(a), hex(b)) {
            (Some(hi), Some(lo)) => {
                let byte = u8::try_from(hi * 16 + lo).unwrap_or(0);
                Ok(self.add_part(&[byte]))
            }
            _ => Err(self.err(format!(
                "Expected two hexadecimal digits after '\\x', but got '{}{}'",
                a.map(String::from).unwrap_or_default(),
                b.map(String::from).unwrap_or_default()
            ))),
        }
    }

    fn number_start(&mut self, negative: bool) -> Step {
        let c = self.next();
        if !is_digit(c) {
            if c == Some('.') {
                return Err(self.err("Floats must start with a digit, not '.'.".to_string()));
            }
            return Err(self.err(format!("Expected a digit but got '{}'.", show(c))));
        }
        Ok(if negative {
            State::NegNumber
        } else {
            State::Number
        })
    }

    fn number(&mut self) -> Step {
        let c = self.next();
        if c == Some('-') {
            if self.pos - self.start != 5 {
                return Err(self.err("All ISO8601 dates must be in full Zulu form.".to_string()));
            }
            return Ok(State::DateAfterYear);
        }
        if is_digit(c) {
            return Ok(State::Number);
        }
        if c == Some('.') {
            return Ok(State::FloatStart);
        }
        if is_suffix(c) {
            return Ok(State::Suffix);
        }
        if !ends_number(c) {
            // `12ab`, `10s`, `1_0`: the rest is a bare string (this char included).
            self.string_state = State::Bare;
            return Ok(State::Bare);
        }
        self.backup();
        self.emit(TokenKind::Integer);
        self.pop()
    }

    fn neg_number(&mut self) -> Step {
        let c = self.next();
        if is_digit(c) {
            return Ok(State::NegNumber);
        }
        if c == Some('.') {
            return Ok(State::FloatStart);
        }
        if is_suffix(c) {
            return Ok(State::Suffix);
        }
        self.backup();
        self.emit(TokenKind::Integer);
        self.pop()
    }

    fn suffix(&mut self) -> Step {
        let c = self.next();
        if matches!(c, Some('b' | 'B' | 'i' | 'I')) {
            return Ok(State::Suffix);
        }
        self.backup();
        if ends_number(c) {
            self.emit(TokenKind::Integer);
            return self.pop();
        }
        // `2m30s`, `1h2`: not a size after all.
        self.string_state = State::Bare;
        Ok(State::Bare)
    }

    fn date_after_year(&mut self) -> Step {
        const FORMAT: &[u8] = b"00-00T00:00:00Z";
        for &f in FORMAT {
            let c = self.next();
            if f == b'0' {
                if !is_digit(c) {
                    return Err(self.err(format!(
                        "Expected digit in ISO8601 datetime, but found '{}' instead.",
                        show(c)
                    )));
                }
            } else if c != Some(char::from(f)) {
                return Err(self.err(format!(
                    "Expected '{}' in ISO8601 datetime, but found '{}' instead.",
                    char::from(f),
                    show(c)
                )));
            }
        }
        self.emit(TokenKind::Datetime);
        self.pop()
    }

    fn float_start(&mut self) -> Step {
        let c = self.next();
        if !is_digit(c) {
            return Err(self.err(format!(
                "Floats must have a digit after the '.', but got '{}' instead.",
                show(c)
            )));
        }
        Ok(State::Float)
    }

    fn float(&mut self) -> Step {
        let c = self.next();
        if is_digit(c) {
            return Ok(State::Float);
        }
        if c == Some('.') {
            return Ok(State::IpAddr);
        }
        self.backup();
        self.emit(TokenKind::Float);
        self.pop()
    }

    fn ip_addr(&mut self) -> Step {
        let c = self.next();
        if is_digit(c) || matches!(c, Some('.' | ':' | '-')) {
            return Ok(State::IpAddr);
        }
        self.backup();
        self.emit(TokenKind::Str(StrForm::Bare));
        self.pop()
    }

    fn comment_body(&mut self) -> Step {
        loop {
            let c = self.peek();
            if c.is_none() || is_nl(c) {
                self.ignore();
                return self.pop();
            }
            self.next();
        }
    }
}

fn is_bool(text: &str) -> bool {
    ["true", "false", "yes", "no", "on", "off"]
        .iter()
        .any(|b| text.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Result<Vec<(TokenKind, String)>, String> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            match lx.next_token() {
                Ok(t) if t.kind == TokenKind::Eof => return Ok(out),
                Ok(t) => out.push((t.kind, t.text)),
                Err(e) => return Err(e.message),
            }
        }
    }

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    const BARE: TokenKind = TokenKind::Str(StrForm::Bare);
    const KEY: TokenKind = TokenKind::Key { quoted: false };

    #[test]
    fn three_separators_give_the_same_tokens() {
        for src in ["foo = 1", "foo: 1", "foo 1", "foo=1", "foo:1"] {
            assert_eq!(
                lex(src),
                Ok(vec![(KEY, "foo".into()), (TokenKind::Integer, "1".into())]),
                "{src}"
            );
        }
    }

    #[test]
    fn numbers_with_letters_become_strings() {
        assert_eq!(kinds("a: 10s"), [KEY, BARE]);
        assert_eq!(kinds("a: 2m30s"), [KEY, BARE]);
        assert_eq!(kinds("a: 5m3"), [KEY, BARE]);
        assert_eq!(kinds("a: 2m"), [KEY, TokenKind::Integer]);
        assert_eq!(kinds("a: 2MiB"), [KEY, TokenKind::Integer]);
        assert_eq!(kinds("a: 1.5"), [KEY, TokenKind::Float]);
        assert_eq!(kinds("a: 127.0.0.1:4222"), [KEY, BARE]);
        assert_eq!(kinds("a: 2024-01-02T15:04:05Z"), [KEY, TokenKind::Datetime]);
    }

    #[test]
    fn number_directly_before_bracket_swallows_it() {
        // The original's quirk: `[1]` lexes `1]` as one string.
        assert!(lex("a: [1]\n").is_err());
        assert_eq!(
            lex("a: [2m]"),
            Ok(vec![
                (KEY, "a".into()),
                (TokenKind::ArrayStart, String::new()),
                (BARE, "2m".into()),
                (TokenKind::ArrayEnd, String::new()),
            ])
        );
    }

    #[test]
    fn bools_and_variables_are_recognised_bare_only() {
        assert_eq!(kinds("a: YES"), [KEY, TokenKind::Bool]);
        assert_eq!(kinds("a: \"yes\""), [KEY, TokenKind::Str(StrForm::Double)]);
        assert_eq!(
            lex("a: $FOO"),
            Ok(vec![(KEY, "a".into()), (TokenKind::Variable, "FOO".into())])
        );
    }

    #[test]
    fn escapes_in_double_quotes_and_bare_strings() {
        assert_eq!(
            lex(r#"a: "x\ty\x41\"""#),
            Ok(vec![
                (KEY, "a".into()),
                (TokenKind::Str(StrForm::Double), "x\tyA\"".into())
            ])
        );
        assert_eq!(
            lex(r"a: b\tc"),
            Ok(vec![(KEY, "a".into()), (BARE, "b\tc".into())])
        );
        assert_eq!(
            lex(r"a: 'b\tc'"),
            Ok(vec![
                (KEY, "a".into()),
                (TokenKind::Str(StrForm::Single), "b\\tc".into())
            ])
        );
    }

    #[test]
    fn block_string_ends_at_lone_paren() {
        assert_eq!(
            lex("a (\nx)\n y\n)\nb: 1"),
            Ok(vec![
                (KEY, "a".into()),
                (TokenKind::Str(StrForm::Block), "\nx)\n y\n".into()),
                (KEY, "b".into()),
                (TokenKind::Integer, "1".into()),
            ])
        );
    }

    #[test]
    fn include_keyword_needs_whitespace() {
        assert_eq!(kinds("include ./a.conf"), [TokenKind::Include]);
        assert_eq!(kinds("include: 1"), [KEY, TokenKind::Integer]);
        assert_eq!(
            kinds("a { include 'b.conf' }"),
            [
                KEY,
                TokenKind::MapStart,
                TokenKind::Include,
                TokenKind::MapEnd
            ]
        );
    }

    #[test]
    fn error_messages_match_the_original() {
        assert_eq!(
            lex("a = \n"),
            Err("Expected value but found new line".into())
        );
        assert_eq!(
            lex("a: [1,,2]"),
            Err("Unexpected array value terminator ','.".into())
        );
        assert_eq!(
            lex("a { b: 1 c: 2 }"),
            Err("Expected a map value terminator \",\" or a map terminator \"}\", but got 'c' instead.".into())
        );
        assert_eq!(
            lex("a { b = 1\n"),
            Err("Unexpected EOF processing map.".into())
        );
        assert_eq!(lex("a: -\n"), Err("Expected a digit but got '\\n'.".into()));
        assert_eq!(
            lex("a: (\nx\n"),
            Err("Unexpected EOF processing block.".into())
        );
        assert_eq!(lex("a: 'x"), Err("Unexpected EOF.".into()));
        assert_eq!(
            lex("a: \"\\x4\""),
            Err("Expected two hexadecimal digits after '\\x', but got '4\"'".into())
        );
    }

    #[test]
    fn comments_anywhere() {
        let src = "# c\n// c\na: [ # c\n 1, // c\n 2\n ] # c\nb { // c\n c: 1 # c\n }";
        assert_eq!(
            kinds(src),
            [
                KEY,
                TokenKind::ArrayStart,
                TokenKind::Integer,
                TokenKind::Integer,
                TokenKind::ArrayEnd,
                KEY,
                TokenKind::MapStart,
                KEY,
                TokenKind::Integer,
                TokenKind::MapEnd
            ]
        );
    }

    #[test]
    fn deep_top_level_braces_are_refused_not_overflowed() {
        let src = "{".repeat(100_000);
        assert_eq!(lex(&src), Err("nesting too deep".into()));
    }
}
