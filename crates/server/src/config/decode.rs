//! Top-level options: each key of the original, with its aliases, matched case-insensitively,
//! applied to [`Options`] or set aside for later.

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use rnats_conf::{Entry, Map, Span, Value, ValueKind};

use super::{features, Issue, Notice, Report};
use crate::options::{Options, DEFAULT_PORT};

/// Lame duck duration below this is refused, as in the original.
const MIN_LAME_DUCK_DURATION: Duration = Duration::from_secs(30);

/// Decodes a parsed top-level map over `opts`. Everything wrong is in the report's errors;
/// `opts` then holds whatever did decode and must not be used.
pub fn apply(map: &Map, opts: &mut Options) -> Report {
    let mut d = Decoder::default();
    let mut spans = Spans::default();
    for entry in map {
        d.entry(entry, opts, &mut spans);
    }
    d.cross_checks(opts, &spans);
    d.report
}

/// Where some options were written, for errors that involve more than one.
#[derive(Default)]
struct Spans {
    max_payload: Option<Span>,
    max_pending: Option<Span>,
    server_name: Option<Span>,
}

/// The shape an option of an unbuilt feature must have. Kept permissive: a shape the original
/// accepts must never be refused here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Any,
    Bool,
    Int,
    Str,
    Map,
    /// A string or an array (of strings).
    StrOrArray,
    /// `jetstream`: a bool, a string (`enabled`/`disabled`) or a map.
    BoolStrOrMap,
    /// A map or a string (e.g. `resolver: MEMORY`, `ocsp: always`).
    StrOrMap,
}

impl Shape {
    fn accepts(self, v: &Value) -> bool {
        use ValueKind as K;
        matches!(
            (self, &v.kind),
            (Shape::Any, _)
                | (Shape::Bool, K::Bool(_))
                | (Shape::Int, K::Int(_))
                | (Shape::Str, K::Str(_))
                | (Shape::Map, K::Map(_))
                | (Shape::StrOrArray, K::Str(_) | K::Array(_))
                | (Shape::BoolStrOrMap, K::Bool(_) | K::Str(_) | K::Map(_))
                | (Shape::StrOrMap, K::Str(_) | K::Map(_))
        )
    }

    fn expected(self) -> &'static str {
        match self {
            Shape::Any => "a value",
            Shape::Bool => "a boolean",
            Shape::Int => "an integer",
            Shape::Str => "a string",
            Shape::Map => "a map",
            Shape::StrOrArray => "a string or an array",
            Shape::BoolStrOrMap => "a boolean, a string or a map",
            Shape::StrOrMap => "a string or a map",
        }
    }
}

/// How a value looks in an error message: strings quoted, blocks by kind.
pub(crate) fn describe(v: &Value) -> String {
    match &v.kind {
        ValueKind::Str(s) => format!("{s:?}"),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Float(x) => x.to_string(),
        ValueKind::Datetime(t) => t.to_string(),
        ValueKind::Array(_) => "an array".into(),
        ValueKind::Map(_) => "a map".into(),
    }
}

/// Formats a duration as Go's `time.Duration.String` does (`1m30s`, `500ms`, `0s`), so
/// messages read like the original's.
pub fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, div) = if nanos < 1_000 {
            ("ns", 1)
        } else if nanos < 1_000_000 {
            ("\u{b5}s", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", trim_fraction(nanos, div));
    }
    let total_secs = d.as_secs();
    let hours = total_secs / 3600;
    let minutes = (total_secs % 3600) / 60;
    let secs = trim_fraction(
        u128::from(total_secs % 60) * 1_000_000_000 + u128::from(d.subsec_nanos()),
        1_000_000_000,
    );
    if hours > 0 {
        format!("{hours}h{minutes}m{secs}s")
    } else if minutes > 0 {
        format!("{minutes}m{secs}s")
    } else {
        format!("{secs}s")
    }
}

