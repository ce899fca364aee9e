//! The JSON the system account publishes: connect/disconnect advisories, statsz, and the
//! envelope of answers to `$SYS.REQ.SERVER.*` requests (field names as the original's).

use serde::Serialize;
use serde_json::Value;

use crate::monitor::format::{go_duration, timestamp};

/// Who is speaking: every system message carries it.
#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    pub name: String,
    pub host: String,
    pub id: String,
    pub ver: String,
    pub jetstream: bool,
    pub flags: u64,
    pub seq: u64,
    pub time: String,
}

/// A client, as connect/disconnect advisories describe it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ClientInfo {
    pub start: String,
    pub host: String,
    pub id: u64,
    pub acc: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ver: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rtt: String,
    pub server: String,
    pub kind: String,
    pub client_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop: String,
}

#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct DataStats {
    pub msgs: u64,
    pub bytes: u64,
}

/// `io.nats.server.advisory.v1.client_connect` / `client_disconnect`.
#[derive(Debug, Clone, Serialize)]
pub struct ClientAdvisory {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub timestamp: String,
    pub server: ServerInfo,
    pub client: ClientInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<DataStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<DataStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub const CONNECT_TYPE: &str = "io.nats.server.advisory.v1.client_connect";
pub const DISCONNECT_TYPE: &str = "io.nats.server.advisory.v1.client_disconnect";

/// `statsz`: the figures `$SYS.SERVER.<id>.STATSZ` and `$SYS.REQ.SERVER.PING` carry.
#[derive(Debug, Clone, Serialize)]
pub struct Statsz {
    pub start: String,
    pub mem: u64,
    pub cores: usize,
    pub cpu: f64,
    pub connections: usize,
    pub total_connections: u64,
    pub active_accounts: usize,
    pub subscriptions: usize,
    pub sent: DataStats,
    pub received: DataStats,
    pub slow_consumers: u64,
    pub active_servers: usize,
}

/// `{"server": ..., "data": ...}` or `{"server": ..., "error": ...}`.
pub fn envelope(server: ServerInfo, data: Result<Value, (u16, String)>) -> Value {
    match data {
        Ok(data) => serde_json::json!({ "server": server, "data": data }),
        Err((code, description)) => serde_json::json!({
            "server": server,
            "error": { "code": code, "description": description },
        }),
    }
}

/// The time fields of a client, formatted as the original does.
pub fn client_times(
    start: std::time::SystemTime,
    rtt: Option<std::time::Duration>,
) -> (String, String) {
    (timestamp(start), rtt.map(go_duration).unwrap_or_default())
}
