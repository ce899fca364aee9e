//! `rnats reply SUBJECT [BODY]`: a service that answers requests by echo, with a fixed
//! (templated) body, or with the output of a shell command.

use std::io::Write;

use anyhow::{Context as _, Result};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures::StreamExt;

use super::build_headers;
use crate::args::{ConnectArgs, ReplyArgs};
use crate::connect::{connect, resolve};
use crate::output::{log, write_body, write_headers, write_received};
use crate::template::{render, TemplateVars};

pub(crate) async fn run(connect_args: &ConnectArgs, args: ReplyArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    let client = connect(&settings).await?;
    let mut requests = client
        .queue_subscribe(args.subject.clone(), args.queue.clone())
        .await?;
    super::sync_with_server(&client, settings.timeout).await?;
    log(format!(
        "Listening on {:?} in group {:?}",
        args.subject, args.queue
    ));

    let mut answered = 0u64;
    while let Some(request) = requests.next().await {
        answered += 1;
        if !args.quiet {
            let mut out = std::io::stdout().lock();
            write_received(&mut out, answered, &request)?;
            write_headers(&mut out, request.headers.as_ref())?;
            write_body(&mut out, &request.payload)?;
            out.flush()?;
        }
        let Some(reply_to) = request.reply.clone() else {
            log("Ignoring a message without a reply subject");
            continue;
        };
        if let Some(sleep) = args.sleep {
            tokio::time::sleep(sleep).await;
        }
        let request_text = String::from_utf8_lossy(&request.payload);
        let vars = TemplateVars {
            count: answered,
            request: Some(&request_text),
        };
        let body = if let Some(command) = &args.command {
            Bytes::from(super::run_shell(command, &request.payload).await?)
        } else if let Some(body) = &args.body {
            Bytes::from(render(body, vars)?)
        } else {
            request.payload.clone()
        };
        let mut headers = if args.command.is_none() && args.body.is_none() {
            request.headers.clone().unwrap_or_default()
        } else {
            HeaderMap::new()
        };
        if let Some(extra) = build_headers(&args.headers, vars)? {
            for (name, values) in extra.iter() {
                for value in values {
                    headers.append(name.as_ref(), value.as_str());
                }
            }
        }
        client
            .publish_with_headers(reply_to, headers, body)
            .await
            .context("sending the reply")?;
        if args.count.is_some_and(|limit| answered >= limit) {
            break;
        }
    }
    super::sync_with_server(&client, settings.timeout).await?;
    Ok(())
}
