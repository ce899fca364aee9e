//! `rnats-loadgen`: drives a NATS server over the raw protocol, hard enough to find the
//! server's limit, counting every delivery. Used by `scripts/bench-compare`; each run prints
//! one JSON line.

mod polled;
mod scenarios;
mod stream;
mod wire;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rnats-loadgen",
    about = "Raw-protocol load for side-by-side benchmarks"
)]
struct Args {
    /// Server address, host:port
    #[arg(short, long, default_value = "127.0.0.1:4222")]
    server: String,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Publishers only, nobody subscribed
    Pub {
        #[arg(long, default_value_t = 16)]
        size: usize,
        #[arg(long, default_value_t = 2_000_000)]
        msgs: u64,
        #[arg(long, default_value_t = 1)]
        publishers: u64,
    },
    /// One publisher, N plain subscribers (fan-out)
    Pubsub {
        #[arg(long, default_value_t = 16)]
        size: usize,
        #[arg(long, default_value_t = 1_000_000)]
        msgs: u64,
        #[arg(long, default_value_t = 1)]
        subscribers: u64,
    },
    /// One publisher, one queue group of N members (exactly once checked)
    Queue {
        #[arg(long, default_value_t = 16)]
        size: usize,
        #[arg(long, default_value_t = 1_000_000)]
        msgs: u64,
        #[arg(long, default_value_t = 4)]
        members: u64,
    },
    /// Request/reply latency
    Reqrep {
        #[arg(long, default_value_t = 16)]
        size: usize,
        #[arg(long, default_value_t = 20_000)]
        requests: u64,
        #[arg(long, default_value_t = 1)]
        concurrency: u64,
        /// Drive every connection from one thread with non-blocking reads in a loop, so the
        /// load generator's own wake-ups are not in the measured latency
        #[arg(long)]
        poll: bool,
    },
    /// 10,000 literal subscriptions plus `*` and `>`, publisher cycling over 20,000 subjects
    Wildcard {
        #[arg(long, default_value_t = 16)]
        size: usize,
        #[arg(long, default_value_t = 500_000)]
        msgs: u64,
    },
    /// Idle connections with subscriptions; held open for memory measurement
    Idle {
        #[arg(long, default_value_t = 5000)]
        conns: u64,
        #[arg(long, default_value_t = 3)]
        subs: u64,
        /// Seconds to keep the connections open after reporting
        #[arg(long, default_value_t = 3)]
        hold: u64,
    },
}

fn main() {
    let args = Args::parse();
    let s = &args.server;
    let result = match args.scenario {
        Scenario::Pub {
            size,
            msgs,
            publishers,
        } => scenarios::publish_only(s, size, msgs, publishers),
        Scenario::Pubsub {
            size,
            msgs,
            subscribers,
        } => scenarios::pub_sub(s, size, msgs, subscribers, false),
        Scenario::Queue {
            size,
            msgs,
            members,
        } => scenarios::pub_sub(s, size, msgs, members, true),
        Scenario::Reqrep {
            size,
            requests,
            concurrency,
            poll,
        } => {
            if poll {
                polled::request_reply(s, size, requests, concurrency)
            } else {
                scenarios::request_reply(s, size, requests, concurrency)
            }
        }
        Scenario::Wildcard { size, msgs } => scenarios::wildcard(s, size, msgs),
        Scenario::Idle { conns, subs, hold } => {
            scenarios::idle(s, conns, subs, Duration::from_secs(hold))
        }
    };
    match result {
        Ok(serde_json::Value::Null) => {}
        Ok(report) => println!("{report}"),
        Err(e) => {
            eprintln!("rnats-loadgen: {e:#}");
            std::process::exit(1);
        }
    }
}
