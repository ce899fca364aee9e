//! The command line, as nats-server takes it.
//!
//! nats-server uses Go's flag package: `-port` and `--port` are the same flag, and `-DV` is one
//! flag. We normalise those spellings first, then let clap do the parsing and the help text.

use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{ArgAction, Parser};

use crate::options::Options;

/// What the command line asks for.
#[derive(Debug)]
pub enum Action {
    Run(Box<RunFlags>),
    Help(String),
    Version,
    Signal(String),
}

/// Options to run with, plus flags given for features that do not exist yet.
#[derive(Debug)]
pub struct RunFlags {
    /// The defaults with the flags applied: what runs when there is no config file.
    pub options: Options,
    /// The flags alone, to apply over a config file (at start and on reload).
    pub overrides: Overrides,
    /// e.g. `--jetstream`: accepted so launchers work, reported at startup.
    pub unsupported: Vec<String>,
    pub config_file: Option<PathBuf>,
    pub test_config: bool,
}

#[derive(Debug, Parser)]
#[command(
    name = "rnats-server",
    disable_help_flag = true,
    disable_version_flag = true,
    about = "rnats-server: a NATS server, wire-compatible with nats-server"
)]
struct Cli {
    /// Bind to host address (default: 0.0.0.0)
    #[arg(short = 'a', long = "addr", visible_alias = "net", value_name = "HOST")]
    addr: Option<IpAddr>,
    /// Use port for clients (default: 4222, -1 for a random port)
    #[arg(short = 'p', long = "port", allow_negative_numbers = true)]
    port: Option<i32>,
    /// Server name (default: auto)
    #[arg(short = 'n', long = "name", visible_alias = "server_name")]
    name: Option<String>,
    /// File to store the process id
    #[arg(short = 'P', long = "pid")]
    pid: Option<PathBuf>,
    /// Directory to write the ports file (<exe>_<pid>.ports) in
    #[arg(long = "ports_file_dir")]
    ports_file_dir: Option<PathBuf>,
    /// File to redirect log output to
    #[arg(short = 'l', long = "log", visible_alias = "log_file")]
    log: Option<PathBuf>,
    /// Timestamp log entries (default: true)
    #[arg(short = 'T', long = "logtime", num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    logtime: Option<bool>,
    /// Timestamps in UTC instead of local time
    #[arg(long = "logtime_utc", num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    logtime_utc: Option<bool>,
    /// Enable debugging output
    #[arg(short = 'D', long = "debug", num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    debug: Option<bool>,
    /// Trace the raw protocol
    #[arg(short = 'V', long = "trace", num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    trace: Option<bool>,
    /// Send a signal to a running server: ldm, stop, quit, term, reopen, reload [=<pid or pid file>]
    #[arg(long = "signal", value_name = "SIGNAL")]
    signal: Option<String>,
    /// Configuration file
    #[arg(short = 'c', long = "config")]
    config: Option<PathBuf>,
    /// Test the configuration and exit
    #[arg(short = 't', num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    test: Option<bool>,
    /// Show this message
    #[arg(short = 'h', long = "help", action = ArgAction::SetTrue)]
    help: bool,
    /// Show version
    #[arg(short = 'v', long = "version", action = ArgAction::SetTrue)]
    version: bool,

