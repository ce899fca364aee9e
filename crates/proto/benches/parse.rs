//! Parser throughput on typical client traffic.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rnats_proto::{encode, Limits, Parser};

fn batch(payload: usize, count: usize) -> Vec<u8> {
    let body = vec![b'x'; payload];
    let mut out = Vec::new();
    for _ in 0..count {
        out.extend_from_slice(format!("PUB orders.eu.created {payload}\r\n").as_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn parse_pub(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_pub");
    for size in [16usize, 1024] {
        let input = batch(size, 1000);
        group.throughput(Throughput::Elements(1000));
        group.bench_with_input(BenchmarkId::from_parameter(size), &input, |b, input| {
            b.iter(|| {
                let mut parser = Parser::new(Limits::default());
                let (mut pos, mut n) = (0, 0);
                while let Ok(Some((_, used))) = parser.parse(&input[pos..]) {
                    pos += used;
                    n += 1;
                }
                n
            });
        });
    }
    group.finish();
}

/// 1000 `MSG` lines of each payload size, written by `encode` into one buffer.
fn encode_group(c: &mut Criterion, name: &str, encode: impl Fn(&mut BytesMut, &[u8])) {
    let mut group = c.benchmark_group(name);
    for size in [16usize, 1024] {
        let payload = vec![b'x'; size];
        group.throughput(Throughput::Elements(1000));
        group.bench_with_input(BenchmarkId::from_parameter(size), &payload, |b, payload| {
            let mut out = BytesMut::with_capacity(1000 * (size + 64));
            b.iter(|| {
                out.clear();
                for _ in 0..1000 {
                    encode(&mut out, payload);
                }
                out.len()
            });
        });
    }
    group.finish();
}

fn encode_msg(c: &mut Criterion) {
    encode_group(c, "encode_msg", |out, payload| {
        encode::msg(out, b"orders.eu.created", b"17", None, payload);
    });
}

/// The same lines from a subscription's kept line start (`encode::line_start`).
fn encode_msg_from_line(c: &mut Criterion) {
    let line = encode::line_start(b"orders.eu.created", b"17");
    encode_group(c, "encode_msg_from_line", |out, payload| {
        encode::msg_from_line(out, &line, None, payload);
    });
}

criterion_group!(benches, parse_pub, encode_msg, encode_msg_from_line);
criterion_main!(benches);
