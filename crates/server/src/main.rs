//! `rnats-server`: parses flags, starts the server, waits for it to stop.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rnats_server::flags::{self, Action, RunFlags};
use rnats_server::{logging, signals, Server};
use tracing::{error, warn};

fn main() -> ExitCode {
    match flags::parse(std::env::args_os()) {
        Ok(Action::Help(text)) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Action::Version) => {
            println!("rnats-server: v{}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Action::Signal(command)) => match signals::send(&command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Ok(Action::Run(flags)) => run(*flags),
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rnats-server: {message}");
    ExitCode::FAILURE
}

fn run(flags: RunFlags) -> ExitCode {
    if flags.test_config || flags.config_file.is_some() {
        return fail("configuration files (-c, -t) are not supported yet");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let log = match logging::init(&flags.options.logging) {
            Ok(log) => log,
            Err(e) => return fail(&format!("cannot open log file: {e}")),
        };
        for flag in &flags.unsupported {
            warn!("Flag {flag} is not supported yet by rnats-server; ignoring it");
        }
        let options = flags.options.clone();
        let server = match Server::start(options).await {
            Ok(server) => server,
            Err(e) => {
                error!("{e}");
                return fail(&e.to_string());
            }
        };
        let files = RunFiles::write(&flags, &server);
        let signals = tokio::spawn(signals::handle(server.clone(), log));
        server.wait().await;
        signals.abort();
        files.remove();
        tracing::info!("Server Exiting..");
        ExitCode::SUCCESS
    })
}

/// The pid file and the ports file, removed again on exit.
struct RunFiles {
    paths: Vec<PathBuf>,
}

impl RunFiles {
    fn write(flags: &RunFlags, server: &Server) -> Self {
        let mut paths = Vec::new();
        let pid = std::process::id();
        if let Some(path) = &flags.options.pid_file {
            match std::fs::write(path, pid.to_string()) {
                Ok(()) => paths.push(path.clone()),
                Err(e) => error!("Could not write pidfile: {e}"),
            }
        }
        if let Some(dir) = &flags.options.ports_file_dir {
            let exe = std::env::args()
                .next()
                .and_then(|a| {
                    Path::new(&a)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "rnats-server".into());
            let path = dir.join(format!("{exe}_{pid}.ports"));
            let addr = server.client_addr();
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                addr.ip().to_string()
            };
            let ports = serde_json::json!({ "nats": [format!("nats://{host}:{}", addr.port())] });
            match std::fs::write(&path, ports.to_string()) {
                Ok(()) => paths.push(path),
                Err(e) => error!("Error writing ports file ({}): {e}", path.display()),
            }
        }
        Self { paths }
    }

    fn remove(self) {
        for path in self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}
