//! `rnats sub SUBJECT...`.

use std::io::Write;

use anyhow::Result;
use futures::StreamExt;

use crate::args::{ConnectArgs, SubArgs};
use crate::connect::{connect, resolve};
use crate::output::{log, write_body, write_headers, write_received};

pub(crate) async fn run(connect_args: &ConnectArgs, args: SubArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    let client = connect(&settings).await?;
    let mut subscriptions = Vec::with_capacity(args.subjects.len());
    for subject in &args.subjects {
        let subscription = match &args.queue {
            Some(queue) => {
                client
                    .queue_subscribe(subject.clone(), queue.clone())
                    .await?
            }
            None => client.subscribe(subject.clone()).await?,
        };
        subscriptions.push(subscription);
    }
    super::sync_with_server(&client, settings.timeout).await?;
    let subjects = args.subjects.join(", ");
    match &args.queue {
        Some(queue) => log(format!("Subscribing on {subjects} in group {queue}")),
        None => log(format!("Subscribing on {subjects}")),
    }

    let mut messages = futures::stream::select_all(subscriptions);
    let mut received = 0u64;
    while let Some(message) = messages.next().await {
        received += 1;
        let body = match &args.translate {
            Some(command) => {
                let command = command.replace("{{Subject}}", message.subject.as_str());
                super::run_shell(&command, &message.payload).await?
            }
            None => message.payload.to_vec(),
        };
        let mut out = std::io::stdout().lock();
        if args.raw {
            out.write_all(&body)?;
            writeln!(out)?;
        } else {
            write_received(&mut out, received, &message)?;
            write_headers(&mut out, message.headers.as_ref())?;
            if args.headers_only {
                if message
                    .headers
                    .as_ref()
                    .is_none_or(|h| h.iter().next().is_none())
                {
                    writeln!(out)?;
                }
            } else {
                write_body(&mut out, &body)?;
            }
        }
        out.flush()?;
        if args.count.is_some_and(|limit| received >= limit) {
            break;
        }
    }
    Ok(())
}
