//! Lexer unit tests.
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
        Err(
            "Expected a map value terminator \",\" or a map terminator \"}\", but got 'c' instead."
                .into()
        )
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
