//! `rnats`: the NATS client CLI (pub, sub, req, reply, rtt, context, bench) on `async-nats`.
//!
//! Layout: `args/` parses (clap derive, no I/O); `commands/` runs one command per file;
//! `bench/` holds the load generators; `connect` merges flags with saved contexts.
//! Errors print as one `nats: error: ...` line on stderr with exit status 1.

mod args;
mod bench;
mod commands;
mod connect;
mod context;
mod output;
mod template;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&anyhow::Error::from(err)),
    };
    let result = runtime.block_on(commands::run(cli));
    // Do not wait for lingering connection tasks.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

/// Help and version print as usual; usage errors become one line, like the original's
/// `nats: error: required argument 'subject' not provided, try --help`.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let first_paragraph: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = first_paragraph.join(" ");
    let message = joined.strip_prefix("error: ").unwrap_or(&joined);
    eprintln!("nats: error: {message}, try --help");
    ExitCode::FAILURE
}

fn fail(err: &anyhow::Error) -> ExitCode {
    let text = format!("{err:#}").replace(['\n', '\r'], " ");
    eprintln!("nats: error: {text}");
    ExitCode::FAILURE
}

/// `rnats sub foo | head` ends quietly, as a Unix filter should.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
