//! Commands that talk to servers: `push`, `pull` (NATS resolver) and `tool pub|sub|req|reply`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use futures::StreamExt;
use nkeys::KeyPair;
use rnats_auth::jwt::{self, AccountClaims, OperatorClaims, UserClaims};

use super::{account_signer, ok_msg};
use crate::args::{ConnectArgs, Global, PullArgs, PushArgs, ToolCommand};
use crate::store::{now, Store};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn resolver_url(op: &OperatorClaims, flag: Option<&str>) -> Result<String> {
    let url = flag
        .map(str::to_string)
        .or_else(|| (!op.nats.account_server_url.is_empty()).then(|| op.nats.account_server_url.clone()))
        .ok_or_else(|| {
            anyhow!("no account server URL - pass -u or set one with `rnsc edit operator --account-jwt-server-url nats://host:port`")
        })?;
    let scheme = url.split("://").next().unwrap_or("");
    if !matches!(scheme, "nats" | "tls" | "ws" | "wss") {
        bail!("only NATS resolvers (nats://, tls://, ws://, wss://) are supported, not {url:?}");
    }
    Ok(url)
}

/// Creds for talking to the resolver: `--system-user`'s stored creds, or a short-lived user
/// signed by the system account (or one of its unscoped signing keys), allowed only to publish
/// claim requests and to receive replies — as nsc does.
fn system_creds(
    store: &Store,
    global: &Global,
    op_name: &str,
    op: &OperatorClaims,
    sys_flag: Option<&str>,
    user_flag: Option<&str>,
) -> Result<String> {
    let sys_key = match sys_flag {
        Some(f) => super::add::resolve_account_key(store, op_name, f)?,
        None if op.nats.system_account.is_empty() => {
            bail!("operator {op_name:?} has no system account - pass --system-account")
        }
        None => op.nats.system_account.clone(),
    };
    let (sys_name, sys) = store
        .find_account(op_name, &sys_key)
        .ok_or_else(|| anyhow!("system account {sys_key} is not in the store"))?;
    if let Some(user) = user_flag {
        let (claims, token) = store.load_user(op_name, &sys_name, user)?;
        let seed = store.key(&claims.sub)?.seed()?;
        return Ok(jwt::format_user_creds(&token, &seed));
    }
    temporary_user(store, global, &sys)
}

fn temporary_user(store: &Store, global: &Global, account: &AccountClaims) -> Result<String> {
    let (signer, is_sk) = account_signer(store, global, account)?;
    let user = KeyPair::new_user();
    let mut claims = UserClaims::new(user.public_key());
    claims.name = "rnsc temporary user".into();
    claims.exp = now() + 120;
    claims.nats.limits.publish.allow = vec![
        "$SYS.REQ.CLAIMS.LIST".into(),
        "$SYS.REQ.CLAIMS.UPDATE".into(),
        "$SYS.REQ.CLAIMS.DELETE".into(),
        "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP".into(),
    ];
    claims.nats.limits.subscribe.allow = vec!["_INBOX.>".into()];
    if is_sk {
        claims.nats.issuer_account = account.sub.clone();
    }
    let token = jwt::encode(&mut claims, &signer, now())?;
    Ok(jwt::format_user_creds(&token, &user.seed()?))
}

async fn connect(url: &str, creds: &str) -> Result<async_nats::Client> {
    async_nats::ConnectOptions::with_credentials(creds)
        .context("reading the creds")?
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("connecting to {url}"))
}

/// Publishes a request and collects every reply until `wait` passes.
async fn multi_request(
    nc: &async_nats::Client,
    subject: String,
    payload: bytes::Bytes,
    wait: Duration,
) -> Result<Vec<async_nats::Message>> {
    let inbox = nc.new_inbox();
    let mut sub = nc.subscribe(inbox.clone()).await?;
    nc.publish_with_reply(subject, inbox, payload).await?;
    nc.flush().await?;
    let mut replies = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, sub.next()).await {
        replies.push(msg);
    }
    Ok(replies)
}

