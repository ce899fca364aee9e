//! `rnats bench sub`: every client receives every message; each waits for `--msgs`.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use futures::StreamExt;

use super::progress::{Progress, TICK};
use super::{connect_clients, finish, join_all, Sample};
use crate::args::units::{format_duration, with_commas};
use crate::args::BenchCommon;
use crate::commands::sync_with_server;
use crate::connect::Resolved;
use crate::output::log;

/// Most messages a subscription may buffer; beyond it the client would drop them.
const MAX_BUFFER: u64 = 4_000_000;

pub(crate) async fn run(
    settings: &Resolved,
    subject: &str,
    common: &BenchCommon,
    idle_timeout: Duration,
) -> Result<()> {
    let capacity = common.msgs.clamp(65_536, MAX_BUFFER) as usize;
    let clients = connect_clients(settings, common.clients, capacity).await?;
    let mut subscriptions = Vec::with_capacity(clients.len());
    for client in &clients {
        subscriptions.push(client.subscribe(subject.to_string()).await?);
        sync_with_server(client, settings.timeout).await?;
    }
    log(format!(
        "Waiting for {} messages on {subject:?} (each of {} clients)",
        with_commas(common.msgs),
        common.clients
    ));
    let progress = Progress::new(common.no_progress);
    let expected = common.msgs;
    let mut tasks = Vec::with_capacity(subscriptions.len());
    for mut subscription in subscriptions {
        let bar = progress.bar(expected);
        tasks.push(tokio::spawn(async move {
            let mut received = 0u64;
            let mut bytes = 0u64;
            let mut first = None;
            let mut last = Instant::now();
            while received < expected {
                let next = if first.is_some() {
                    match tokio::time::timeout(idle_timeout, subscription.next()).await {
                        Ok(next) => next,
                        Err(_) => break,
                    }
                } else {
                    subscription.next().await
                };
                let Some(message) = next else { break };
                last = Instant::now();
                first.get_or_insert(last);
                received += 1;
                bytes += message.payload.len() as u64;
                if received.is_multiple_of(TICK) {
                    bar.inc(TICK);
                }
            }
            bar.finish();
            Ok(Sample {
                msgs: received,
                bytes,
                start: first.unwrap_or(last),
                end: last,
            })
        }));
    }
    let group = join_all(tasks).await;
    progress.clear();
    let group = group?;
    drop(clients);
    let short: Vec<String> = group
        .samples
        .iter()
        .enumerate()
        .filter(|(_, sample)| sample.msgs < expected)
        .map(|(index, sample)| format!("client {index} got {}", with_commas(sample.msgs)))
        .collect();
    let received: u64 = group.samples.iter().map(|s| s.msgs).sum();
    let summary = format!(
        "Received {} of {} messages\n",
        with_commas(received),
        with_commas(expected * u64::from(common.clients))
    );
    finish(common, &[("Sub", "S", &group)], &summary)?;
    if !short.is_empty() {
        bail!(
            "received fewer than {} messages ({}) after {} without a message",
            with_commas(expected),
            short.join(", "),
            format_duration(idle_timeout)
        );
    }
    Ok(())
}