    // Flags of features rnats does not have yet: accepted, reported, ignored.
    /// Use port for http monitoring (-1 for a random port)
    #[arg(short = 'm', long = "http_port", allow_negative_numbers = true)]
    http_port: Option<i32>,
    #[arg(long = "https_port", hide = true)]
    https_port: Option<String>,
    #[arg(long = "client_advertise", hide = true)]
    client_advertise: Option<String>,
    #[arg(short = 's', long = "syslog", hide = true, num_args = 0..=1, default_missing_value = "true")]
    syslog: Option<String>,
    #[arg(short = 'r', long = "remote_syslog", hide = true)]
    remote_syslog: Option<String>,
    #[arg(long = "trace_verbose", hide = true, num_args = 0..=1, default_missing_value = "true")]
    trace_verbose: Option<String>,
    #[arg(long = "log_size_limit", hide = true)]
    log_size_limit: Option<String>,
    #[arg(long = "max_traced_msg_len", hide = true)]
    max_traced_msg_len: Option<String>,
    #[arg(long = "jetstream", hide = true, num_args = 0..=1, default_missing_value = "true")]
    jetstream: Option<String>,
    #[arg(long = "store_dir", hide = true)]
    store_dir: Option<String>,
    #[arg(long = "user", hide = true)]
    user: Option<String>,
    #[arg(long = "pass", hide = true)]
    pass: Option<String>,
    #[arg(long = "auth", hide = true)]
    auth: Option<String>,
    /// Enable TLS, do not verify clients (--tls=false turns a config file's TLS off)
    #[arg(long = "tls", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    tls: Option<String>,
    /// Server certificate file
    #[arg(long = "tlscert", value_name = "FILE")]
    tlscert: Option<String>,
    /// Private key for server certificate
    #[arg(long = "tlskey", value_name = "FILE")]
    tlskey: Option<String>,
    /// Enable TLS, verify client certificates
    #[arg(long = "tlsverify", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    tlsverify: Option<String>,
    /// Client certificate CA for verification
    #[arg(long = "tlscacert", value_name = "FILE")]
    tlscacert: Option<String>,
    #[arg(long = "routes", hide = true)]
    routes: Option<String>,
    #[arg(long = "cluster", visible_alias = "cluster_listen", hide = true)]
    cluster: Option<String>,
    #[arg(long = "cluster_name", hide = true)]
    cluster_name: Option<String>,
    #[arg(long = "cluster_advertise", hide = true)]
    cluster_advertise: Option<String>,
    #[arg(long = "no_advertise", hide = true, num_args = 0..=1, default_missing_value = "true")]
    no_advertise: Option<String>,
    #[arg(long = "connect_retries", hide = true)]
    connect_retries: Option<String>,
    #[arg(long = "profile", hide = true)]
    profile: Option<String>,
    #[arg(long = "help_tls", hide = true, action = ArgAction::SetTrue)]
    help_tls: bool,
}

/// Go-style spellings and their clap equivalents.
fn normalise(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    for arg in args {
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        let expanded: &[&str] = match name {
            "-DV" | "--DV" => &["--debug", "--trace"],
            "-DVV" | "--DVV" => &["--debug", "--trace", "--trace_verbose"],
            "-VV" | "--VV" => &["--trace", "--trace_verbose"],
            "-js" => &["--jetstream"],
            "-sd" => &["--store_dir"],
            "-sl" => &["--signal"],
            "-ms" => &["--https_port"],
            _ => &[],
        };
        if !expanded.is_empty() {
            let last = expanded.len() - 1;
            for (i, e) in expanded.iter().enumerate() {
                match value {
                    Some(v) if i == last => out.push(format!("{e}={v}").into()),
                    _ => out.push((*e).into()),
                }
            }
            continue;
        }
        let single_dash_long = name.len() > 2
            && name.starts_with('-')
            && !name.starts_with("--")
            && name.as_bytes()[1].is_ascii_alphabetic();
        if single_dash_long {
            out.push(format!("-{s}").into());
        } else {
            out.push(arg);
        }
    }
    out
}

/// Parses the command line (including the program name).
///
/// # Errors
/// A one-line reason for a bad flag or value.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Action, String> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    // Positional `version` and `help` work too.
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        match first {
            "version" => return Ok(Action::Version),
            "help" => args.truncate(1),
            _ => {}
        }
    }
    let cli = Cli::try_parse_from(normalise(args)).map_err(|e| {
        let text = e.to_string();
        text.lines()
            .next()
            .unwrap_or("invalid arguments")
            .to_string()
    })?;
    if cli.help || cli.help_tls {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        return Ok(Action::Help(cmd.render_help().to_string()));
    }
    if cli.version {
        return Ok(Action::Version);
    }
    if let Some(signal) = cli.signal.clone() {
        return Ok(Action::Signal(signal));
    }
    Ok(Action::Run(Box::new(cli.into_run_flags()?)))
}

/// What the command line sets, each `None` when not given. Applied on top of the config file
/// (and again on every reload), as the original re-applies its flags after loading the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub host: Option<IpAddr>,
    pub port: Option<u16>,
    pub http_port: Option<Option<u16>>,
    pub server_name: Option<String>,
    pub pid_file: Option<PathBuf>,
    pub ports_file_dir: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub logtime: Option<bool>,
    pub logtime_utc: Option<bool>,
    pub debug: Option<bool>,
    pub trace: Option<bool>,
    /// `--tls`, `--tlscert`, `--tlskey`, `--tlsverify`, `--tlscacert`.
    pub tls: TlsFlags,
}

