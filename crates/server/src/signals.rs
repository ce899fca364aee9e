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

use std::path::Path;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};
use tracing::{error, info, warn};

use crate::logging::LogTarget;
use crate::server::Server;

/// Handles signals until the server shuts down.
///
/// # Errors
/// The signal handlers cannot be installed.
pub async fn handle(server: Server, log: LogTarget) -> std::io::Result<()> {
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
                warn!("Trapped \"hangup\" signal: configuration reload is not supported yet; keeping the running configuration");
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
