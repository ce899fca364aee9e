//! Integration tests of subject transforms: the examples of nats-server's documentation (ADR-30)
//! and property tests (no panics, identity, partition range).

use proptest::prelude::*;
use rnats_subject::transform::{
    fnv1a32, partition_of, MapDest, SubjectTransform, TransformError, WeightedMapping,
};

#[test]
fn adr30_examples() {
    let cases = [
        ("one.two.three", ">", "uno.>", "uno.one.two.three"),
        ("four.five.six", ">", "eins.>", "eins.four.five.six"),
        ("one.two.three", ">", ">", "one.two.three"),
        (
            "four.five.six",
            ">",
            "eins.zwei.drei.vier.>",
            "eins.zwei.drei.vier.four.five.six",
        ),
        ("one.two.three", "one.>", "uno.>", "uno.two.three"),
        ("one.two.three", "one.two.>", "uno.dos.>", "uno.dos.three"),
        ("one", "one", "uno", "uno"),
        (
            "one.two.three.four.five",
            "one.*.three.*.five",
            "uno.$2.$1",
            "uno.four.two",
        ),
        (
            "one.two.three.four.five",
            "one.*.three.*.five",
            "uno.{{wildcard(2)}}.{{wildcard(1)}}",
            "uno.four.two",
        ),
        (
            "one.two.three.four.five",
            "*.two.three.>",
            "uno.$1.>",
            "uno.one.four.five",
        ),
        ("-abc-def--ghij-", "*", "{{split(1,-)}}", "abc.def.ghij"),
        ("12345", "*", "{{splitfromleft(1,3)}}", "123.45"),
        ("12345", "*", "{{SplitFromRight(1,3)}}", "12.345"),
        ("1234567890", "*", "{{SliceFromLeft(1,3)}}", "123.456.789.0"),
        (
            "1234567890",
            "*",
            "{{SliceFromRight(1,3)}}",
            "1.234.567.890",
        ),
    ];
    for (subject, src, dest, expected) in cases {
        let t = SubjectTransform::new(src, dest).unwrap();
        assert_eq!(
            t.apply(subject).as_deref(),
            Some(expected),
            "{src} -> {dest}"
        );
    }
}

#[test]
fn weighted_errors_mirror_nats_server() {
    let e = WeightedMapping::new("foo", &[MapDest::new("a", 60), MapDest::new("b", 41)]);
    assert_eq!(
        e.unwrap_err().to_string(),
        "total weight needs to be <= 100"
    );
    let e = WeightedMapping::new("foo", &[MapDest::new("a", 10), MapDest::new("a", 10)]);
    assert_eq!(e.unwrap_err().to_string(), "duplicate entry for \"a\"");
    let e = WeightedMapping::new("foo", &[MapDest::new("a.{{wildcard(1)}}", 60)]);
    assert_eq!(
        e.unwrap_err().to_string(),
        "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}"
    );
    assert_eq!(
        WeightedMapping::new("", &[MapDest::new("a", 1)]),
        Err(TransformError::BadSubject)
    );
}

#[test]
fn weighted_distribution() {
    let m =
        WeightedMapping::new("foo", &[MapDest::new("bar", 40), MapDest::new("baz", 60)]).unwrap();
    let mut bar = 0;
    for roll in 0..100 {
        if m.select("foo", None, roll).as_deref() == Some("bar") {
            bar += 1;
        }
    }
    assert_eq!(bar, 40);
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,6}",
        Just("*".to_string()),
        Just(">".to_string()),
        "\\{\\{ ?[a-zA-Z]{1,16} ?\\([-0-9, a-z]{0,10}\\) ?\\}\\}",
        "\\$[-+0-9]{0,3}",
        ".{0,6}",
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..5).prop_map(|v| v.join("."))
}

proptest! {
    #[test]
    fn never_panics(src in pattern(), dest in pattern(), subject in pattern()) {
        if let Ok(t) = SubjectTransform::new(&src, &dest) {
            let _ = t.apply(&subject);
            let _ = t.apply_bytes(subject.as_bytes());
        }
        let _ = WeightedMapping::new(&src, &[MapDest::new(dest.clone(), 50)])
            .map(|m| m.select(&subject, None, 7));
    }

    #[test]
    fn literal_identity(tokens in prop::collection::vec("[a-z0-9_-]{1,8}", 1..6)) {
        let subject = tokens.join(".");
        let t = SubjectTransform::new(">", ">").unwrap();
        prop_assert_eq!(t.apply(&subject), Some(subject.clone()));
        let t = SubjectTransform::new(&subject, "x").unwrap();
        prop_assert_eq!(t.apply(&subject), Some("x".to_string()));
    }

    #[test]
    fn partition_in_range(a in "[a-zA-Z0-9]{1,12}", b in "[a-zA-Z0-9]{1,12}", n in 1u32..100) {
        let t = SubjectTransform::new("p.*.*", &format!("{{{{partition({n},1,2)}}}}")).unwrap();
        let out = t.apply(&format!("p.{a}.{b}")).unwrap();
        let key = format!("{a}{b}");
        prop_assert_eq!(out, partition_of(key.as_bytes(), n).to_string());
        prop_assert!(fnv1a32(key.as_bytes()) % n < n);
    }
}
