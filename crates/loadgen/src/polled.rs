//! Request/reply driven by one spinning thread.
//!
//! With a blocking thread per connection, each request wakes the load generator's core
//! twice (the responder, then the requester), and on a virtual machine those wake-ups weigh
//! as much as the server's work: they are in every measured round trip, for either server.
//! Here one thread polls every connection with non-blocking reads in a loop, so a round
//! trip measures the server and the network stack, not the load generator's scheduler.

use std::time::Instant;

use anyhow::{bail, Result};
use hdrhistogram::Histogram;
use serde_json::Value;

use crate::scenarios::{latency_report, IDLE};
use crate::wire::{payload, put_pub, seq_of, Conn, Event};

/// One requester: its connection, inbox, next sequence number and when it sent.
struct Requester {
    conn: Conn,
    inbox: Vec<u8>,
    seq: u64,
    sent_at: Instant,
}

impl Requester {
    fn send(&mut self, size: usize, out: &mut Vec<u8>, body: &mut Vec<u8>) -> Result<()> {
        payload(body, size, self.seq);
        out.clear();
        put_pub(out, b"bench.svc", Some(&self.inbox), body);
        self.sent_at = Instant::now();
        self.conn.send(out)
    }
}

/// A responder and `concurrency` requesters, each waiting for its reply before the next,
/// all on this thread.
pub fn request_reply(addr: &str, size: usize, requests: u64, concurrency: u64) -> Result<Value> {
    let mut responder = Conn::subscribed(addr, "bench.svc")?;
    let per = requests / concurrency;
    let mut requesters = Vec::new();
    for c in 0..concurrency {
        let inbox = format!("_INBOX.bench.{c}");
        let conn = Conn::subscribed(addr, &inbox)?;
        conn.set_nonblocking()?;
        requesters.push(Requester {
            conn,
            inbox: inbox.into_bytes(),
            seq: 0,
            sent_at: Instant::now(),
        });
    }
    responder.set_nonblocking()?;
    let (mut out, mut body, mut reply) = (Vec::new(), Vec::new(), Vec::new());
    let mut hist = Histogram::<u64>::new(3)?;
    let started = Instant::now();
    if per > 0 {
        for r in &mut requesters {
            r.send(size, &mut out, &mut body)?;
        }
    }
    let (mut answered, mut done) = (0u64, if per == 0 { concurrency } else { 0 });
    let mut progress = Instant::now();
    while done < concurrency {
        let mut moved = false;
        while let Some(event) = responder.poll_event()? {
            if let Event::Msg {
                reply: Some(to),
                payload,
                ..
            } = event
            {
                reply.clear();
                put_pub(&mut reply, to, None, payload);
                responder.send(&reply)?;
                answered += 1;
                moved = true;
            }
        }
        for r in &mut requesters {
            if r.seq == per {
                continue;
            }
            let Some(Event::Msg { payload, .. }) = r.conn.poll_event()? else {
                continue;
            };
            if seq_of(payload) != Some(r.seq) {
                bail!("reply out of order");
            }
            hist.record(r.sent_at.elapsed().as_nanos() as u64)?;
            moved = true;
            r.seq += 1;
            if r.seq == per {
                done += 1;
            } else {
                r.send(size, &mut out, &mut body)?;
            }
        }
        if moved {
            progress = Instant::now();
        } else if progress.elapsed() > IDLE {
            bail!("timed out waiting for the server");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = latency_report(concurrency, &hist, answered, elapsed);
    report["polled"] = true.into();
    Ok(report)
}
