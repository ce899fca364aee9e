//! `rnats bench`: core NATS load generators in the manner of `nats bench`.
//!
//! Each client is its own connection and its own task. Every message is counted: a
//! publisher ends with a server round trip, a subscriber waits for exactly `--msgs`
//! messages (or gives up after `--idle-timeout` without one and says how many it got).

mod progress;
mod publish;
mod service;
mod stats;
mod subscribe;

use anyhow::{Context as _, Result};

use crate::args::units::{format_bytes, format_duration, with_commas};
use crate::args::{BenchArgs, BenchCommand, BenchCommon, ConnectArgs, ServiceCommand};
use crate::connect::{connect_with, resolve, Resolved};
use crate::output::log;

pub(crate) use stats::{Sample, SampleGroup};

/// Queue group shared by every `bench service serve` instance.
pub(crate) const SERVICE_QUEUE: &str = "rnats-bench-service";

pub(crate) async fn run(connect_args: &ConnectArgs, args: BenchArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    match args.command {
        BenchCommand::Pub {
            subject,
            common,
            sleep,
        } => {
            banner(
                "Core NATS publish",
                &subject,
                &common,
                &[("sleep", format_duration(sleep))],
            );
            publish::run(&settings, &subject, &common, sleep).await
        }
        BenchCommand::Sub {
            subject,
            common,
            idle_timeout,
        } => {
            banner("Core NATS subscribe", &subject, &common, &[]);
            subscribe::run(&settings, &subject, &common, idle_timeout).await
        }
        BenchCommand::Service { command } => match command {
            ServiceCommand::Request {
                subject,
                common,
                sleep,
            } => {
                banner(
                    "Core NATS service request",
                    &subject,
                    &common,
                    &[("sleep", format_duration(sleep))],
                );
                service::request(&settings, &subject, &common, sleep).await
            }
            ServiceCommand::Serve {
                subject,
                common,
                sleep,
            } => {
                banner(
                    "Core NATS service serve",
                    &subject,
                    &common,
                    &[("sleep", format_duration(sleep))],
                );
                service::serve(&settings, &subject, &common, sleep).await
            }
        },
    }
}

fn banner(kind: &str, subject: &str, common: &BenchCommon, extra: &[(&str, String)]) {
    let mut pairs: Vec<(&str, String)> = vec![
        ("clients", common.clients.to_string()),
        ("msg-size", format_bytes(common.size)),
        ("msgs", with_commas(common.msgs)),
        ("subject", subject.to_string()),
    ];
    pairs.extend(extra.iter().cloned());
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let list: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    log(format!("Starting {kind} benchmark [{}]", list.join(", ")));
}

/// Opens `count` connections tuned for throughput: a deep client queue, and room in each
/// subscription for `sub_capacity` messages so none is dropped as a slow consumer.
async fn connect_clients(
    settings: &Resolved,
    count: u32,
    sub_capacity: usize,
) -> Result<Vec<async_nats::Client>> {
    let mut clients = Vec::with_capacity(count as usize);
    for index in 0..count {
        let client = connect_with(settings, |options| {
            options
                .client_capacity(65_536)
                .subscription_capacity(sub_capacity)
        })
        .await
        .with_context(|| format!("client number {index} failed to connect"))?;
        clients.push(client);
    }
    Ok(clients)
}

/// Prints a report (stdout) and writes the CSV file when asked.
fn finish(common: &BenchCommon, groups: &[(&str, &str, &SampleGroup)], extra: &str) -> Result<()> {
    println!();
    for (label, _, group) in groups {
        print!("{}", stats::report(label, group));
    }
    print!("{extra}");
    if let Some(path) = &common.csv {
        let run_id = nuid::next().to_string();
        let rows: Vec<(&str, &SampleGroup)> = groups.iter().map(|(_, p, g)| (*p, *g)).collect();
        std::fs::write(path, stats::csv(&run_id, &rows))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("Saved metric data in csv file {}", path.display());
    }
    Ok(())
}

/// Joins client tasks, returning the first error.
async fn join_all(tasks: Vec<tokio::task::JoinHandle<Result<Sample>>>) -> Result<SampleGroup> {
    let mut group = SampleGroup::default();
    let mut first_error = None;
    for (index, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(Ok(sample)) => group.samples.push(sample),
            Ok(Err(err)) => {
                first_error.get_or_insert(err.context(format!("client {index}")));
            }
            Err(join) => {
                first_error.get_or_insert(anyhow::anyhow!("client {index} task failed: {join}"));
            }
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(group),
    }
}
