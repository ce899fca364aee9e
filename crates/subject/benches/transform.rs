//! Subject transform apply: matching and non-matching subjects, per function.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rnats_subject::transform::{MapDest, SubjectTransform, WeightedMapping};

fn bench(c: &mut Criterion) {
    let cases = [
        ("literal", "orders.new", "orders.created", "orders.new"),
        (
            "wildcard",
            "orders.*.*",
            "new.orders.$2.{{wildcard(1)}}",
            "orders.eu.12345",
        ),
        (
            "partition",
            "orders.*.*",
            "orders.{{partition(16,1,2)}}.$1.$2",
            "orders.eu.12345",
        ),
        ("fwc", "orders.>", "archive.>", "orders.eu.12345.items"),
        ("split", "*.*", "{{split(2,-)}}", "x.a-b-c-d"),
        ("slice", "*.*", "{{SliceFromLeft(2,3)}}", "x.1234567890"),
    ];
    for (name, src, dest, subject) in cases {
        let t = SubjectTransform::new(src, dest).unwrap();
        c.bench_function(&format!("transform/{name}/match"), |b| {
            b.iter(|| t.apply_bytes(black_box(subject.as_bytes())))
        });
    }
    let t = SubjectTransform::new("orders.*.*", "orders.{{partition(16,1,2)}}.$1.$2").unwrap();
    c.bench_function("transform/partition/no_match", |b| {
        b.iter(|| t.apply_bytes(black_box(b"invoices.eu.12345".as_slice())))
    });
    c.bench_function("transform/partition/no_match_length", |b| {
        b.iter(|| t.apply_bytes(black_box(b"orders.eu.12345.x".as_slice())))
    });
    let m = WeightedMapping::new(
        "foo.*",
        &[MapDest::new("a.$1", 40), MapDest::new("b.$1", 40)],
    )
    .unwrap();
    c.bench_function("transform/weighted/select", |b| {
        let mut roll = 0u32;
        b.iter(|| {
            roll = (roll + 37) % 100;
            m.select(black_box("foo.bar"), None, roll)
        })
    });
    c.bench_function("transform/compile", |b| {
        b.iter(|| {
            SubjectTransform::new(
                black_box("orders.*.*"),
                black_box("x.{{partition(16,1,2)}}.$2"),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