fn trim_fraction(value: u128, div: u128) -> String {
    let whole = value / div;
    let frac = value % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Collects what decoding finds; helpers return `None` after recording an error.
#[derive(Default)]
pub(crate) struct Decoder {
    pub(crate) report: Report,
}

impl Decoder {
    pub(crate) fn error(&mut self, span: &Span, message: impl Into<String>) {
        self.report.errors.push(Issue {
            span: span.clone(),
            message: message.into(),
        });
    }

    fn warn(&mut self, span: &Span, message: impl Into<String>) {
        self.report.warnings.push(Issue {
            span: span.clone(),
            message: message.into(),
        });
    }

    fn notice(&mut self, span: &Span, option: &'static str, consequence: Option<&'static str>) {
        self.report.notices.push(Notice {
            span: span.clone(),
            option,
            consequence,
        });
    }

    fn mistyped(&mut self, span: &Span, path: &str, expected: &str, v: &Value) {
        self.error(
            span,
            format!("{path}: expected {expected}, got {}", describe(v)),
        );
    }

    pub(crate) fn int(&mut self, span: &Span, path: &str, v: &Value) -> Option<i64> {
        match v.kind {
            ValueKind::Int(i) => Some(i),
            _ => {
                self.mistyped(span, path, "an integer", v);
                None
            }
        }
    }

    fn size(&mut self, span: &Span, path: &str, v: &Value) -> Option<usize> {
        let i = self.int(span, path, v)?;
        match usize::try_from(i) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    span,
                    format!("{path}: expected a non-negative integer, got {i}"),
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, span: &Span, path: &str, v: &Value) -> Option<bool> {
        match v.kind {
            ValueKind::Bool(b) => Some(b),
            _ => {
                self.mistyped(span, path, "a boolean", v);
                None
            }
        }
    }

    pub(crate) fn string<'v>(&mut self, span: &Span, path: &str, v: &'v Value) -> Option<&'v str> {
        match &v.kind {
            ValueKind::Str(s) => Some(s),
            _ => {
                self.mistyped(span, path, "a string", v);
                None
            }
        }
    }

    fn parse_duration(&mut self, span: &Span, path: &str, text: &str) -> Option<Duration> {
        match rnats_conf::parse_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    span,
                    format!(
                        "{path}: expected a duration such as \"2m\" or \"30s\", got {text:?} ({e})"
                    ),
                );
                None
            }
        }
    }

    /// A duration string only (`lame_duck_duration`, ...).
    fn duration(&mut self, span: &Span, path: &str, v: &Value) -> Option<Duration> {
        match &v.kind {
            ValueKind::Str(s) => self.parse_duration(span, path, s),
            _ => {
                self.mistyped(span, path, "a duration string such as \"30s\"", v);
                None
            }
        }
    }

    /// A duration string, or an integer of seconds with the original's warning.
    fn duration_or_seconds(&mut self, span: &Span, path: &str, v: &Value) -> Option<Duration> {
        match &v.kind {
            ValueKind::Int(i) => {
                self.warn(
                    span,
                    format!(
                        "invalid use of field \"{path}\": {path} should be converted to a duration"
                    ),
                );
                Some(Duration::from_secs(u64::try_from(*i).unwrap_or(0)))
            }
            ValueKind::Str(s) => self.parse_duration(span, path, s),
            _ => {
                self.mistyped(span, path, "a duration", v);
                None
            }
        }
    }

    /// Seconds as an integer or a float, or a duration string (`authorization.timeout`).
    pub(crate) fn seconds(&mut self, span: &Span, path: &str, v: &Value) -> Option<Duration> {
        let secs = match &v.kind {
            ValueKind::Int(i) => *i as f64,
            ValueKind::Float(x) => *x,
            ValueKind::Str(s) => return self.parse_duration(span, path, s),
            _ => {
                self.mistyped(span, path, "seconds or a duration", v);
                return None;
            }
        };
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(span, format!("{path}: invalid number of seconds {secs}"));
                None
            }
        }
    }

    pub(crate) fn host(&mut self, span: &Span, path: &str, text: &str) -> Option<IpAddr> {
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Some(ip);
        }
        if bare.eq_ignore_ascii_case("localhost") {
            return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        match (bare, 0).to_socket_addrs().map(|mut a| a.next()) {
            Ok(Some(addr)) => Some(addr.ip()),
            _ => {
                self.error(span, format!("{path}: could not resolve host {text:?}"));
                None
            }
        }
    }

    /// A port number: `-1` picks a random port (0 here), `0` means `default`.
    pub(crate) fn port(&mut self, span: &Span, path: &str, n: i64, default: u16) -> Option<u16> {
        match n {
            -1 => Some(0),
            0 => Some(default),
            _ => match u16::try_from(n) {
                Ok(p) => Some(p),
                Err(_) => {
                    self.error(span, format!("{path}: invalid port {n}"));
                    None
                }
            },
        }
    }

    /// `listen`/`http`: a bare port, or `host:port`.
    fn host_port(&mut self, span: &Span, path: &str, v: &Value) -> Option<(Option<String>, i64)> {
        match &v.kind {
            ValueKind::Int(p) => Some((None, *p)),
            ValueKind::Str(s) => {
                let parsed = s.rsplit_once(':').and_then(|(h, p)| {
                    let ipv6_unbracketed = h.contains(':') && !h.starts_with('[');
                    (!ipv6_unbracketed)
                        .then(|| p.parse::<i64>().ok())
                        .flatten()
                        .map(|p| (h.to_string(), p))
                });
                match parsed {
                    Some((h, p)) => Some(((!h.is_empty()).then_some(h), p)),
                    None => {
                        self.error(span, format!("could not parse address string {s:?}"));
                        None
                    }
                }
            }
            _ => {
                self.mistyped(span, path, "a port or \"host:port\"", v);
                None
            }
        }
    }

    /// An option of a feature rnats-server does not have yet: check its shape, keep it, and
    /// say once that it is ignored.
    fn unsupported(
        &mut self,
        opts: &mut Options,
        entry: &Entry,
        option: &'static str,
        shape: Shape,
    ) {
        let (span, v) = (&entry.key.span, &entry.value);
        if !shape.accepts(v) {
            self.mistyped(span, option, shape.expected(), v);
            return;
        }
        features::check(self, option, span, v);
        let off = matches!(v.kind, ValueKind::Bool(false));
        // Operator mode is built; its options are read from here by `operator::Trust`.
        let built = matches!(
            option,
            "operator"
                | "trusted"
                | "resolver"
                | "resolver_preload"
                | "resolver_pinned_accounts"
                | "default_sentinel"
        );
        if !off && !built {
            self.notice(span, option, features::consequence(option));
        }
        opts.raw.unsupported.push((option, v.clone()));
    }

    fn entry(&mut self, entry: &Entry, opts: &mut Options, spans: &mut Spans) {
        let name = entry.key.name.to_ascii_lowercase();
        let span = &entry.key.span;
        let v = &entry.value;
        match name.as_str() {
            "listen" => {
                if let Some((host, port)) = self.host_port(span, "listen", v) {
                    if let Some(h) = host {
                        if let Some(ip) = self.host(span, "listen", &h) {
                            opts.host = ip;
                        }
                    }
                    if let Some(p) = self.port(span, "listen", port, DEFAULT_PORT) {
                        opts.port = p;
                    }
                }
            }
            "host" | "net" => {
                if let Some(h) = self.string(span, &name, v) {
                    if let Some(ip) = self.host(span, &name, h) {
                        opts.host = ip;
                    }
                }
            }
            "port" => {
                if let Some(n) = self.int(span, "port", v) {
                    if let Some(p) = self.port(span, "port", n, DEFAULT_PORT) {
                        opts.port = p;
                    }
                }
            }
            "server_name" => {
                if let Some(s) = self.string(span, "server_name", v) {
                    opts.server_name = Some(s.to_string());
                    spans.server_name = Some(span.clone());
                }
            }
            "http" => {
                if let Some((host, port)) = self.host_port(span, "http", v) {
                    if let Some(h) = host {
                        if let Some(ip) = self.host(span, "http", &h) {
                            opts.http_host = Some(ip);
                        }
                    }
                    opts.http_port = self.http_port(span, "http", port);
                }
            }
            "http_port" | "monitor_port" => {
                if let Some(n) = self.int(span, &name, v) {
                    opts.http_port = self.http_port(span, &name, n);
                }
            }
            "max_payload" => {
                if let Some(n) = self.size(span, "max_payload", v) {
                    opts.max_payload = n;
                    spans.max_payload = Some(span.clone());
                }
            }
            "max_pending" => {
                if let Some(n) = self.size(span, "max_pending", v) {
                    opts.max_pending = n;
                    spans.max_pending = Some(span.clone());
                }
            }
            "max_control_line" => {
                if let Some(n) = self.size(span, "max_control_line", v) {
                    opts.max_control_line = n;
                }
            }
            "max_connections" | "max_conn" => {
                // 0 (or less) refuses every client, as in the original.
                if let Some(n) = self.int(span, &name, v) {
                    opts.max_connections = Some(usize::try_from(n).unwrap_or(0));
                }
            }
            "max_sub_tokens" | "max_subscription_tokens" => {
                if let Some(n) = self.size(span, &name, v) {
                    if n > 255 {
                        self.error(span, format!("{name}: max_sub_tokens can not exceed 255"));
                    } else {
                        opts.max_sub_tokens = n;
                    }
                }
            }
            "max_subscriptions" | "max_subs" => {
                if let Some(n) = self.size(span, &name, v) {
                    opts.max_subscriptions = n;
                }
            }
            "ping_interval" => {
                if let Some(d) = self.duration_or_seconds(span, "ping_interval", v) {
                    opts.ping_interval = d;
                }
            }
            "ping_max" => {
                if let Some(n) = self.int(span, "ping_max", v) {
                    match u32::try_from(n) {
                        Ok(n) => opts.ping_max = n,
                        Err(_) => self.error(span, format!("ping_max: invalid value {n}")),
                    }
                }
            }
            "write_deadline" => {
                if let Some(d) = self.duration_or_seconds(span, "write_deadline", v) {
                    opts.write_deadline = d;
                }
            }
            "lame_duck_duration" => {
                if let Some(d) = self.duration(span, "lame_duck_duration", v) {
                    if d < MIN_LAME_DUCK_DURATION {
                        self.error(
                            span,
                            format!(
                                "invalid lame_duck_duration of {}, minimum is 30 seconds",
                                go_duration(d)
                            ),
                        );
                    } else {
                        opts.lame_duck_duration = d;
                    }
                }
            }
            "lame_duck_grace_period" => {
                if let Some(d) = self.duration(span, "lame_duck_grace_period", v) {
                    opts.lame_duck_grace_period = d;
                }
            }
            "no_header_support" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.no_header_support = b;
                }
            }
            "disable_sublist_cache" | "no_sublist_cache" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.disable_sublist_cache = b;
                }
            }
            "max_closed_clients" => {
                if let Some(n) = self.size(span, &name, v) {
                    opts.max_closed_clients = n;
                }
            }
            "debug" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.logging.debug = b;
                }
            }
            "trace" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.logging.trace = b;
                }
            }
            // rnats has one trace level; these imply it, as in the original.
            "trace_verbose" | "trace_headers" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.logging.trace |= b;
                }
            }
            "logtime" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.logging.logtime = b;
                }
            }
            "logtime_utc" => {
                if let Some(b) = self.boolean(span, &name, v) {
                    opts.logging.logtime_utc = b;
                }
            }
            "log_file" | "logfile" => {
                if let Some(s) = self.string(span, &name, v) {
                    opts.logging.file = Some(PathBuf::from(s));
                }
            }
            "pid_file" | "pidfile" => {
                if let Some(s) = self.string(span, &name, v) {
                    opts.pid_file = Some(PathBuf::from(s));
                }
            }
            "ports_file_dir" => {
                if let Some(s) = self.string(span, &name, v) {
                    opts.ports_file_dir = Some(PathBuf::from(s));
                }
            }
            // Kept as written: the security layer (crate::security) decodes accounts,
            // mappings and auth from `opts.raw`; `authorization.timeout` applies here.
            "authorization" => {
                if let Some(map) = self.map(span, "authorization", v) {
                    if let Some(t) = features::authorization(self, map) {
                        opts.auth_timeout = t;
                    }
                    opts.raw.authorization = Some(v.clone());
                }
            }
            "accounts" => {
                if !matches!(v.kind, ValueKind::Map(_) | ValueKind::Array(_)) {
                    self.mistyped(span, "accounts", "a map or an array", v);
                } else {
                    opts.raw.accounts = Some(v.clone());
                }
            }
            "no_auth_user" => {
                if self.string(span, &name, v).is_some() {
                    opts.raw.no_auth_user = Some(v.clone());
                }
            }
            "system_account" | "system" => {
                if self.string(span, &name, v).is_some() {
                    opts.raw.system_account = Some(v.clone());
                }
            }
            "no_system_account" | "no_system" | "no_sys_acc" => {
                if self.boolean(span, &name, v).is_some() {
                    opts.raw.no_system_account = Some(v.clone());
                }
            }
            "mappings" | "maps" => {
                if self.map(span, "mappings", v).is_some() {
                    opts.raw.mappings = Some(v.clone());
                }
            }
            "tls" => {
                if let Some(m) = self.map(span, "tls", v) {
                    features::check(self, "tls", span, v);
                    opts.tls = Some(super::tls::decode_tls(self, "tls", m));
                }
            }
            "allow_non_tls" => {
                if let Some(b) = self.boolean(span, "allow_non_tls", v) {
                    opts.allow_non_tls = b;
                }
            }
            "websocket" | "ws" => {
                if let Some(m) = self.map(span, "websocket", v) {
                    features::check(self, "websocket", span, v);
                    opts.websocket = Some(super::tls::decode_websocket(self, m));
                }
            }
            _ => self.unbuilt(entry, &name, opts),
        }
    }

    /// `http`/`http_port`: 0 turns monitoring off, -1 picks a random port.
    fn http_port(&mut self, span: &Span, path: &str, n: i64) -> Option<u16> {
        match n {
            0 => None,
            -1 => Some(0),
            _ => self.port(span, path, n, 0),
        }
    }

    pub(crate) fn map<'v>(&mut self, span: &Span, path: &str, v: &'v Value) -> Option<&'v Map> {
        match &v.kind {
            ValueKind::Map(m) => Some(m),
            _ => {
                self.mistyped(span, path, "a map", v);
                None
            }
        }
    }

    /// Options of features rnats-server does not have yet, or an unknown key.
    fn unbuilt(&mut self, entry: &Entry, name: &str, opts: &mut Options) {
        use Shape as S;
        let (option, shape) = match name {
            "client_advertise" => ("client_advertise", S::Str),
            "server_tags" => ("server_tags", S::StrOrArray),
            "server_metadata" => ("server_metadata", S::Map),
            "https" => ("https", S::Any),
            "https_port" => ("https_port", S::Int),
            "http_base_path" => ("http_base_path", S::Str),
            "write_timeout" => ("write_timeout", S::Str),
            "no_fast_producer_stall" => ("no_fast_producer_stall", S::Bool),
            "operator" | "operators" | "root" | "roots" | "root_operator" | "root_operators" => {
                ("operator", S::StrOrArray)
            }
            "trusted" | "trusted_keys" => ("trusted", S::StrOrArray),
            "resolver" | "account_resolver" | "accounts_resolver" => ("resolver", S::StrOrMap),
            "resolver_tls" => ("resolver_tls", S::Map),
            "resolver_preload" => ("resolver_preload", S::Map),
            "resolver_pinned_accounts" => ("resolver_pinned_accounts", S::StrOrArray),
            "default_sentinel" => ("default_sentinel", S::Str),
            "jetstream" => ("jetstream", S::BoolStrOrMap),
            "store_dir" | "storedir" => ("store_dir", S::Str),
            "default_js_domain" => ("default_js_domain", S::Map),
            "ocsp" => ("ocsp", S::Any),
            "ocsp_cache" => ("ocsp_cache", S::Any),
            "cluster" => ("cluster", S::Map),
            "gateway" => ("gateway", S::Map),
            "leafnodes" | "leaf" => ("leafnodes", S::Map),
            "mqtt" => ("mqtt", S::Map),
            "logfile_size_limit" | "log_size_limit" => ("logfile_size_limit", S::Int),
            "logfile_max_num" | "log_max_num" => ("logfile_max_num", S::Int),
            "syslog" => ("syslog", S::Bool),
            "remote_syslog" => ("remote_syslog", S::Str),
            "max_traced_msg_len" => ("max_traced_msg_len", S::Int),
            "prof_port" => ("prof_port", S::Int),
            "prof_block_rate" => ("prof_block_rate", S::Int),
            "connect_error_reports" => ("connect_error_reports", S::Int),
            "reconnect_error_reports" => ("reconnect_error_reports", S::Int),
            "proxy_protocol" => ("proxy_protocol", S::Bool),
            "proxies" => ("proxies", S::Map),
            "feature_flags" => ("feature_flags", S::Map),
            _ => {
                // A key that only served as a variable is not an option (the original's rule).
                if !entry.used_as_variable {
                    self.error(
                        &entry.key.span,
                        format!("unknown field {:?}", entry.key.name),
                    );
                }
                return;
            }
        };
        self.unsupported(opts, entry, option, shape);
    }

    /// Rules across options, with the original's words.
    fn cross_checks(&mut self, opts: &Options, spans: &Spans) {
        if opts.max_payload > opts.max_pending {
            let span = spans.max_payload.as_ref().or(spans.max_pending.as_ref());
            if let Some(span) = span {
                self.error(
                    span,
                    format!(
                        "max_payload ({}) cannot be higher than max_pending ({})",
                        opts.max_payload, opts.max_pending
                    ),
                );
            }
        }
        if opts.max_payload > i32::MAX as usize {
            if let Some(span) = &spans.max_payload {
                self.error(
                    span,
                    format!(
                        "max_payload ({}) cannot be higher than {}",
                        opts.max_payload,
                        i32::MAX
                    ),
                );
            }
        }
        if let (Some(name), Some(span)) = (&opts.server_name, &spans.server_name) {
            if name.contains(' ') {
                self.error(span, "server name cannot contain spaces");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_matches_go_formatting() {
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }
}
