//! `rnats bench pub`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::Bytes;
use tokio::sync::Barrier;

use super::progress::{Progress, TICK};
use super::stats::msgs_per_client;
use super::{connect_clients, finish, join_all, Sample};
use crate::args::BenchCommon;
use crate::commands::sync_with_server;
use crate::connect::Resolved;

pub(crate) async fn run(
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
            start.wait().await;
            let began = Instant::now();
            for sent in 1..=count {
                client.publish(subject.clone(), payload.clone()).await?;
                if sent.is_multiple_of(TICK) {
                    bar.inc(TICK);
                }
                if !sleep.is_zero() {
                    tokio::time::sleep(sleep).await;
                }
            }
            sync_with_server(&client, timeout.max(Duration::from_secs(30))).await?;
            bar.finish();
            Ok(Sample {
                msgs: count,
                bytes: count * payload.len() as u64,
                start: began,
                end: Instant::now(),
            })
        }));
    }
    let group = join_all(tasks).await;
    progress.clear();
    let group = group?;
    finish(common, &[("Pub", "P", &group)], "")
}
