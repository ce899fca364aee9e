//! The system account's own client: advisories, statsz, and answers to
//! `$SYS.REQ.SERVER.PING[.<ENDPOINT>]` and `$SYS.REQ.SERVER.<id>.<ENDPOINT>`.
//!
//! It is a real connection in the system account, over an in-memory pipe
//! (`tokio::io::duplex`), so its subscriptions, publishes and permissions go through the same
//! code as everyone else's. It speaks the protocol itself: a handful of `SUB`s, `PUB`s, and
//! the `MSG` frames of [`frames`].

mod claims;
pub mod events;
mod frames;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::client::Client;
use crate::monitor::connz::ConnzOptions;
use crate::monitor::format::timestamp;
use crate::monitor::subsz::SubszOptions;
use crate::monitor::Monitor;
use crate::server::ServerShared;
use events::{ClientAdvisory, ClientInfo, DataStats, ServerInfo, Statsz};
use frames::Frame;

/// How often `$SYS.SERVER.<id>.STATSZ` goes out.
pub const STATSZ_INTERVAL: Duration = Duration::from_secs(10);

/// The id of the system client (ids below 5 are the server's own, as in the original).
pub const SYSTEM_CLIENT_ID: u64 = 1;

/// Something the system client should announce.
#[derive(Debug)]
pub enum Event {
    Connect(Box<ClientAdvisory>),
    Disconnect(Box<ClientAdvisory>),
}

/// Sends events to the system client.
#[derive(Debug, Clone)]
pub struct Events {
    tx: mpsc::UnboundedSender<Event>,
}

impl Events {
    pub fn send(&self, event: Event) {
        let _ = self.tx.send(event);
    }
}

/// Starts the system client; returns the handle to send it events.
pub fn start(server: &Arc<ServerShared>) -> Events {
    let (tx, rx) = mpsc::unbounded_channel();
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(theirs);
    let account = server
        .security()
        .account(&server.security().system_account)
        .unwrap_or_else(|| server.global.clone());
    server.tasks.spawn(crate::client::reader::serve_internal(
        server.clone(),
        server_read,
        server_write,
        SYSTEM_CLIENT_ID,
        account,
    ));
    let system = SystemClient {
        monitor: Monitor::new(server.clone()),
        server: server.clone(),
        seq: AtomicU64::new(0),
    };
    server.tasks.spawn(system.run(ours, rx));
    Events { tx }
}

struct SystemClient {
    server: Arc<ServerShared>,
    monitor: Monitor,
    seq: AtomicU64,
}

