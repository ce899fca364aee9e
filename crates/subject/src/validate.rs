//! Subject and pattern validation.

/// A subscription pattern: non-empty tokens, `*` and `>` only as whole tokens, `>` last.
pub fn is_valid_pattern(subject: &[u8]) -> bool {
    if subject.is_empty() {
        return false;
    }
    let mut tokens = crate::tokens(subject).peekable();
    while let Some(token) = tokens.next() {
        if token.is_empty() || token.iter().any(|b| b.is_ascii_whitespace()) {
            return false;
        }
        if token == b">" && tokens.peek().is_some() {
            return false;
        }
    }
    true
}

/// A subject with no empty token and no whitespace (wildcard characters allowed as literals).
pub fn is_well_formed(subject: &[u8]) -> bool {
    !subject.is_empty()
        && crate::tokens(subject)
            .all(|t| !t.is_empty() && !t.iter().any(|b| b.is_ascii_whitespace()))
}

/// A subject a pedantic client may publish to: well formed and without wildcard tokens.
pub fn is_valid_literal(subject: &[u8]) -> bool {
    is_well_formed(subject) && !crate::tokens(subject).any(|t| t == b"*" || t == b">")
}

/// Whether any token is `*` or `>`.
pub fn has_wildcards(subject: &[u8]) -> bool {
    crate::tokens(subject).any(|t| t == b"*" || t == b">")
}

/// Whether the literal `subject` is matched by `pattern` (the naive rule, one token at a time).
pub fn pattern_matches(pattern: &[u8], subject: &[u8]) -> bool {
    let mut p = crate::tokens(pattern);
    let mut s = crate::tokens(subject);
    loop {
        match (p.next(), s.next()) {
            (Some(b">"), Some(_)) => return true,
            (Some(b"*"), Some(_)) => {}
            (Some(pt), Some(st)) if pt == st => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether every subject `inner` matches is also matched by `outer` (both patterns).
pub fn pattern_is_subset(inner: &[u8], outer: &[u8]) -> bool {
    let mut i = crate::tokens(inner);
    let mut o = crate::tokens(outer);
    loop {
        match (i.next(), o.next()) {
            (Some(_), Some(b">")) => return true,
            (Some(b">"), _) => return false,
            (Some(_), Some(b"*")) => {}
            (Some(b"*"), Some(_)) => return false,
            (Some(it), Some(ot)) if it == ot => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        for ok in [
            "foo",
            "foo.bar",
            "foo.*",
            "foo.>",
            ">",
            "*",
            "foo*bar.baz",
            "*.*.>",
        ] {
            assert!(is_valid_pattern(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "foo.", ".foo", "foo..bar", "foo.>.bar", "> .a", "a b"] {
            assert!(!is_valid_pattern(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn literals() {
        assert!(is_valid_literal(b"foo.bar"));
        assert!(is_valid_literal(b"foo*.bar"));
        assert!(!is_valid_literal(b"foo.*"));
        assert!(!is_valid_literal(b"foo.>"));
        assert!(!is_valid_literal(b"foo..bar"));
    }

    #[test]
    fn naive_matching() {
        assert!(pattern_matches(b"foo.*", b"foo.bar"));
        assert!(!pattern_matches(b"foo.*", b"foo.bar.baz"));
        assert!(pattern_matches(b"foo.>", b"foo.bar.baz"));
        assert!(!pattern_matches(b"foo.>", b"foo"));
        assert!(pattern_matches(b">", b"a"));
        assert!(!pattern_matches(b"a.b", b"a"));
    }

    #[test]
    fn subsets() {
        assert!(pattern_is_subset(b"a.b", b"a.*"));
        assert!(pattern_is_subset(b"a.*.c", b"a.>"));
        assert!(!pattern_is_subset(b"a.>", b"a.*"));
        assert!(!pattern_is_subset(b"a.*", b"a.b"));
        assert!(pattern_is_subset(b"a.>", b"a.>"));
    }
}
