//! Command-line parsing only: clap derive structs, no I/O. Execution lives in `commands/`.

mod bench;
mod connect;
mod context;
mod messaging;
pub(crate) mod units;

pub(crate) use bench::{BenchArgs, BenchCommand, BenchCommon, ServiceCommand};
pub(crate) use connect::ConnectArgs;
pub(crate) use context::{ContextAddArgs, ContextCommand};
pub(crate) use messaging::{PubArgs, ReplyArgs, ReqArgs, RttArgs, SubArgs};

use clap::{Parser, Subcommand};

/// rnats: a client for NATS, compatible with the `nats` CLI.
#[derive(Debug, Parser)]
#[command(name = "rnats", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) connect: ConnectArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generic data publish utility
    #[command(name = "pub", visible_alias = "publish")]
    Pub(PubArgs),
    /// Generic subscription client
    #[command(visible_alias = "subscribe")]
    Sub(SubArgs),
    /// Generic request-reply request utility
    #[command(visible_alias = "request")]
    Req(ReqArgs),
    /// Generic service reply utility
    Reply(ReplyArgs),
    /// Compute round-trip time to the NATS server
    Rtt(RttArgs),
    /// Manage nats configuration contexts
    #[command(visible_alias = "ctx")]
    Context {
        #[command(subcommand)]
        command: ContextCommand,
    },
    /// Benchmark utility
    Bench(BenchArgs),
}
