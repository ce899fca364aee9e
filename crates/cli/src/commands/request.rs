//! `rnats req SUBJECT [BODY]`.

use std::io::Write;
use std::time::Instant;

use anyhow::{anyhow, Result};
use async_nats::{RequestErrorKind, StatusCode};
use bytes::Bytes;

use super::build_headers;
use crate::args::units::format_duration;
use crate::args::{ConnectArgs, ReqArgs};
use crate::connect::{connect, resolve};
use crate::output::{log, write_body, write_headers};
use crate::template::{render, TemplateVars};

pub(crate) const NO_RESPONDERS: &str = "nats: no responders available for request";

pub(crate) async fn run(connect_args: &ConnectArgs, args: ReqArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    let body = match args.body {
        Some(body) if !args.force_stdin => body,
        _ if args.force_stdin => super::body_or_stdin(None, true)?,
        _ => String::new(),
    };
    let vars = TemplateVars {
        count: 1,
        request: None,
    };
    let payload = Bytes::from(render(&body, vars)?);
    let headers = build_headers(&args.headers, vars)?;
    let client = connect(&settings).await?;

    let mut request = async_nats::Request::new()
        .payload(payload)
        .timeout(Some(settings.timeout));
    if let Some(headers) = headers {
        request = request.headers(headers);
    }
    if !args.raw {
        log(format!("Sending request on {:?}", args.subject));
    }
    let started = Instant::now();
    let reply = client
        .send_request(args.subject.clone(), request)
        .await
        .map_err(|err| match err.kind() {
            RequestErrorKind::NoResponders => anyhow!(NO_RESPONDERS),
            RequestErrorKind::TimedOut => {
                anyhow!("timeout after {}", format_duration(settings.timeout))
            }
            _ => anyhow!("request to {:?} failed: {err}", args.subject),
        })?;
    let rtt = started.elapsed();
    if reply.status == Some(StatusCode::NO_RESPONDERS) {
        return Err(anyhow!(NO_RESPONDERS));
    }

    let mut out = std::io::stdout().lock();
    if args.raw {
        out.write_all(&reply.payload)?;
        writeln!(out)?;
    } else {
        log(format!("Received with rtt {rtt:?}"));
        write_headers(&mut out, reply.headers.as_ref())?;
        write_body(&mut out, &reply.payload)?;
    }
    out.flush()?;
    Ok(())
}
