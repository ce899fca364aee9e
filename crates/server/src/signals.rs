//! Unix signals: what the running server does on each, and `--signal` to send them.
//!
//! | command  | signal  | effect                          |
//! |----------|---------|---------------------------------|
//! | stop     | SIGKILL | killed                          |
//! | quit     | SIGINT  | graceful shutdown               |
//! | term     | SIGTERM | graceful shutdown               |
//! | reopen   | SIGUSR1 | reopen the log file             |
//! | reload   | SIGHUP  | reload the configuration        |
//! | ldm      | SIGUSR2 | lame duck mode                  |

use std::path::{Path, PathBuf};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};
use tracing::{error, info, warn};

use crate::config::{self, reload::Change};
use crate::flags::Overrides;
use crate::logging::LogTarget;
use crate::server::Server;

/// What a configuration reload starts from: the file given with `-c` (if any) and the
/// command-line flags, which win over the file again, as at startup.
#[derive(Clone, Debug, Default)]
pub struct ReloadSource {
    pub config_file: Option<PathBuf>,
    pub overrides: Overrides,
}

/// Reloads the configuration: reparses the file, re-applies the flags, and swaps the options
/// in if every change is reloadable. On any error nothing changes and every connection stays.
/// Logs what it did, in the original's words where it has them.
///
/// # Errors
/// The reason the reload was refused (also logged).
pub fn reload(
    server: &Server,
    log: &LogTarget,
    source: &ReloadSource,
) -> Result<Vec<Change>, String> {
    let result = load_for_reload(source).and_then(|options| {
        server
            .reload(options.clone())
            .map(|changes| (changes, options))
            .map_err(|e| e.to_string())
    });
    match result {
        Ok((changes, options)) => {
            log.apply(&options.logging);
            for change in &changes {
                info!("Reloaded: {change}");
            }
            info!("Reloaded server configuration");
            Ok(changes)
        }
        Err(e) => {
            error!("Failed to reload server configuration: {e}");
            Err(e)
        }
    }
}

fn load_for_reload(source: &ReloadSource) -> Result<crate::Options, String> {
    let Some(path) = &source.config_file else {
        return Err("can only reload config when a file is provided using -c or --config".into());
    };
    let loaded = config::load_file(path).map_err(|e| e.to_string().replace('\n', "; "))?;
    for warning in &loaded.warnings {
        warn!("{warning}");
    }
    let mut options = loaded.options;
    source.overrides.apply(&mut options);
    Ok(options)
}

/// Handles signals until the server shuts down.
///
/// # Errors
/// The signal handlers cannot be installed.
pub async fn handle(server: Server, log: LogTarget, source: ReloadSource) -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let shutdown = server.shared().shutdown.clone();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            _ = interrupt.recv() => {
                info!("Trapped \"interrupt\" signal");
                server.shutdown();
            }
            _ = terminate.recv() => {
                info!("Trapped \"terminated\" signal");
                if !server.shared().is_lame_duck() {
                    server.shutdown();
                }
            }
            _ = hangup.recv() => {
                info!("Trapped \"hangup\" signal");
                let _ = reload(&server, &log, &source);
            }
            _ = usr1.recv() => {
                if let Err(e) = log.reopen() {
                    error!("Error reopening log file: {e}");
                } else {
                    info!("File log re-opened");
                }
            }
            _ = usr2.recv() => {
                let server = server.clone();
                tokio::spawn(async move { server.lame_duck().await });
            }
        }
    }
}

/// Sends `command[=pid|pidfile]` to a running server.
///
/// # Errors
/// Unknown command, no such process, or no single running server to pick.
pub fn send(command: &str) -> Result<(), String> {
    let (name, target) = match command.split_once('=') {
        Some((n, t)) => (n, Some(t)),
        None => (command, None),
    };
    let sig = match name {
        "stop" => Signal::SIGKILL,
        "quit" => Signal::SIGINT,
        "term" => Signal::SIGTERM,
        "reopen" => Signal::SIGUSR1,
        "reload" => Signal::SIGHUP,
        "ldm" => Signal::SIGUSR2,
        other => return Err(format!("unknown signal \"{other}\"")),
    };
    let pid = match target {
        Some(t) => resolve_pid(t)?,
        None => find_running_server()?,
    };
    kill(Pid::from_raw(pid), sig).map_err(|e| format!("failed to signal pid {pid}: {e}"))
}

/// A pid, or a file holding one.
fn resolve_pid(target: &str) -> Result<i32, String> {
    if let Ok(pid) = target.parse::<i32>() {
        return Ok(pid);
    }
    let text = std::fs::read_to_string(Path::new(target))
        .map_err(|e| format!("could not read pid file {target}: {e}"))?;
    text.trim()
        .parse()
        .map_err(|_| format!("invalid pid in file {target}: {:?}", text.trim()))
}

/// The one running rnats-server other than this process.
fn find_running_server() -> Result<i32, String> {
    let me = std::process::id() as i32;
    let mut found = Vec::new();
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("cannot list processes: {e}"))?;
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if pid != me && comm.trim() == "rnats-server" {
            found.push(pid);
        }
    }
    match found.as_slice() {
        [pid] => Ok(*pid),
        [] => Err("no rnats-server process running".into()),
        many => Err(format!(
            "multiple rnats-server processes running ({}); pass one as <signal>=<pid>",
            many.iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
