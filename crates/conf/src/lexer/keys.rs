//! Lexer states for keys (bare and quoted) and for `include` paths.

use super::{is_nl, is_sep, is_space, is_ws, show, Lexer, State, Step, TokenKind};

impl Lexer<'_> {
    pub(super) fn key_start(&mut self) -> Step {
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

    pub(super) fn key_quoted(&mut self, quote: char) -> Step {
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
    pub(super) fn keyword_or_key(
        &mut self,
        after_key: State,
        after_include: Option<State>,
    ) -> Step {
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

    pub(super) fn key(&mut self) -> Step {
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

    pub(super) fn key_end(&mut self) -> Step {
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

    pub(super) fn include_start(&mut self) -> Step {
        let c = self.next();
        if is_ws(c) {
            self.ignore();
            return Ok(State::IncludeStart);
        }
        self.backup();
        Ok(State::Include)
    }

    pub(super) fn include(&mut self) -> Step {
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

    pub(super) fn include_quoted(&mut self, quote: char) -> Step {
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

    pub(super) fn include_bare(&mut self) -> Step {
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
}
