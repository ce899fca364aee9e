//! The endpoints of features rnats does not have yet, in the original's empty shapes:
//! `/routez`, `/gatewayz`, `/leafz`, `/jsz` (JetStream disabled); and `/healthz`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use super::format::timestamp;
use super::Monitor;

/// A route, gateway or leaf connection; none exist yet.
#[derive(Debug, Clone, Serialize)]
pub enum Never {}

#[derive(Debug, Clone, Serialize)]
pub struct Routez {
    pub server_id: String,
    pub server_name: String,
    pub now: String,
    pub num_routes: usize,
    pub routes: Vec<Never>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gatewayz {
    pub server_id: String,
    pub now: String,
    pub outbound_gateways: BTreeMap<String, Never>,
    pub inbound_gateways: BTreeMap<String, Never>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leafz {
    pub server_id: String,
    pub now: String,
    pub leafnodes: usize,
    pub leafs: Vec<Never>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JszApi {
    pub level: u32,
    pub total: u64,
    pub errors: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JszConfig {
    pub max_memory: i64,
    pub max_storage: i64,
}

/// `/jsz` while JetStream is off: zeros and `"disabled": true`.
#[derive(Debug, Clone, Serialize)]
pub struct Jsz {
    pub memory: u64,
    pub storage: u64,
    pub reserved_memory: u64,
    pub reserved_storage: u64,
    pub accounts: usize,
    pub ha_assets: usize,
    pub api: JszApi,
    pub server_id: String,
    pub now: String,
    pub disabled: bool,
    pub config: JszConfig,
    pub streams: usize,
    pub consumers: usize,
    pub messages: u64,
    pub bytes: u64,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Healthz {
    pub status: &'static str,
}

impl Monitor {
    fn now(&self) -> String {
        timestamp(SystemTime::now())
    }

    pub fn routez(&self) -> Routez {
        Routez {
            server_id: self.server.server_id.clone(),
            server_name: self.server.server_name.clone(),
            now: self.now(),
            num_routes: 0,
            routes: Vec::new(),
        }
    }

    pub fn gatewayz(&self) -> Gatewayz {
        Gatewayz {
            server_id: self.server.server_id.clone(),
            now: self.now(),
            outbound_gateways: BTreeMap::new(),
            inbound_gateways: BTreeMap::new(),
        }
    }

    pub fn leafz(&self) -> Leafz {
        Leafz {
            server_id: self.server.server_id.clone(),
            now: self.now(),
            leafnodes: 0,
            leafs: Vec::new(),
        }
    }

    pub fn jsz(&self) -> Jsz {
        Jsz {
            memory: 0,
            storage: 0,
            reserved_memory: 0,
            reserved_storage: 0,
            accounts: 0,
            ha_assets: 0,
            api: JszApi::default(),
            server_id: self.server.server_id.clone(),
            now: self.now(),
            disabled: true,
            config: JszConfig::default(),
            streams: 0,
            consumers: 0,
            messages: 0,
            bytes: 0,
            total: 0,
        }
    }

    /// Healthy while the server runs; nothing (JetStream, routes) can be behind yet.
    pub fn healthz(&self) -> Healthz {
        Healthz { status: "ok" }
    }
}