pub(crate) fn push(store: &Store, global: &Global, a: PushArgs) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    let url = resolver_url(&op, a.url.as_deref())?;
    let names = if a.all {
        store.account_names(&op_name)
    } else {
        vec![store.resolve_account(&op_name, a.account.as_deref())?]
    };
    let mut tokens = Vec::new();
    for name in &names {
        tokens.push((name.clone(), store.account_token(&op_name, name)?));
    }
    let creds = system_creds(
        store,
        global,
        &op_name,
        &op,
        a.system_account.as_deref(),
        a.system_user.as_deref(),
    )?;
    let wait = Duration::from_secs(a.timeout.clamp(1, 60));
    runtime()?.block_on(async {
        let nc = connect(&url, &creds).await?;
        let mut failed = false;
        for (name, token) in tokens {
            let replies = multi_request(
                &nc,
                "$SYS.REQ.CLAIMS.UPDATE".into(),
                token.into_bytes().into(),
                wait,
            )
            .await?;
            if replies.is_empty() {
                bail!("no nats-server responded to the push of {name:?}");
            }
            for msg in &replies {
                let reply: serde_json::Value = serde_json::from_slice(&msg.payload)
                    .map_err(|e| anyhow!("bad resolver response: {e}"))?;
                let server = reply["server"]["name"].as_str().unwrap_or("");
                if server.is_empty() {
                    bail!("server responded without server name in info");
                }
                if let Some(err) = reply.get("error") {
                    failed = true;
                    eprintln!(
                        "[ ERR ] server {server} responded with error: {}",
                        err["description"].as_str().unwrap_or("")
                    );
                } else {
                    ok_msg(format!(
                        "pushed {name:?} to nats-server {server}: {}",
                        reply["data"]["message"].as_str().unwrap_or("")
                    ));
                }
            }
            ok_msg(format!(
                "pushed to a total of {} nats-server",
                replies.len()
            ));
        }
        if failed {
            bail!("push failed on at least one server");
        }
        Ok(())
    })
}

pub(crate) fn pull(store: &Store, global: &Global, a: PullArgs) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    let url = resolver_url(&op, a.url.as_deref())?;
    let mut keys: Vec<String> = if a.all {
        store
            .account_names(&op_name)
            .iter()
            .filter_map(|n| store.load_account(&op_name, n).ok().map(|c| c.sub))
            .collect()
    } else {
        let name = store.resolve_account(&op_name, a.account.as_deref())?;
        vec![store.load_account(&op_name, &name)?.sub]
    };
    let creds = system_creds(
        store,
        global,
        &op_name,
        &op,
        a.system_account.as_deref(),
        a.system_user.as_deref(),
    )?;
    let wait = Duration::from_secs(a.timeout.clamp(1, 60));
    let fetched = runtime()?.block_on(async {
        let nc = connect(&url, &creds).await?;
        if a.all {
            // Full resolvers list every account they hold.
            for msg in
                multi_request(&nc, "$SYS.REQ.CLAIMS.LIST".into(), Default::default(), wait).await?
            {
                let reply: serde_json::Value =
                    serde_json::from_slice(&msg.payload).unwrap_or_default();
                for k in reply["data"].as_array().into_iter().flatten() {
                    if let Some(k) = k.as_str() {
                        if !keys.iter().any(|x| x == k) {
                            keys.push(k.to_string());
                        }
                    }
                }
            }
        }
        let mut fetched = Vec::new();
        for key in keys {
            let replies = multi_request(
                &nc,
                format!("$SYS.REQ.ACCOUNT.{key}.CLAIMS.LOOKUP"),
                Default::default(),
                wait,
            )
            .await?;
            if let Some(msg) = replies.iter().find(|m| !m.payload.is_empty()) {
                fetched.push((key, String::from_utf8_lossy(&msg.payload).into_owned()));
            } else {
                eprintln!("[ WARN ] no server knows account {key}");
            }
        }
        anyhow::Ok(fetched)
    })?;
    let operators = std::slice::from_ref(&op);
    for (key, token) in fetched {
        let claims = jwt::decode_account(&token).with_context(|| format!("account {key}"))?;
        jwt::verify_account(&claims, operators, now())
            .map_err(|e| anyhow!("account {key} from the server: {e}"))?;
        let name = store
            .find_account(&op_name, &key)
            .map(|(n, _)| n)
            .unwrap_or_else(|| crate::store::safe_name(&claims.name));
        if let Ok(local) = store.load_account(&op_name, &name) {
            if local.iat > claims.iat && !a.overwrite_newer {
                eprintln!(
                    "[ WARN ] local {name:?} is newer than the server's - use --overwrite-newer"
                );
                continue;
            }
        }
        store.write_account(&op_name, &name, &token)?;
        ok_msg(format!("pulled {name:?} from the account server"));
    }
    Ok(())
}

