//! `/varz`: the server's options and totals.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use serde::Serialize;

use super::format::{timestamp, uptime};
use super::Monitor;
use crate::account::SYSTEM_ACCOUNT;
use crate::stats::ServerStats;
use crate::{banner, VERSION_COMPAT};

/// An object the original prints as `{}` when its section is not configured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Unconfigured {}

/// Counters split by connection kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ByKind {
    pub clients: u64,
    pub routes: u64,
    pub gateways: u64,
    pub leafs: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DiskIoWaitStats {
    pub waiters: u64,
    pub waits: u64,
    pub wait_time: u64,
    pub max_wait_time: u64,
}

/// The `/varz` snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Varz {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: i32,
    pub git_commit: String,
    pub go: String,
    pub host: String,
    pub port: u16,
    pub max_connections: usize,
    /// Nanoseconds, as Go marshals a `time.Duration`.
    pub ping_interval: u64,
    pub ping_max: u32,
    pub http_host: String,
    pub http_port: u16,
    pub http_base_path: String,
    pub https_port: u16,
    /// Seconds.
    pub auth_timeout: f64,
    pub max_control_line: usize,
    pub max_payload: usize,
    pub max_pending: usize,
    pub cluster: Unconfigured,
    pub gateway: Unconfigured,
    pub leaf: Unconfigured,
    pub mqtt: Unconfigured,
    pub websocket: Unconfigured,
    pub jetstream: Unconfigured,
    /// Seconds.
    pub tls_timeout: f64,
    /// Nanoseconds.
    pub write_deadline: u64,
    pub start: String,
    pub now: String,
    pub uptime: String,
    /// Resident memory, bytes.
    pub mem: u64,
    pub cores: usize,
    pub gomaxprocs: usize,
    /// Percent of one core since the previous `/varz`.
    pub cpu: f64,
    pub connections: usize,
    pub total_connections: u64,
    pub routes: usize,
    pub remotes: usize,
    pub leafnodes: usize,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub in_client_msgs: u64,
    pub in_client_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub out_client_msgs: u64,
    pub out_client_bytes: u64,
    pub slow_consumers: u64,
    pub stale_connections: u64,
    pub stalled_clients: u64,
    pub subscriptions: usize,
    pub http_req_stats: BTreeMap<String, u64>,
    pub config_load_time: String,
    pub config_digest: String,
    pub feature_flags: Unconfigured,
    pub system_account: String,
    /// Operator mode: logins refused because their account is not pinned (omitted when 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub pinned_account_fails: u64,
    pub slow_consumer_stats: ByKind,
    pub stale_connection_stats: ByKind,
    pub disk_io_wait_stats: DiskIoWaitStats,
}

impl Monitor {
    /// Builds `/varz`.
    pub fn varz(&self) -> Varz {
        let s = &*self.server;
        // The options in force now (a reload may have changed them).
        let opts = s.options();
        let stats = &s.stats;
        let now = SystemTime::now();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let (in_msgs, in_bytes) = (
            ServerStats::get(&stats.in_msgs),
            ServerStats::get(&stats.in_bytes),
        );
        let (out_msgs, out_bytes) = (
            ServerStats::get(&stats.out_msgs),
            ServerStats::get(&stats.out_bytes),
        );
        let slow = ServerStats::get(&stats.slow_consumers);
        let stale = ServerStats::get(&stats.stale_connections);
        let cpu = {
            let mut last = self.cpu.lock();
            let current = CpuSample::now();
            let pct = current.percent_since(&last);
            *last = current;
            pct
        };
        Varz {
            server_id: s.server_id.clone(),
            server_name: s.server_name.clone(),
            version: VERSION_COMPAT.into(),
            proto: 1,
            git_commit: String::new(),
            go: banner::RUNTIME.into(),
            host: opts.host.to_string(),
            port: s.client_addr.port(),
            max_connections: opts.max_connections.unwrap_or(0),
            ping_interval: nanos(opts.ping_interval),
            ping_max: opts.ping_max,
            http_host: opts.http_host.unwrap_or(opts.host).to_string(),
            http_port: s.monitor_addr.get().map_or(0, |a| a.port()),
            http_base_path: String::new(),
            https_port: 0,
            auth_timeout: opts.auth_timeout.as_secs_f64(),
            max_control_line: opts.max_control_line,
            max_payload: opts.max_payload,
            max_pending: opts.max_pending,
            cluster: Unconfigured {},
            gateway: Unconfigured {},
            leaf: Unconfigured {},
            mqtt: Unconfigured {},
            websocket: Unconfigured {},
            jetstream: Unconfigured {},
            tls_timeout: 2.0,
            write_deadline: nanos(opts.write_deadline),
            start: timestamp(s.started),
            now: timestamp(now),
            uptime: uptime(now.duration_since(s.started).unwrap_or_default()),
            mem: resident_memory(),
            cores,
            gomaxprocs: cores,
            cpu,
            connections: s.client_count(),
            total_connections: ServerStats::get(&stats.total_connections),
            routes: 0,
            remotes: 0,
            leafnodes: 0,
            in_msgs,
            in_bytes,
            in_client_msgs: in_msgs,
            in_client_bytes: in_bytes,
            out_msgs,
            out_bytes,
            out_client_msgs: out_msgs,
            out_client_bytes: out_bytes,
            slow_consumers: slow,
            stale_connections: stale,
            stalled_clients: 0,
            subscriptions: s.global.subscription_count(),
            http_req_stats: self.http_requests.lock().clone(),
            config_load_time: timestamp(s.started),
            config_digest: String::new(),
            feature_flags: Unconfigured {},
            system_account: SYSTEM_ACCOUNT.into(),
            pinned_account_fails: self
                .server
                .security()
                .trust
                .as_ref()
                .map_or(0, |t| t.admission.failures()),
            slow_consumer_stats: ByKind {
                clients: slow,
                ..ByKind::default()
            },
            stale_connection_stats: ByKind {
                clients: stale,
                ..ByKind::default()
            },
            disk_io_wait_stats: DiskIoWaitStats::default(),
        }
    }
}

pub(crate) fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Resident set size from `/proc/self/status`; 0 where that does not exist.
fn resident_memory() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The process's CPU time at an instant.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    at: Instant,
    /// User plus system time, in clock ticks.
    ticks: u64,
}

/// Clock ticks per second of `/proc/self/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

impl CpuSample {
    pub fn now() -> Self {
        Self {
            at: Instant::now(),
            ticks: cpu_ticks(),
        }
    }

    fn percent_since(&self, earlier: &Self) -> f64 {
        let wall = self.at.duration_since(earlier.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        let used = self.ticks.saturating_sub(earlier.ticks) as f64 / TICKS_PER_SECOND;
        ((used / wall) * 1000.0).round() / 10.0
    }
}

fn cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