impl SystemClient {
    async fn run(self, pipe: tokio::io::DuplexStream, mut events: mpsc::UnboundedReceiver<Event>) {
        let (mut read, mut write) = tokio::io::split(pipe);
        let id = &self.server.server_id;
        let mut hello = format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"$SYS\"}}\r\n\
             SUB $SYS.REQ.SERVER.PING 1\r\nSUB $SYS.REQ.SERVER.PING.* 2\r\nSUB $SYS.REQ.SERVER.{id}.* 3\r\n"
        );
        if self.server.security().trust.is_some() {
            for (subject, sid) in claims::SUBJECTS {
                hello.push_str(&format!("SUB {subject} {sid}\r\n"));
            }
        }
        if write.write_all(hello.as_bytes()).await.is_err() {
            return;
        }
        let mut statsz = tokio::time::interval(STATSZ_INTERVAL);
        statsz.tick().await;
        let mut buf = BytesMut::with_capacity(64 * 1024);
        let mut out = Vec::new();
        loop {
            tokio::select! {
                () = self.server.shutdown.cancelled() => break,
                event = events.recv() => match event {
                    Some(event) => self.announce(event, &mut out),
                    None => break,
                },
                _ = statsz.tick() => {
                    let subject = format!("$SYS.SERVER.{id}.STATSZ");
                    let body = serde_json::json!({ "server": self.server_info(), "statsz": self.statsz() });
                    put_pub(&mut out, &subject, &body);
                }
                read = read.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        while let Some(frame) = frames::next(&mut buf) {
                            self.handle(frame, &mut out);
                        }
                    }
                },
            }
            if !out.is_empty() {
                if write.write_all(&out).await.is_err() {
                    break;
                }
                out.clear();
            }
        }
    }

    fn handle(&self, frame: Frame, out: &mut Vec<u8>) {
        match frame {
            Frame::Ping => out.extend_from_slice(b"PONG\r\n"),
            Frame::Other => {}
            Frame::Msg {
                subject,
                reply: Some(reply),
                payload,
            } => {
                let subject = String::from_utf8_lossy(&subject);
                let reply = String::from_utf8_lossy(&reply);
                if let Some(answer) = claims::answer(&self.server, &subject, &payload) {
                    let body = match answer {
                        claims::Reply::Raw(bytes) => bytes,
                        claims::Reply::Many(messages) => {
                            for message in messages {
                                put_raw(out, &reply, &message);
                            }
                            return;
                        }
                        claims::Reply::Data(data) => {
                            serde_json::json!({ "server": self.server_info(), "data": data })
                                .to_string()
                                .into_bytes()
                        }
                        claims::Reply::Error(error) => {
                            serde_json::json!({ "server": self.server_info(), "error": error })
                                .to_string()
                                .into_bytes()
                        }
                    };
                    put_raw(out, &reply, &body);
                    return;
                }
                let Some(answer) = self.answer(&subject, &payload) else {
                    return;
                };
                put_pub(out, &reply, &answer);
            }
            Frame::Msg { reply: None, .. } => {}
        }
    }

    /// The answer to a request on `subject`, or `None` for subjects not served.
    fn answer(&self, subject: &str, payload: &[u8]) -> Option<Value> {
        let rest = subject.strip_prefix("$SYS.REQ.SERVER.")?;
        if rest == "PING" {
            return Some(
                serde_json::json!({ "server": self.server_info(), "statsz": self.statsz() }),
            );
        }
        let endpoint = rest
            .strip_prefix("PING.")
            .or_else(|| rest.strip_prefix(&format!("{}.", self.server.server_id)))?;
        let options = request_options(payload);
        let data = self.endpoint(endpoint, &options)?;
        Some(events::envelope(self.server_info(), data))
    }

    fn endpoint(
        &self,
        endpoint: &str,
        options: &HashMap<String, String>,
    ) -> Option<Result<Value, (u16, String)>> {
        let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| (500, e.to_string()));
        let m = &self.monitor;
        Some(match endpoint {
            "VARZ" => json(serde_json::to_value(m.varz())),
            "CONNZ" => ConnzOptions::from_query(options)
                .map_err(|e| (400, e.0))
                .and_then(|o| json(serde_json::to_value(m.connz(&o)))),
            "SUBSZ" => SubszOptions::from_query(options)
                .map_err(|e| (400, e.0))
                .and_then(|o| json(serde_json::to_value(m.subsz(&o)))),
            "ROUTEZ" => json(serde_json::to_value(m.routez())),
            "GATEWAYZ" => json(serde_json::to_value(m.gatewayz())),
            "LEAFZ" => json(serde_json::to_value(m.leafz())),
            "JSZ" => json(serde_json::to_value(m.jsz())),
            "HEALTHZ" => json(serde_json::to_value(m.healthz())),
            "ACCOUNTZ" => m
                .accountz(options.get("account").map(String::as_str))
                .map_err(|e| (400, e.0))
                .and_then(|z| json(serde_json::to_value(z))),
            "STATSZ" => json(serde_json::to_value(self.statsz())),
            "IDZ" => Ok(serde_json::json!({
                "name": self.server.server_name,
                "host": self.server.opts.host.to_string(),
                "id": self.server.server_id,
            })),
            _ => return None,
        })
    }

    fn announce(&self, event: Event, out: &mut Vec<u8>) {
        let (verb, mut advisory) = match event {
            Event::Connect(a) => ("CONNECT", a),
            Event::Disconnect(a) => ("DISCONNECT", a),
        };
        advisory.server = self.server_info();
        let subject = format!("$SYS.ACCOUNT.{}.{verb}", advisory.client.acc);
        put_pub(
            out,
            &subject,
            &serde_json::to_value(&*advisory).unwrap_or_default(),
        );
    }

    fn server_info(&self) -> ServerInfo {
        ServerInfo {
            name: self.server.server_name.clone(),
            host: self.server.opts.host.to_string(),
            id: self.server.server_id.clone(),
            ver: crate::VERSION_COMPAT.into(),
            jetstream: false,
            flags: 0,
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            time: timestamp(SystemTime::now()),
        }
    }

    fn statsz(&self) -> Statsz {
        let v = self.monitor.varz();
        Statsz {
            start: v.start,
            mem: v.mem,
            cores: v.cores,
            cpu: v.cpu,
            connections: v.connections,
            total_connections: v.total_connections,
            active_accounts: self.server.security().accounts().len(),
            subscriptions: v.subscriptions,
            sent: DataStats {
                msgs: v.out_msgs,
                bytes: v.out_bytes,
            },
            received: DataStats {
                msgs: v.in_msgs,
                bytes: v.in_bytes,
            },
            slow_consumers: v.slow_consumers,
            active_servers: 1,
        }
    }
}

