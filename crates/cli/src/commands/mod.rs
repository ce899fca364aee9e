//! One module per command; each exposes `run`. Later: `server`, `stream`, `consumer`,
//! `kv`, `object` go here as siblings.

mod context;
mod publish;
mod reply;
mod request;
pub(crate) use request::NO_RESPONDERS;
mod rtt;
mod subscribe;

use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};
use async_nats::HeaderMap;
use futures::StreamExt;

use crate::args::{Cli, Command};
use crate::output::parse_header;
use crate::template::{render, TemplateVars};

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the command fails with, as one displayable chain.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let connect = cli.connect;
    match cli.command {
        Command::Pub(args) => publish::run(&connect, args).await,
        Command::Sub(args) => subscribe::run(&connect, args).await,
        Command::Req(args) => request::run(&connect, args).await,
        Command::Reply(args) => reply::run(&connect, args).await,
        Command::Rtt(args) => rtt::run(&connect, args).await,
        Command::Context { command } => context::run(&connect, command),
        Command::Bench(args) => crate::bench::run(&connect, args).await,
    }
}

/// Waits until the server has processed everything this client sent so far: publishes
/// to a private inbox and waits for the message to come back.
///
/// # Errors
/// Fails when the server does not answer within `timeout`.
pub(crate) async fn sync_with_server(client: &async_nats::Client, timeout: Duration) -> Result<()> {
    let inbox = client.new_inbox();
    let mut probe = client.subscribe(inbox.clone()).await?;
    client.publish(inbox, bytes::Bytes::new()).await?;
    client.flush().await?;
    let arrived = tokio::time::timeout(timeout, probe.next()).await;
    let _ = probe.unsubscribe().await;
    match arrived {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(anyhow!("connection closed")),
        Err(_) => Err(anyhow!(
            "timeout after {} waiting for the server",
            crate::args::units::format_duration(timeout)
        )),
    }
}

/// Expands templates in `-H key:value` arguments and builds a header map (None when empty).
///
/// # Errors
/// Fails on a malformed header or template.
pub(crate) fn build_headers(args: &[String], vars: TemplateVars<'_>) -> Result<Option<HeaderMap>> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for arg in args {
        let (name, value) = parse_header(&render(arg, vars)?)?;
        headers.append(name.as_str(), value.as_str());
    }
    Ok(Some(headers))
}

/// The body argument, or stdin when it is absent or `force_stdin` is set.
///
/// # Errors
/// Fails when stdin cannot be read.
pub(crate) fn body_or_stdin(body: Option<String>, force_stdin: bool) -> Result<String> {
    match body {
        Some(body) if !force_stdin => Ok(body),
        _ => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("reading the body from stdin")?;
            Ok(text)
        }
    }
}

/// Runs `command` through `sh -c` with `input` on stdin and returns its stdout.
///
/// # Errors
/// Fails when the command cannot start or exits unsuccessfully.
pub(crate) async fn run_shell(command: &str, input: &[u8]) -> Result<Vec<u8>> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that ignores its input may close stdin early; that is fine.
        let _ = stdin.write_all(input).await;
    }
    let output = child
        .wait_with_output()
        .await
        .with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        return Err(anyhow!("command {command:?} failed: {}", output.status));
    }
    Ok(output.stdout)
}
