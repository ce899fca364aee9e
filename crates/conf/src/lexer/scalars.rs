//! Lexer states for scalar values: quoted, bare and block strings, escapes,
//! numbers with size suffixes, floats, IP-like words and datetimes.

use super::{
    ends_number, is_digit, is_nl, is_suffix, is_ws, show, Lexer, State, Step, StrForm, TokenKind,
};

impl Lexer<'_> {
    pub(super) fn single_quoted(&mut self) -> Step {
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

    pub(super) fn double_quoted(&mut self) -> Step {
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

    pub(super) fn bare(&mut self) -> Step {
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

    pub(super) fn block_string(&mut self) -> Step {
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

    pub(super) fn escape(&mut self) -> Step {
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

    pub(super) fn hex_escape(&mut self) -> Step {
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

    pub(super) fn number_start(&mut self, negative: bool) -> Step {
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

    pub(super) fn number(&mut self) -> Step {
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

    pub(super) fn neg_number(&mut self) -> Step {
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

    pub(super) fn suffix(&mut self) -> Step {
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

    pub(super) fn date_after_year(&mut self) -> Step {
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

    pub(super) fn float_start(&mut self) -> Step {
        let c = self.next();
        if !is_digit(c) {
            return Err(self.err(format!(
                "Floats must have a digit after the '.', but got '{}' instead.",
                show(c)
            )));
        }
        Ok(State::Float)
    }

    pub(super) fn float(&mut self) -> Step {
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

    pub(super) fn ip_addr(&mut self) -> Step {
        let c = self.next();
        if is_digit(c) || matches!(c, Some('.' | ':' | '-')) {
            return Ok(State::IpAddr);
        }
        self.backup();
        self.emit(TokenKind::Str(StrForm::Bare));
        self.pop()
    }

    pub(super) fn comment_body(&mut self) -> Step {
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
