//! `rnats bench service request|serve`: request/reply round trips with latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use async_nats::RequestErrorKind;
use bytes::Bytes;
use futures::StreamExt;
use hdrhistogram::Histogram;
use tokio::sync::{watch, Barrier};

use super::progress::{Progress, TICK};
use super::stats::{latency_report, msgs_per_client};
use super::{connect_clients, finish, Sample, SampleGroup, SERVICE_QUEUE};
use crate::args::units::{format_duration, with_commas};
use crate::args::BenchCommon;
use crate::commands::sync_with_server;
use crate::connect::Resolved;
use crate::output::log;

type ClientResult = Result<(Sample, Histogram<u64>)>;

fn new_histogram() -> Result<Histogram<u64>> {
    // Nanoseconds from 1ns to 10 minutes, 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000_000, 3).map_err(|err| anyhow!("histogram: {err}"))
}

pub(crate) async fn request(
    settings: &Resolved,
    subject: &str,
    common: &BenchCommon,
    sleep: Duration,
) -> Result<()> {
    let clients = connect_clients(settings, common.clients, 1024).await?;
    let progress = Progress::new(common.no_progress);
    let payload = Bytes::from(vec![0u8; common.size]);
    let start = Arc::new(Barrier::new(clients.len()));
    let counts = msgs_per_client(common.msgs, common.clients);
    let mut tasks = Vec::with_capacity(clients.len());
    for (client, count) in clients.into_iter().zip(counts) {
        let bar = progress.bar(count);
        let (subject, payload, start) = (subject.to_string(), payload.clone(), start.clone());
        let timeout = settings.timeout;
        tasks.push(tokio::spawn(async move {
            let mut histogram = new_histogram()?;
            start.wait().await;
            let began = Instant::now();
            for sent in 1..=count {
                let asked = Instant::now();
                client
                    .request(subject.clone(), payload.clone())
                    .await
                    .map_err(|err| match err.kind() {
                        RequestErrorKind::NoResponders => {
                            anyhow!(crate::commands::NO_RESPONDERS)
                        }
                        RequestErrorKind::TimedOut => {
                            anyhow!("timeout after {}", format_duration(timeout))
                        }
                        _ => anyhow!("request failed: {err}"),
                    })?;
                let nanos = u64::try_from(asked.elapsed().as_nanos()).unwrap_or(u64::MAX);
                histogram.saturating_record(nanos.max(1));
                if sent.is_multiple_of(TICK) {
                    bar.inc(TICK);
                }
                if !sleep.is_zero() {
                    tokio::time::sleep(sleep).await;
                }
            }
            bar.finish();
            let sample = Sample {
                msgs: count,
                bytes: count * payload.len() as u64,
                start: began,
                end: Instant::now(),
            };
            Ok((sample, histogram))
        }));
    }
    let joined = join(tasks).await;
    progress.clear();
    let (group, histogram) = joined?;
    finish(
        common,
        &[("Request", "R", &group)],
        &latency_report(&histogram),
    )
}

pub(crate) async fn serve(
    settings: &Resolved,
    subject: &str,
    common: &BenchCommon,
    sleep: Duration,
) -> Result<()> {
    let clients = connect_clients(settings, common.clients, 65_536).await?;
    let mut subscriptions = Vec::with_capacity(clients.len());
    for client in &clients {
        subscriptions.push(
            client
                .queue_subscribe(subject.to_string(), SERVICE_QUEUE.to_string())
                .await?,
        );
        sync_with_server(client, settings.timeout).await?;
    }
    log(format!(
        "Serving {} requests on {subject:?} in queue group {SERVICE_QUEUE:?}",
        with_commas(common.msgs)
    ));
    let progress = Progress::new(common.no_progress);
    let served_total = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = watch::channel(false);
    let done_tx = Arc::new(done_tx);
    let target = common.msgs;
    let mut tasks = Vec::with_capacity(clients.len());
    for (client, mut subscription) in clients.iter().cloned().zip(subscriptions) {
        let bar = progress.bar(target);
        let (served_total, done_tx, mut done_rx) =
            (served_total.clone(), done_tx.clone(), done_rx.clone());
        tasks.push(tokio::spawn(async move {
            let mut served = 0u64;
            let mut bytes = 0u64;
            let mut first = None;
            let mut last = Instant::now();
            loop {
                let request = tokio::select! {
                    request = subscription.next() => request,
                    _ = done_rx.wait_for(|done| *done) => None,
                };
                let Some(request) = request else { break };
                let Some(reply) = request.reply else { continue };
                first.get_or_insert_with(Instant::now);
                if !sleep.is_zero() {
                    tokio::time::sleep(sleep).await;
                }
                bytes += request.payload.len() as u64;
                client.publish(reply, request.payload).await?;
                served += 1;
                last = Instant::now();
                if served.is_multiple_of(TICK) {
                    bar.inc(TICK);
                }
                if served_total.fetch_add(1, Ordering::Relaxed) + 1 >= target {
                    let _ = done_tx.send(true);
                }
            }
            bar.finish();
            let sample = Sample {
                msgs: served,
                bytes,
                start: first.unwrap_or(last),
                end: last,
            };
            Ok((sample, new_histogram()?))
        }));
    }
    let joined = join(tasks).await;
    progress.clear();
    let (group, _) = joined?;
    for client in &clients {
        let _ = client.flush().await;
    }
    finish(common, &[("Serve", "S", &group)], "")
}

async fn join(
    tasks: Vec<tokio::task::JoinHandle<ClientResult>>,
) -> Result<(SampleGroup, Histogram<u64>)> {
    let mut group = SampleGroup::default();
    let mut merged = new_histogram()?;
    let mut first_error = None;
    for (index, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(Ok((sample, histogram))) => {
                group.samples.push(sample);
                merged
                    .add(&histogram)
                    .map_err(|err| anyhow!("merging latencies: {err}"))?;
            }
            Ok(Err(err)) => {
                first_error.get_or_insert(err);
            }
            Err(join) => {
                first_error.get_or_insert(anyhow!("client {index} task failed: {join}"));
            }
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok((group, merged)),
    }
}
