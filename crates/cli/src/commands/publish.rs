//! `rnats pub SUBJECT [BODY]`.

use anyhow::{Context as _, Result};
use bytes::Bytes;

use super::{body_or_stdin, build_headers};
use crate::args::{ConnectArgs, PubArgs};
use crate::connect::{connect, resolve};
use crate::output::log;
use crate::template::{render, TemplateVars};

pub(crate) async fn run(connect_args: &ConnectArgs, args: PubArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    let body = body_or_stdin(args.body, args.force_stdin)?;
    let client = connect(&settings).await?;
    let mut total_bytes = 0usize;
    for count in 1..=args.count {
        let vars = TemplateVars {
            count,
            request: None,
        };
        let payload = Bytes::from(render(&body, vars)?);
        let headers = build_headers(&args.headers, vars)?;
        total_bytes += payload.len();
        let subject = args.subject.clone();
        let sent = match (args.reply.clone(), headers) {
            (None, None) => client.publish(subject, payload).await,
            (None, Some(headers)) => client.publish_with_headers(subject, headers, payload).await,
            (Some(reply), None) => client.publish_with_reply(subject, reply, payload).await,
            (Some(reply), Some(headers)) => {
                client
                    .publish_with_reply_and_headers(subject, reply, headers, payload)
                    .await
            }
        };
        sent.with_context(|| format!("publishing to {:?}", args.subject))?;
        if let Some(sleep) = args.sleep.filter(|_| count < args.count) {
            tokio::time::sleep(sleep).await;
        }
    }
    // A round trip, so every message is at the server before we exit.
    super::sync_with_server(&client, settings.timeout).await?;
    if !args.quiet {
        if args.count == 1 {
            log(format!(
                "Published {total_bytes} bytes to {:?}",
                args.subject
            ));
        } else {
            log(format!(
                "Published {} messages ({total_bytes} bytes) to {:?}",
                args.count, args.subject
            ));
        }
    }
    Ok(())
}