/// The TLS flags. Any of `--tls`, `--tlsverify`, `--tlscert` turns TLS on with exactly these
/// settings (replacing a config file's `tls` block); `--tls=false` turns it off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFlags {
    pub tls: Option<bool>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub verify: Option<bool>,
    pub ca: Option<PathBuf>,
}

impl TlsFlags {
    fn enabled(&self) -> Option<bool> {
        match self.tls {
            Some(false) => Some(false),
            _ if self.tls == Some(true) || self.verify == Some(true) || self.cert.is_some() => {
                Some(true)
            }
            _ => None,
        }
    }

    /// The original's checks (`overrideTLS`).
    fn check(&self) -> Result<(), String> {
        if self.enabled() == Some(true) {
            if self.cert.is_none() {
                return Err("TLS Server certificate must be present and valid".into());
            }
            if self.key.is_none() {
                return Err("TLS Server private key must be present and valid".into());
            }
        }
        Ok(())
    }

    fn apply(&self, options: &mut Options) {
        match self.enabled() {
            Some(false) => options.tls = None,
            Some(true) => {
                options.tls = Some(crate::tls::TlsOptions {
                    cert_file: self.cert.clone(),
                    key_file: self.key.clone(),
                    ca_file: self.ca.clone(),
                    verify: self.verify == Some(true),
                    ..crate::tls::TlsOptions::default()
                });
            }
            None => {}
        }
    }
}

fn flag_bool(value: Option<&String>) -> Result<Option<bool>, String> {
    value
        .map(|v| match v.as_str() {
            "true" | "1" | "t" | "T" | "TRUE" | "True" => Ok(true),
            "false" | "0" | "f" | "F" | "FALSE" | "False" => Ok(false),
            other => Err(format!("invalid boolean value {other:?}")),
        })
        .transpose()
}

impl Overrides {
    /// Sets every option the command line gave.
    pub fn apply(&self, options: &mut Options) {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(v) = value {
                *target = v.clone();
            }
        }
        set(&mut options.host, &self.host);
        set(&mut options.port, &self.port);
        set(&mut options.http_port, &self.http_port);
        if self.server_name.is_some() {
            options.server_name.clone_from(&self.server_name);
        }
        if self.pid_file.is_some() {
            options.pid_file.clone_from(&self.pid_file);
        }
        if self.ports_file_dir.is_some() {
            options.ports_file_dir.clone_from(&self.ports_file_dir);
        }
        let log = &mut options.logging;
        if self.log_file.is_some() {
            log.file.clone_from(&self.log_file);
        }
        set(&mut log.logtime, &self.logtime);
        set(&mut log.logtime_utc, &self.logtime_utc);
        set(&mut log.debug, &self.debug);
        set(&mut log.trace, &self.trace);
        self.tls.apply(options);
    }
}

/// A port flag: `-1` picks a random port (0 here), `0` means the default, as in the original.
fn port_flag(port: i32, default: u16, what: &str) -> Result<u16, String> {
    match port {
        -1 => Ok(0),
        0 => Ok(default),
        p => u16::try_from(p).map_err(|_| format!("invalid {what}: {p}")),
    }
}

impl Cli {
    fn into_run_flags(self) -> Result<RunFlags, String> {
        let overrides = Overrides {
            host: self.addr,
            port: self
                .port
                .map(|p| port_flag(p, crate::options::DEFAULT_PORT, "port"))
                .transpose()?,
            http_port: self
                .http_port
                .map(|p| match p {
                    0 => Ok(None),
                    p => port_flag(p, 0, "http port").map(Some),
                })
                .transpose()?,
            server_name: self.name.clone(),
            pid_file: self.pid.clone(),
            ports_file_dir: self.ports_file_dir.clone(),
            log_file: self.log.clone(),
            logtime: self.logtime,
            logtime_utc: self.logtime_utc,
            debug: self.debug,
            trace: self.trace,
            tls: TlsFlags {
                tls: flag_bool(self.tls.as_ref())?,
                cert: self.tlscert.clone().map(PathBuf::from),
                key: self.tlskey.clone().map(PathBuf::from),
                verify: flag_bool(self.tlsverify.as_ref())?,
                ca: self.tlscacert.clone().map(PathBuf::from),
            },
        };
        overrides.tls.check()?;
        let mut options = Options::default();
        overrides.apply(&mut options);
        options.validate()?;
        let unsupported = self.unsupported();
        Ok(RunFlags {
            options,
            overrides,
            unsupported,
            config_file: self.config,
            test_config: self.test.unwrap_or(false),
        })
    }

