//! Unit tests of the transform module.

use super::*;

fn tr(src: &str, dest: &str) -> SubjectTransform {
    match SubjectTransform::new(src, dest) {
        Ok(t) => t,
        Err(e) => panic!("{src} -> {dest}: {e}"),
    }
}

fn apply(src: &str, dest: &str, subject: &str) -> Option<String> {
    tr(src, dest).apply_with(subject, &mut |_| 0)
}

fn err(src: &str, dest: &str) -> String {
    match SubjectTransform::new(src, dest) {
        Ok(_) => panic!("{src} -> {dest} accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn literal_and_no_wildcard_sources() {
    assert_eq!(apply("one", "uno", "one").as_deref(), Some("uno"));
    assert_eq!(apply("one", "uno", "two"), None);
    assert_eq!(apply("one", "uno", "one.two"), None);
    assert_eq!(apply("one", "$x.y", "one").as_deref(), Some("$x.y"));
    assert_eq!(apply("a.b", "{{}}", "a.b").as_deref(), Some("{{}}"));
}

#[test]
fn wildcard_and_legacy() {
    let s = "one.two.three.four.five";
    assert_eq!(
        apply("one.*.three.*.five", "uno.$2.$1", s).as_deref(),
        Some("uno.four.two")
    );
    assert_eq!(
        apply(
            "one.*.three.*.five",
            "uno.{{wildcard(2)}}.{{Wildcard(1)}}",
            s
        )
        .as_deref(),
        Some("uno.four.two")
    );
    assert_eq!(
        apply("one.*.three.*.five", "uno.{{ wildcard ( 2 ) }}", s).as_deref(),
        Some("uno.four")
    );
    // Dropping wildcards is allowed.
    assert_eq!(apply("a.*.*", "b.$2", "a.x.y").as_deref(), Some("b.y"));
    // `$0` / negative indexes refer to the first subject token.
    assert_eq!(
        apply("z.*", "zd.$0.{{wildcard(-1)}}", "z.a").as_deref(),
        Some("zd.z.z")
    );
    assert_eq!(apply("z.*", "zd.$+1", "z.a").as_deref(), Some("zd.a"));
    // A function found inside a larger `{{...}}` token replaces the whole token.
    assert_eq!(
        apply("f.*", "x.{{foo}}{{wildcard(1)}}", "f.v").as_deref(),
        Some("x.v")
    );
    // Same wildcard used twice.
    assert_eq!(apply("f.*", "$1.$1", "f.v").as_deref(), Some("v.v"));
    // Non-matching and non-literal subjects.
    assert_eq!(apply("f.*", "$1", "g.v"), None);
    assert_eq!(apply("f.*", "$1", "f.*"), None);
    assert_eq!(apply("f.*", "$1", "f."), None);
    assert_eq!(apply("f.*", "$1", ""), None);
}

#[test]
fn full_wildcard() {
    let s = "one.two.three";
    assert_eq!(apply(">", "uno.>", s).as_deref(), Some("uno.one.two.three"));
    assert_eq!(apply("", "uno.>", s).as_deref(), Some("uno.one.two.three"));
    assert_eq!(apply(">", ">", s).as_deref(), Some(s));
    assert_eq!(apply(">", ">", "a..b").as_deref(), Some("a..b"));
    assert_eq!(apply("one.>", "uno.>", s).as_deref(), Some("uno.two.three"));
    assert_eq!(
        apply("one.two.>", "uno.dos.>", s).as_deref(),
        Some("uno.dos.three")
    );
    assert_eq!(apply("one.>", ">", s).as_deref(), Some("two.three"));
    assert_eq!(
        apply("*.two.three.>", "uno.$1.>", "one.two.three.four.five").as_deref(),
        Some("uno.one.four.five")
    );
    // Dropped `*` before `>`.
    assert_eq!(
        apply("foo.*.>", "bar.>", "foo.a.b.c").as_deref(),
        Some("bar.b.c")
    );
    assert_eq!(apply("one.>", "uno.>", "one"), None);
    assert_eq!(tr("", ">").source(), ">");
}

#[test]
fn partition() {
    // Key = selected tokens concatenated without separator.
    let t = tr("q.*.*", "qd.{{partition(10,1,2)}}");
    assert_eq!(t.apply("q.ab.c").as_deref(), Some("qd.1"));
    assert_eq!(t.apply("q.a.bc").as_deref(), Some("qd.1"));
    assert_eq!(
        apply("q.*.*", "{{partition(10,2,1)}}", "q.c.ab").as_deref(),
        Some("1")
    );
    // No indexes: the whole subject.
    assert_eq!(
        apply("p0", "p0d.{{partition(3)}}", "p0").as_deref(),
        Some("p0d.0")
    );
    assert_eq!(
        apply("pf.>", "pfd.{{partition(5)}}.>", "pf.a.b").as_deref(),
        Some("pfd.1.a.b")
    );
    assert_eq!(
        apply("pf.>", "pfd.{{partition(5)}}.>", "pf.x").as_deref(),
        Some("pfd.0.x")
    );
    assert_eq!(
        apply("pw.*.*", "{{partition(7)}}.$1", "pw.a.b").as_deref(),
        Some("0.a")
    );
    assert_eq!(
        apply("pw.*.*", "{{partition(7)}}.$1", "pw.c.d").as_deref(),
        Some("3.c")
    );
    // Zero buckets → 0, negative wraps to a huge unsigned count.
    assert_eq!(
        apply("pz.*", "{{partition(0,1)}}", "pz.a").as_deref(),
        Some("0")
    );
    assert_eq!(
        apply("n.*", "{{partition(-3,1)}}", "n.x").as_deref(),
        Some("4245442695")
    );
    assert_eq!(
        apply("b.*", "{{partition(2147483647,1)}}", "b.hello").as_deref(),
        Some("1335831723")
    );
    // Literal source: indexes are ignored, the whole subject is hashed.
    assert_eq!(
        apply("m219.lit", "{{Partition (4,1)}}", "m219.lit").as_deref(),
        Some("3")
    );
    assert_eq!(
        apply("m91.lit", "{{partition(4, 1, 0)}}", "m91.lit").as_deref(),
        Some("1")
    );
    assert_eq!(
        apply("m219.lit.lit", "{{ Partition(-1,  0)}}", "m219.lit.lit").as_deref(),
        Some("370080244")
    );
    // `>`-only source: index 0 (and below) is the first token.
    assert_eq!(
        apply("pf.>", "x.{{partition(1000,0)}}.>", "pf.a.b").as_deref(),
        Some("x.659.a.b")
    );
    assert_eq!(
        apply("pg.>", "{{partition(1000,-1,0)}}.>", "pg.a.b").as_deref(),
        Some("677.a.b")
    );
    assert_eq!(
        apply("ph.*.>", "{{partition(1000,0)}}.>", "ph.a.b").as_deref(),
        Some("421.b")
    );
}

#[test]
fn fnv() {
    assert_eq!(fnv1a32(b""), 0x811c_9dc5);
    assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    assert_eq!(fnv1a32(b"x"), 4_245_442_695);
    assert_eq!(partition_of(b"x", 0), 0);
}

#[test]
fn split() {
    let d = "{{split(1,-)}}";
    assert_eq!(
        apply("*", d, "-abc-def--ghij-").as_deref(),
        Some("abc.def.ghij")
    );
    assert_eq!(apply("*", d, "abc").as_deref(), Some("abc"));
    assert_eq!(apply("*", d, "a-b").as_deref(), Some("a.b"));
    // nats-server quirks with runs of leading delimiters and all-delimiter tokens.
    assert_eq!(apply("*", d, "--a").as_deref(), Some(".a"));
    assert_eq!(apply("*", d, "-").as_deref(), Some(""));
    assert_eq!(
        apply("*", "x.{{split(1,-)}}.y", "-").as_deref(),
        Some("x..y")
    );
    // Multi-byte delimiter; empty delimiter splits into characters.
    assert_eq!(
        apply("*", "{{Split(1,ab)}}", "1ab2ab3").as_deref(),
        Some("1.2.3")
    );
    assert_eq!(
        apply("*", "{{split(1, )}}", "abc").as_deref(),
        Some("a.b.c")
    );
    assert_eq!(apply("*", "{{split(1, )}}", "aé").as_deref(), Some("a.é"));
}

#[test]
fn split_and_slice_from() {
    assert_eq!(
        apply("*", "{{splitfromleft(1,3)}}", "12345").as_deref(),
        Some("123.45")
    );
    assert_eq!(
        apply("*", "{{SplitFromRight(1,3)}}", "12345").as_deref(),
        Some("12.345")
    );
    assert_eq!(
        apply("*", "{{splitFromLeft(1,5)}}", "12345").as_deref(),
        Some("12345")
    );
    assert_eq!(
        apply("*", "{{splitFromLeft(1,0)}}", "12345").as_deref(),
        Some("12345")
    );
    assert_eq!(
        apply("*", "{{splitFromRight(1,-1)}}", "12345").as_deref(),
        Some("12345")
    );
    assert_eq!(
        apply("*", "{{SliceFromLeft(1,3)}}", "1234567890").as_deref(),
        Some("123.456.789.0")
    );
    assert_eq!(
        apply("*", "{{SliceFromRight(1,3)}}", "1234567890").as_deref(),
        Some("1.234.567.890")
    );
    assert_eq!(
        apply("*", "{{sliceFromLeft(1,3)}}", "123456").as_deref(),
        Some("123.456")
    );
    assert_eq!(
        apply("*", "{{sliceFromRight(1,3)}}", "123456").as_deref(),
        Some("123.456")
    );
    assert_eq!(
        apply("*", "{{sliceFromRight(1,3)}}", "123").as_deref(),
        Some("123")
    );
    assert_eq!(
        apply("*", "{{sliceFromLeft(1,9)}}", "123").as_deref(),
        Some("123")
    );
}

#[test]
fn left_right() {
    assert_eq!(apply("*", "{{left(1,2)}}", "12345").as_deref(), Some("12"));
    assert_eq!(apply("*", "{{Right(1,2)}}", "12345").as_deref(), Some("45"));
    assert_eq!(
        apply("*", "{{left(1,5)}}", "12345").as_deref(),
        Some("12345")
    );
    assert_eq!(
        apply("*", "{{right(1,0)}}", "12345").as_deref(),
        Some("12345")
    );
    assert_eq!(
        apply("*", "{{left(1,-3)}}", "12345").as_deref(),
        Some("12345")
    );
}

#[test]
fn byte_semantics() {
    // Functions count bytes, as nats-server does; apply_bytes keeps them exact.
    let t = tr("*", "{{left(1,1)}}");
    assert_eq!(t.apply_bytes("é".as_bytes()), Some(vec![0xC3]));
    assert_eq!(t.apply("é").as_deref(), Some("\u{FFFD}"));
}

#[test]
fn random() {
    let t = tr("r.*", "rd.{{random(4)}}");
    assert_eq!(t.apply_with("r.a", &mut |n| n - 1).as_deref(), Some("rd.3"));
    for _ in 0..200 {
        let out = t.apply("r.a").unwrap();
        let n: u32 = out.strip_prefix("rd.").unwrap().parse().unwrap();
        assert!(n < 4);
    }
    assert_eq!(
        apply("r0", "rd.{{random(0)}}", "r0").as_deref(),
        Some("rd.0")
    );
    // Negative bounds count as their absolute value (of the Go int32).
    let mut seen = [false; 5];
    let t = tr("r0", "{{random(-5)}}");
    for _ in 0..500 {
        let v: usize = t.apply("r0").unwrap().parse().unwrap();
        seen[v] = true;
    }
    assert!(seen.iter().all(|s| *s));
    assert_eq!(tr("r", "{{random(-1)}}").apply("r").as_deref(), Some("0"));
    let mut bound = 0;
    tr("r", "{{random(-3000000000)}}").apply_with("r", &mut |n| {
        bound = n;
        0
    });
    assert_eq!(bound, 1_294_967_296);
    let mut bound = 0;
    tr("r", "{{random(-2147483648)}}").apply_with("r", &mut |n| {
        bound = n;
        0
    });
    assert_eq!(bound, 2_147_483_648);
    // A misbehaving random source cannot push the value out of range.
    assert_eq!(
        tr("r", "{{random(3)}}")
            .apply_with("r", &mut |_| 7)
            .as_deref(),
        Some("1")
    );
}

#[test]
fn errors_mirror_nats_server() {
    assert_eq!(
        err("foo.*", "bar.{{wildcard(2)}}"),
        "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]"
    );
    assert_eq!(
        err("foo.*", "bar.{{wildcard(1)}}.$2"),
        "invalid mapping destination: wildcard index out of range in $2: [2]"
    );
    assert_eq!(
        err("foo", "bar.{{wildcard(1)}}"),
        "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}"
    );
    assert_eq!(
        err("foo.>", "bar.{{wildcard(1)}}.>"),
        "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}: [1]"
    );
    assert_eq!(
        err("foo.*", "bar.{{partition(3,1,2)}}"),
        "invalid mapping destination: wildcard index out of range in {{partition(3,1,2)}}: [2]"
    );
    assert_eq!(
        err("foo.*", "bar.{{nope(1)}}"),
        "invalid mapping destination: unknown function in {{nope(1)}}"
    );
    assert_eq!(
        err("foo.*", "bar.{{LEFT(1,2)}}"),
        "invalid mapping destination: unknown function in {{LEFT(1,2)}}"
    );
    assert_eq!(
        err("foo.*", "bar.{{wildcard()}}"),
        "invalid mapping destination: not enough arguments passed to the function in {{wildcard()}}"
    );
    assert_eq!(
        err("foo.*", "bar.{{wildcard(1,2)}}"),
        "invalid mapping destination: too many arguments passed to the function in {{wildcard(1,2)}}"
    );
    assert_eq!(
        err("foo.*", "bar.{{wildcard(x)}}"),
        "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(x)}}"
    );
    assert_eq!(
        err("foo.*", "bar..x"),
        "invalid mapping destination: invalid transform"
    );
    assert_eq!(
        err("foo.*", "bar.>.x"),
        "invalid mapping destination: invalid transform in x"
    );
    assert_eq!(
        err("foo.*", "bar.a b"),
        "invalid mapping destination: invalid transform"
    );
    assert_eq!(err("foo.>", "bar"), "invalid subject");
    assert_eq!(err("foo", "bar.>"), "invalid subject");
    assert_eq!(err("foo.*", "bar.*"), "invalid subject");
    assert_eq!(err("foo..*", "bar"), "invalid subject");
    assert_eq!(err("foo.>.x", "bar.>"), "invalid subject");
    assert_eq!(err("foo", ""), "invalid subject");
    // A '.' inside a function splits the token: both halves are plain literals.
    assert_eq!(
        apply("a.*", "{{split(1,a.b)}}", "a.x").as_deref(),
        Some("{{split(1,a.b)}}")
    );
}

#[test]
fn accepted_like_nats_server() {
    for (s, d) in [
        ("foo.*", "bar.$0"),
        ("foo.*", "bar.{{wildcard(-1)}}"),
        ("foo", "bar.{{partition(3)}}"),
        ("foo", "bar.{{random(3)}}"),
        ("foo", "bar.{{partition(3,1)}}"),
        ("foo.>", "bar.{{partition(3)}}.>"),
        ("foo.>", "bar.{{wildcard(0)}}.>"),
        ("foo.>", "bar.{{random(3)}}.>"),
        ("foo.*", "bar.{{split(1, )}}"),
        ("foo.*", "bar.{{Left(1,2)}}"),
        ("foo.*", "bar.{{Splitfromleft(1,2)}}"),
        ("foo.*", "bar.{{partition(0,1)}}"),
        ("foo.*", "bar.{{partition(-3000000000,1)}}"),
        ("foo.*", "bar.{{ partition ( 3 , 1 ) }}"),
        ("foo.*", "bar.{{wildcard(1)}}x"),
        ("foo.*", "bar.{{}}"),
        (">", "bar.>"),
    ] {
        assert!(SubjectTransform::new(s, d).is_ok(), "{s} -> {d}");
    }
}

#[test]
fn accessors() {
    let t = tr("a.*", "b.$1");
    assert_eq!(t.source(), "a.*");
    assert_eq!(t.destination(), "b.$1");
    assert!(t.source_has_wildcards());
    assert!(!tr("a", "b").source_has_wildcards());
    assert!(t.matches(b"a.x"));
    assert!(!t.matches(b"a.x.y"));
}
