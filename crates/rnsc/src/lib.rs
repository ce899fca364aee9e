//! `rnsc`: the NATS account and JWT tool, a drop-in for nsc.
//!
//! It keeps a file store of operator, account and user JWTs and a keystore of their seeds,
//! laid out as nsc lays them out (see [`store`]), so stores move freely between the two
//! tools. JWTs are made with [`rnats_auth::jwt`].
//!
//! # Layout
//! - [`args`]: the command line (clap derive), kept apart from execution.
//! - [`commands`]: one module per verb; each returns `anyhow::Result` and prints its output.
//! - [`store`]: directories, `nsc.json`, JWT files, keystore; atomic writes.
//! - [`tables`]: nsc's ASCII tables.

pub mod args;
pub mod commands;
pub mod store;
pub mod tables;

/// Runs one parsed command line.
///
/// # Errors
/// Any user mistake or I/O failure, worded for one line on stderr.
pub fn run(cli: args::Cli) -> anyhow::Result<()> {
    commands::dispatch(cli)
}