    fn unsupported(&self) -> Vec<String> {
        let given = [
            ("--https_port", self.https_port.is_some()),
            ("--client_advertise", self.client_advertise.is_some()),
            ("--syslog", self.syslog.is_some()),
            ("--remote_syslog", self.remote_syslog.is_some()),
            ("--trace_verbose", self.trace_verbose.is_some()),
            ("--log_size_limit", self.log_size_limit.is_some()),
            ("--max_traced_msg_len", self.max_traced_msg_len.is_some()),
            ("--jetstream", self.jetstream.is_some()),
            ("--store_dir", self.store_dir.is_some()),
            ("--user", self.user.is_some()),
            ("--pass", self.pass.is_some()),
            ("--auth", self.auth.is_some()),
            ("--routes", self.routes.is_some()),
            ("--cluster", self.cluster.is_some()),
            ("--cluster_name", self.cluster_name.is_some()),
            ("--cluster_advertise", self.cluster_advertise.is_some()),
            ("--no_advertise", self.no_advertise.is_some()),
            ("--connect_retries", self.connect_retries.is_some()),
            ("--profile", self.profile.is_some()),
        ];
        given
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| (*name).to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> RunFlags {
        let mut all = vec!["rnats-server"];
        all.extend_from_slice(args);
        match parse(all.into_iter().map(OsString::from)).unwrap() {
            Action::Run(flags) => *flags,
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn go_style_single_dash_long_flags() {
        let f = run(&["-port", "5000", "-addr", "127.0.0.1", "-name", "n1"]);
        assert_eq!(f.options.port, 5000);
        assert_eq!(f.options.host, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(f.options.server_name.as_deref(), Some("n1"));
    }

    #[test]
    fn random_port_and_combined_debug_trace() {
        let f = run(&["-p", "-1", "-DV"]);
        assert_eq!(f.options.port, 0);
        assert!(f.options.logging.debug && f.options.logging.trace);
    }

    #[test]
    fn boolean_flags_take_false() {
        let f = run(&["-T=false", "--logtime_utc"]);
        assert!(!f.options.logging.logtime);
        assert!(f.options.logging.logtime_utc);
    }

    #[test]
    fn unbuilt_features_are_accepted_and_reported() {
        let f = run(&[
            "-js",
            "-sd",
            "/tmp/x",
            "--routes",
            "nats://a:6222",
            "-m",
            "8222",
        ]);
        assert_eq!(
            f.unsupported,
            vec!["--jetstream", "--store_dir", "--routes"]
        );
    }

    #[test]
    fn tls_flags_turn_tls_on_and_need_a_certificate_and_key() {
        let f = run(&["--tlscert", "c.pem", "--tlskey", "k.pem", "--tlsverify"]);
        let tls = f.options.tls.unwrap();
        assert_eq!(tls.cert_file, Some(PathBuf::from("c.pem")));
        assert!(tls.verify);
        let p = |a: &[&str]| parse(a.iter().map(OsString::from)).unwrap_err();
        assert_eq!(
            p(&["x", "--tls"]),
            "TLS Server certificate must be present and valid"
        );
        assert_eq!(
            p(&["x", "--tls", "--tlscert", "c.pem"]),
            "TLS Server private key must be present and valid"
        );
        assert!(run(&["--tls=false"]).options.tls.is_none());
    }

    #[test]
    fn version_help_and_signal() {
        let p = |a: &[&str]| parse(a.iter().map(OsString::from)).unwrap();
        assert!(matches!(p(&["x", "-v"]), Action::Version));
        assert!(matches!(p(&["x", "version"]), Action::Version));
        assert!(matches!(p(&["x", "-h"]), Action::Help(_)));
        assert!(matches!(p(&["x", "-sl", "reload=12"]), Action::Signal(s) if s == "reload=12"));
    }

    #[test]
    fn bad_values_are_one_line_errors() {
        let e = parse(["x", "-p", "abc"].into_iter().map(OsString::from)).unwrap_err();
        assert!(!e.contains('\n'), "{e}");
        assert!(parse(["x", "--bogus"].into_iter().map(OsString::from)).is_err());
    }
}