/// The advisory describing `client` (the server and sequence are filled in when sent).
pub fn advisory(server: &ServerShared, client: &Client, kind: &'static str) -> ClientAdvisory {
    let meta = client.meta.lock().clone();
    let (start, rtt) = events::client_times(client.started, client.rtt());
    let disconnect = kind == events::DISCONNECT_TYPE;
    let c = &client.counters;
    let stats = |msgs: &AtomicU64, bytes: &AtomicU64| DataStats {
        msgs: msgs.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
    };
    ClientAdvisory {
        kind,
        id: unique_id(),
        timestamp: timestamp(SystemTime::now()),
        server: ServerInfo {
            name: String::new(),
            host: String::new(),
            id: String::new(),
            ver: String::new(),
            jetstream: false,
            flags: 0,
            seq: 0,
            time: String::new(),
        },
        client: ClientInfo {
            start,
            host: client.addr.ip().to_string(),
            id: client.id,
            acc: if meta.account.is_empty() {
                crate::account::GLOBAL_ACCOUNT.into()
            } else {
                meta.account
            },
            user: meta.user,
            name: meta.name,
            lang: meta.lang,
            ver: meta.version,
            rtt,
            server: server.server_name.clone(),
            kind: "Client".into(),
            client_type: "nats".into(),
            stop: if disconnect {
                timestamp(SystemTime::now())
            } else {
                String::new()
            },
        },
        // From the client's side: what the server sent it, and what it received.
        sent: disconnect.then(|| stats(&c.out_msgs, &c.out_bytes)),
        received: disconnect.then(|| stats(&c.in_msgs, &c.in_bytes)),
        reason: disconnect.then(|| {
            client
                .close_reason()
                .unwrap_or(crate::client::CloseReason::ClientClosed)
                .as_str()
                .to_string()
        }),
    }
}

/// A 22-character random id, like the original's NUIDs.
fn unique_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n: u128 = rand::random();
    (0..22)
        .map(|_| {
            let c = ALPHABET[(n % 62) as usize] as char;
            n /= 62;
            c
        })
        .collect()
}

/// Request options: a JSON object in the request body, read like the HTTP query strings.
fn request_options(payload: &[u8]) -> HashMap<String, String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(payload) else {
        return HashMap::new();
    };
    let mut options = HashMap::new();
    for (key, value) in map {
        let text = match &value {
            Value::String(s) => s.clone(),
            Value::Bool(true) => "1".into(),
            Value::Bool(false) => continue,
            other => other.to_string(),
        };
        let key = match key.as_str() {
            "subscriptions" => "subs".to_string(),
            "subscriptions_detail" => {
                options.insert("subs".into(), "detail".into());
                continue;
            }
            _ => key,
        };
        options.insert(key, text);
    }
    options
}

fn put_pub(out: &mut Vec<u8>, subject: &str, body: &Value) {
    put_raw(out, subject, body.to_string().as_bytes());
}

fn put_raw(out: &mut Vec<u8>, subject: &str, body: &[u8]) {
    out.extend_from_slice(format!("PUB {subject} {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}
