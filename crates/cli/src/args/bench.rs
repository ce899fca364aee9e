//! `rnats bench ...`: core NATS load generators.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::units::{parse_duration, parse_size};

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    pub(crate) command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Publish Core NATS messages
    Pub {
        /// Subject to use for the benchmark
        subject: String,
        #[command(flatten)]
        common: BenchCommon,
        /// Sleep for the specified interval between publications
        #[arg(long, value_parser = parse_duration, default_value = "0s")]
        sleep: Duration,
    },
    /// Subscribe to Core NATS messages
    Sub {
        /// Subject to use for the benchmark
        subject: String,
        #[command(flatten)]
        common: BenchCommon,
        /// Give up when no message has arrived for this long (once the first one came)
        #[arg(long = "idle-timeout", value_parser = parse_duration, default_value = "10s")]
        idle_timeout: Duration,
    },
    /// Micro-service mode: request/reply
    Service {
        #[command(subcommand)]
        command: ServiceCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ServiceCommand {
    /// Send requests and wait for their replies, measuring latency
    Request {
        /// Subject to use for the benchmark
        subject: String,
        #[command(flatten)]
        common: BenchCommon,
        /// Sleep for the specified interval between requests
        #[arg(long, value_parser = parse_duration, default_value = "0s")]
        sleep: Duration,
    },
    /// Answer requests (all instances share one queue group) until --msgs are served
    Serve {
        /// Subject to use for the benchmark
        subject: String,
        #[command(flatten)]
        common: BenchCommon,
        /// Sleep for the specified interval before replying
        #[arg(long, value_parser = parse_duration, default_value = "0s")]
        sleep: Duration,
    },
}

#[derive(Debug, Clone, Args)]
pub(crate) struct BenchCommon {
    /// Number of concurrent clients
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) clients: u32,
    /// Number of messages to publish or subscribe to
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) msgs: u64,
    /// Size of the test messages (e.g. 128, 1KB, 1MiB)
    #[arg(long, value_parser = parse_size, default_value = "128")]
    pub(crate) size: usize,
    /// Disable the progress bars
    #[arg(long = "no-progress")]
    pub(crate) no_progress: bool,
    /// Save benchmark data to CSV file
    #[arg(long)]
    pub(crate) csv: Option<PathBuf>,
}
