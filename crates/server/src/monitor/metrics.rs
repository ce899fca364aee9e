//! `/metrics`: Prometheus text exposition (version 0.0.4). Not in the original.

use std::fmt::Write;
use std::time::SystemTime;

use super::Monitor;
use crate::stats::ServerStats;

/// What a `/metrics` response is.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl Monitor {
    /// Renders the server's and each account's counters.
    pub fn metrics(&self) -> String {
        let s = &*self.server;
        let st = &s.stats;
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let one = |v: u64| vec![(String::new(), v as f64)];
        metric(
            "rnats_in_msgs_total",
            "counter",
            "Messages received from clients.",
            &one(ServerStats::get(&st.in_msgs)),
        );
        metric(
            "rnats_in_bytes_total",
            "counter",
            "Payload bytes received from clients.",
            &one(ServerStats::get(&st.in_bytes)),
        );
        metric(
            "rnats_out_msgs_total",
            "counter",
            "Messages delivered to clients.",
            &one(ServerStats::get(&st.out_msgs)),
        );
        metric(
            "rnats_out_bytes_total",
            "counter",
            "Payload bytes delivered to clients.",
            &one(ServerStats::get(&st.out_bytes)),
        );
        metric(
            "rnats_connections",
            "gauge",
            "Open client connections.",
            &one(s.client_count() as u64),
        );
        metric(
            "rnats_connections_total",
            "counter",
            "Client connections accepted since start.",
            &one(ServerStats::get(&st.total_connections)),
        );
        metric(
            "rnats_subscriptions",
            "gauge",
            "Subscriptions in all accounts.",
            &one(s.global.subscription_count() as u64),
        );
        metric(
            "rnats_slow_consumers_total",
            "counter",
            "Clients cut off as slow consumers.",
            &one(ServerStats::get(&st.slow_consumers)),
        );
        let uptime = SystemTime::now()
            .duration_since(s.started)
            .unwrap_or_default()
            .as_secs_f64();
        metric(
            "rnats_uptime_seconds",
            "gauge",
            "Seconds since the server started.",
            &[(String::new(), uptime)],
        );

        let stats: Vec<_> = self
            .accounts()
            .into_iter()
            .map(|a| self.account_stat(&a))
            .collect();
        let per_account = |f: fn(&super::accounts::AccountStat) -> u64| -> Vec<(String, f64)> {
            stats
                .iter()
                .map(|a| (format!("{{account=\"{}\"}}", escape(&a.name)), f(a) as f64))
                .collect()
        };
        metric(
            "rnats_account_in_msgs_total",
            "counter",
            "Messages received from the account's clients.",
            &per_account(|a| a.received.msgs),
        );
        metric(
            "rnats_account_in_bytes_total",
            "counter",
            "Payload bytes received from the account's clients.",
            &per_account(|a| a.received.bytes),
        );
        metric(
            "rnats_account_out_msgs_total",
            "counter",
            "Messages delivered to the account's clients.",
            &per_account(|a| a.sent.msgs),
        );
        metric(
            "rnats_account_out_bytes_total",
            "counter",
            "Payload bytes delivered to the account's clients.",
            &per_account(|a| a.sent.bytes),
        );
        metric(
            "rnats_account_connections",
            "gauge",
            "Open connections of the account.",
            &per_account(|a| a.conns as u64),
        );
        metric(
            "rnats_account_subscriptions",
            "gauge",
            "Subscriptions of the account.",
            &per_account(|a| a.num_subscriptions as u64),
        );
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