fn user_creds(store: &Store, conn: &ConnectArgs) -> Result<(String, String)> {
    let (op_name, op) = store.load_operator()?;
    let account = store.resolve_account(&op_name, conn.account.as_deref())?;
    let user = store.resolve_user(&op_name, &account, conn.user.as_deref())?;
    let (claims, token) = store.load_user(&op_name, &account, &user)?;
    let seed = store.key(&claims.sub)?.seed()?;
    let url = conn
        .nats
        .clone()
        .or_else(|| op.nats.operator_service_urls.first().cloned())
        .ok_or_else(|| {
            anyhow!(
                "no server URL - pass --nats or add one with `rnsc edit operator --service-url`"
            )
        })?;
    Ok((url, jwt::format_user_creds(&token, &seed)))
}

fn text(payload: &[u8]) -> String {
    String::from_utf8_lossy(payload).into_owned()
}

pub(crate) fn tool(store: &Store, cmd: ToolCommand) -> Result<()> {
    let conn = match &cmd {
        ToolCommand::Pub(a) | ToolCommand::Req(a) => &a.conn,
        ToolCommand::Sub(a) => &a.conn,
        ToolCommand::Reply(a) => &a.conn,
    };
    let (url, creds) = user_creds(store, conn)?;
    runtime()?.block_on(async move {
        let nc = connect(&url, &creds).await?;
        match cmd {
            ToolCommand::Pub(a) => {
                let payload = a.payload.unwrap_or_default();
                nc.publish(a.subject.clone(), payload.clone().into())
                    .await?;
                nc.flush().await?;
                println!("Published [{}] : '{payload}'", a.subject);
            }
            ToolCommand::Req(a) => {
                let payload = a.payload.unwrap_or_default();
                println!("published request: [{}] : '{payload}'", a.subject);
                let reply = tokio::time::timeout(
                    Duration::from_secs(5),
                    nc.request(a.subject.clone(), payload.into()),
                )
                .await
                .map_err(|_| anyhow!("request timed out"))??;
                println!(
                    "received reply: [{}] : '{}'",
                    reply.subject,
                    text(&reply.payload)
                );
            }
            ToolCommand::Sub(a) => {
                let mut sub = match &a.queue {
                    Some(q) => nc.queue_subscribe(a.subject.clone(), q.clone()).await?,
                    None => nc.subscribe(a.subject.clone()).await?,
                };
                nc.flush().await?;
                println!("Listening on [{}]", a.subject);
                let mut n = 0;
                while let Some(msg) = sub.next().await {
                    n += 1;
                    println!(
                        "[#{n}] received on [{}]: '{}'",
                        msg.subject,
                        text(&msg.payload)
                    );
                    if a.max_messages.is_some_and(|m| n >= m) {
                        break;
                    }
                }
            }
            ToolCommand::Reply(a) => {
                let mut sub = match &a.queue {
                    Some(q) => nc.queue_subscribe(a.subject.clone(), q.clone()).await?,
                    None => nc.subscribe(a.subject.clone()).await?,
                };
                nc.flush().await?;
                println!("listening on [{}]", a.subject);
                let mut n = 0;
                while let Some(msg) = sub.next().await {
                    n += 1;
                    println!(
                        "[#{n}] received on [{}]: '{}'",
                        msg.subject,
                        text(&msg.payload)
                    );
                    if let Some(reply) = msg.reply {
                        let body = a
                            .payload
                            .clone()
                            .map(bytes::Bytes::from)
                            .unwrap_or(msg.payload);
                        nc.publish(reply, body).await?;
                        nc.flush().await?;
                    }
                    if a.max_messages.is_some_and(|m| n >= m) {
                        break;
                    }
                }
            }
        }
        Ok(())
    })
}
