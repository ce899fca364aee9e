//! The benchmark scenarios. Each counts every delivery and reports one JSON object.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use hdrhistogram::Histogram;
use serde_json::{json, Value};

use crate::stream::PubStream;
use crate::wire::{payload, put_pub, seq_of, Conn, Event};

/// CPU-seconds this process has used so far, all threads (also those that ended): the
/// measured phase's share is the difference of two readings, so building the messages up
/// front does not count as load.
fn cpu_seconds() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| {
        let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        secs(u.user_time()) + secs(u.system_time())
    })
}

/// How long a receiver waits for the next message before calling the run short.
pub const IDLE: Duration = Duration::from_secs(10);
/// Read timeout of receivers, so they notice when others have received the rest.
const POLL: Duration = Duration::from_millis(100);

/// Receives until `done()` or `IDLE` without a message; calls `on_msg` for each message and
/// returns when the last one arrived.
fn receive(
    conn: &mut Conn,
    done: &dyn Fn() -> bool,
    on_msg: &mut dyn FnMut(&[u8]),
) -> Result<Option<Instant>> {
    conn.set_timeout(Some(POLL))?;
    let mut last = None;
    let mut idle_since = Instant::now();
    while !done() {
        match conn.next_event() {
            Ok(Event::Msg { payload, .. }) => {
                on_msg(payload);
                // Reading the clock per message would cost the receiver more than parsing;
                // the time that matters is when what was read runs out (the last message
                // of a run always ends it).
                if conn.is_drained() {
                    let now = Instant::now();
                    last = Some(now);
                    idle_since = now;
                }
            }
            Ok(Event::Pong) => {}
            Err(e) if e.to_string().contains("timed out") => {
                if idle_since.elapsed() > IDLE {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Ok(last)
}

/// N publishers, nobody subscribed.
pub fn publish_only(addr: &str, size: usize, msgs: u64, publishers: u64) -> Result<Value> {
    let barrier = Arc::new(Barrier::new(publishers as usize + 1));
    let per = msgs / publishers;
    let mut handles = Vec::new();
    for p in 0..publishers {
        let addr = addr.to_string();
        let barrier = barrier.clone();
        handles.push(thread::spawn(move || -> Result<()> {
            let mut conn = Conn::connect(&addr)?;
            conn.round_trip(|_, _, _| {})?;
            let mut stream = PubStream::repeating(b"bench.pub", size, p * per, (p + 1) * per);
            barrier.wait();
            stream.send(&mut conn)?;
            conn.round_trip(|_, _, _| {})
        }));
    }
    barrier.wait();
    let (started, cpu0) = (Instant::now(), cpu_seconds());
    for h in handles {
        h.join()
            .map_err(|_| anyhow::anyhow!("publisher panicked"))??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let sent = per * publishers;
    Ok(
        json!({"scenario": "pub", "size": size, "publishers": publishers, "msgs": sent,
              "elapsed_s": elapsed, "msgs_per_s": sent as f64 / elapsed,
              "load_cpu_s": cpu_seconds() - cpu0}),
    )
}

/// Which sequence numbers a receiver saw, to prove exactly-once delivery.
struct Seen {
    bits: Vec<u64>,
    dups: u64,
    count: u64,
}

impl Seen {
    fn new(n: u64) -> Self {
        Self {
            bits: vec![0; (n as usize).div_ceil(64)],
            dups: 0,
            count: 0,
        }
    }
    fn mark(&mut self, seq: u64) {
        let (w, b) = ((seq / 64) as usize, seq % 64);
        if let Some(word) = self.bits.get_mut(w) {
            if *word & (1 << b) != 0 {
                self.dups += 1;
            }
            *word |= 1 << b;
        }
        self.count += 1;
    }
}

/// One publisher, `subscribers` subscribers (plain, or one queue group).
pub fn pub_sub(addr: &str, size: usize, msgs: u64, subscribers: u64, queue: bool) -> Result<Value> {
    let total = Arc::new(AtomicU64::new(0));
    let expected_total = if queue { msgs } else { msgs * subscribers };
    let ready = Arc::new(Barrier::new(subscribers as usize + 1));
    let mut handles = Vec::new();
    for _ in 0..subscribers {
        let (addr, total, ready) = (addr.to_string(), total.clone(), ready.clone());
        handles.push(thread::spawn(move || -> Result<(Seen, Option<Instant>)> {
            let mut conn = Conn::connect(&addr)?;
            conn.send(if queue {
                b"SUB bench.ps q 1\r\n"
            } else {
                b"SUB bench.ps 1\r\n"
            })?;
            conn.round_trip(|_, _, _| {})?;
            ready.wait();
            let mut seen = Seen::new(msgs);
            let own_target = if queue { u64::MAX } else { msgs };
            let count = std::cell::Cell::new(0u64);
            let last = receive(
                &mut conn,
                &|| count.get() >= own_target || total.load(Ordering::Relaxed) >= expected_total,
                &mut |payload| {
                    seen.mark(seq_of(payload).unwrap_or(u64::MAX));
                    count.set(count.get() + 1);
                    total.fetch_add(1, Ordering::Relaxed);
                },
            )?;
            Ok((seen, last))
        }));
    }
    ready.wait();
    let mut stream = PubStream::repeating(b"bench.ps", size, 0, msgs);
    let mut publisher = Conn::connect(addr)?;
    publisher.round_trip(|_, _, _| {})?;
    let (started, cpu0) = (Instant::now(), cpu_seconds());
    stream.send(&mut publisher)?;
    publisher.round_trip(|_, _, _| {})?;
    let mut union = vec![0u64; (msgs as usize).div_ceil(64)];
    let (mut dups, mut delivered, mut per_sub) = (0, 0, Vec::new());
    let mut finished = started;
    for h in handles {
        let (seen, last) = h
            .join()
            .map_err(|_| anyhow::anyhow!("subscriber panicked"))??;
        finished = finished.max(last.unwrap_or(started));
        per_sub.push(seen.count);
        delivered += seen.count;
        dups += seen.dups;
        for (u, w) in union.iter_mut().zip(&seen.bits) {
            if queue && *u & w != 0 {
                dups += u64::from((*u & w).count_ones());
            }
            *u |= w;
        }
    }
    let elapsed = finished.duration_since(started).as_secs_f64();
    let distinct: u64 = union.iter().map(|w| u64::from(w.count_ones())).sum();
    let lost = expected_total.saturating_sub(delivered) + msgs.saturating_sub(distinct);
    Ok(
        json!({"scenario": if queue { "queue" } else { "pubsub" }, "size": size, "subscribers": subscribers,
              "msgs": msgs, "deliveries": delivered, "expected": expected_total, "lost": lost,
              "duplicated": dups, "per_subscriber": per_sub, "elapsed_s": elapsed,
              "load_cpu_s": cpu_seconds() - cpu0,
              "deliveries_per_s": delivered as f64 / elapsed, "msgs_per_s": msgs as f64 / elapsed}),
    )
}

/// A responder and `concurrency` requesters, each waiting for its reply before the next.
pub fn request_reply(addr: &str, size: usize, requests: u64, concurrency: u64) -> Result<Value> {
    let mut responder = Conn::subscribed(addr, "bench.svc")?;
    let expected = requests / concurrency * concurrency;
    let responder_thread = thread::spawn(move || -> Result<u64> {
        responder.set_timeout(Some(IDLE))?;
        let mut answered = 0;
        let mut out = Vec::new();
        while answered < expected {
            let reply = match responder.next_event()? {
                Event::Msg {
                    reply: Some(r),
                    payload,
                    ..
                } => {
                    out.clear();
                    put_pub(&mut out, r, None, payload);
                    true
                }
                _ => false,
            };
            if reply {
                responder.send(&out)?;
                answered += 1;
            }
        }
        Ok(answered)
    });
    let barrier = Arc::new(Barrier::new(concurrency as usize + 1));
    let mut handles = Vec::new();
    for c in 0..concurrency {
        let (addr, barrier) = (addr.to_string(), barrier.clone());
        let per = requests / concurrency;
        handles.push(thread::spawn(move || -> Result<Histogram<u64>> {
            let inbox = format!("_INBOX.bench.{c}");
            let mut conn = Conn::subscribed(&addr, &inbox)?;
            conn.set_timeout(Some(IDLE))?;
            let mut hist = Histogram::<u64>::new(3)?;
            let mut out = Vec::new();
            let mut body = Vec::new();
            barrier.wait();
            for seq in 0..per {
                payload(&mut body, size, seq);
                out.clear();
                put_pub(&mut out, b"bench.svc", Some(inbox.as_bytes()), &body);
                let t0 = Instant::now();
                conn.send(&out)?;
                loop {
                    if let Event::Msg { payload, .. } = conn.next_event()? {
                        if seq_of(payload) != Some(seq) {
                            bail!("reply out of order");
                        }
                        break;
                    }
                }
                hist.record(t0.elapsed().as_nanos() as u64)?;
            }
            Ok(hist)
        }));
    }
    barrier.wait();
    let started = Instant::now();
    let mut all = Histogram::<u64>::new(3)?;
    for h in handles {
        all.add(
            h.join()
                .map_err(|_| anyhow::anyhow!("requester panicked"))??,
        )?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let answered = responder_thread
        .join()
        .map_err(|_| anyhow::anyhow!("responder panicked"))??;
    Ok(latency_report(concurrency, &all, answered, elapsed))
}

/// A request/reply run's JSON line: round-trip percentiles in microseconds.
pub fn latency_report(
    concurrency: u64,
    hist: &Histogram<u64>,
    answered: u64,
    elapsed: f64,
) -> Value {
    let us = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    json!({"scenario": "reqrep", "concurrency": concurrency, "requests": hist.len(),
          "answered": answered, "elapsed_s": elapsed, "req_per_s": hist.len() as f64 / elapsed,
          "p50_us": us(0.5), "p90_us": us(0.9), "p99_us": us(0.99), "p999_us": us(0.999)})
}

/// 10,000 literal subscriptions plus `*` and `>`, a publisher cycling over 20,000 subjects.
pub fn wildcard(addr: &str, size: usize, msgs: u64) -> Result<Value> {
    const LITERALS: u64 = 10_000;
    const SUBJECTS: u64 = 20_000;
    let expected = msgs * 2 + (0..msgs).filter(|j| j % SUBJECTS < LITERALS).count() as u64;
    let total = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(Barrier::new(3));
    let mut handles = Vec::new();
    for wildcards in [false, true] {
        let (addr, total, ready) = (addr.to_string(), total.clone(), ready.clone());
        handles.push(thread::spawn(move || -> Result<(u64, Option<Instant>)> {
            let mut conn = Conn::connect(&addr)?;
            let mut subs = Vec::new();
            if wildcards {
                subs.extend_from_slice(b"SUB bench.wc.* 1\r\nSUB bench.> 2\r\n");
            } else {
                for i in 0..LITERALS {
                    subs.extend_from_slice(format!("SUB bench.wc.{i} {i}\r\n").as_bytes());
                }
            }
            conn.send(&subs)?;
            conn.round_trip(|_, _, _| {})?;
            ready.wait();
            let mut n = 0;
            let last = receive(
                &mut conn,
                &|| total.load(Ordering::Relaxed) >= expected,
                &mut |_| {
                    n += 1;
                    total.fetch_add(1, Ordering::Relaxed);
                },
            )?;
            Ok((n, last))
        }));
    }
    ready.wait();
    let mut stream = PubStream::build(
        &|seq| format!("bench.wc.{}", seq % SUBJECTS).into_bytes(),
        size,
        0,
        msgs,
    );
    let mut publisher = Conn::connect(addr)?;
    publisher.round_trip(|_, _, _| {})?;
    let (started, cpu0) = (Instant::now(), cpu_seconds());
    stream.send(&mut publisher)?;
    publisher.round_trip(|_, _, _| {})?;
    let mut delivered = 0;
    let mut finished = started;
    for h in handles {
        let (n, last) = h
            .join()
            .map_err(|_| anyhow::anyhow!("subscriber panicked"))??;
        delivered += n;
        finished = finished.max(last.unwrap_or(started));
    }
    let elapsed = finished.duration_since(started).as_secs_f64();
    Ok(
        json!({"scenario": "wildcard", "msgs": msgs, "deliveries": delivered, "expected": expected,
              "lost": expected.saturating_sub(delivered), "elapsed_s": elapsed,
              "load_cpu_s": cpu_seconds() - cpu0,
              "msgs_per_s": msgs as f64 / elapsed, "deliveries_per_s": delivered as f64 / elapsed}),
    )
}

/// Opens `conns` idle connections with `subs` subscriptions each, reports the connect rate,
/// then holds them for `hold` so the caller can measure the server's memory.
pub fn idle(addr: &str, conns: u64, subs: u64, hold: Duration) -> Result<Value> {
    let started = Instant::now();
    let mut open = Vec::with_capacity(conns as usize);
    for c in 0..conns {
        let mut conn = Conn::connect(addr)?;
        let mut out = Vec::new();
        for s in 0..subs {
            out.extend_from_slice(format!("SUB idle.{c}.{s} {s}\r\n").as_bytes());
        }
        conn.send(&out)?;
        conn.round_trip(|_, _, _| {})?;
        open.push(conn);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let report = json!({"scenario": "idle", "conns": conns, "subs_per_conn": subs,
                        "elapsed_s": elapsed, "conns_per_s": conns as f64 / elapsed});
    println!("{report}");
    thread::sleep(hold);
    drop(open);
    Ok(Value::Null)
}
