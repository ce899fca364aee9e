//! `rnats rtt`: average round-trip time to the server.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use futures::StreamExt;

use crate::args::{ConnectArgs, RttArgs};
use crate::connect::{connect, resolve};

pub(crate) async fn run(connect_args: &ConnectArgs, args: RttArgs) -> Result<()> {
    let settings = resolve(connect_args)?;
    let client = connect(&settings).await?;
    let inbox = client.new_inbox();
    let mut probe = client.subscribe(inbox.clone()).await?;
    super::sync_with_server(&client, settings.timeout).await?;
    let iterations = args.iterations.max(1);
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let started = Instant::now();
        client.publish(inbox.clone(), bytes::Bytes::new()).await?;
        client.flush().await?;
        match tokio::time::timeout(settings.timeout, probe.next()).await {
            Ok(Some(_)) => total += started.elapsed(),
            _ => return Err(anyhow!("no round trip within the timeout")),
        }
    }
    let connected = settings.urls.split(',').next().unwrap_or_default().trim();
    println!("{}:\n", settings.urls);
    println!("   {connected}: {:?}", total / iterations);
    Ok(())
}
