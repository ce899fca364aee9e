//! `rnats-server`: parses flags, loads the config file (flags win over it), starts the server,
//! waits for it to stop. `-t` checks the config file and exits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rnats_server::config::{self, Loaded};
use rnats_server::flags::{self, Action, RunFlags};
use rnats_server::signals::ReloadSource;
use rnats_server::{logging, signals, Options, Server};
use tracing::{error, warn};

/// mimalloc: less fragmentation than the system allocator for a server whose connections
/// allocate on one worker thread and free on another, and faster small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// One core (a one-CPU machine, or pinned with `taskset`): the single-threaded scheduler, which
/// does the same work with less bookkeeping per wake-up than one work-stealing worker. More
/// cores: one worker per core.
fn runtime_builder() -> tokio::runtime::Builder {
    match std::thread::available_parallelism() {
        Ok(n) if n.get() == 1 => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rnats-server: {message}");
    ExitCode::FAILURE
}

/// `-t`: check the config file and exit. As the original, the original's warnings fail the
/// check too. Options rnats-server does not support yet are printed but do not fail it: the
/// file is valid nats-server configuration.
fn test_config(flags: &RunFlags) -> ExitCode {
    let Some(path) = &flags.config_file else {
        return fail("must specify [-c, --config] option to check configuration file syntax");
    };
    let loaded = match config::load_file(path) {
        Ok(loaded) => loaded,
        Err(e) => return fail(&e.to_string()),
    };
    for notice in &loaded.notices {
        eprintln!("rnats-server: warning: {notice}");
    }
    if !loaded.warnings.is_empty() {
        let text: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        return fail(&text.join("\n"));
    }
    let mut options = loaded.options;
    flags.overrides.apply(&mut options);
    if let Err(e) = options.validate() {
        return fail(&e);
    }
    eprintln!(
        "rnats-server: configuration file {} is valid (sha256:{})",
        path.display(),
        loaded.digest
    );
    ExitCode::SUCCESS
}

/// The options to run with: the config file (if any) with the flags on top.
fn options(flags: &RunFlags) -> Result<(Options, Option<Loaded>), String> {
    let Some(path) = &flags.config_file else {
        return Ok((flags.options.clone(), None));
    };
    let mut loaded = config::load_file(path).map_err(|e| e.to_string())?;
    let mut options = loaded.options.clone();
    flags.overrides.apply(&mut options);
    options.validate()?;
    loaded.options = options.clone();
    Ok((options, Some(loaded)))
}

fn run(flags: RunFlags) -> ExitCode {
    if flags.test_config {
        return test_config(&flags);
    }
    let (options, loaded) = match options(&flags) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let runtime = match runtime_builder().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let log = match logging::init(&options.logging) {
            Ok(log) => log,
            Err(e) => return fail(&format!("cannot open log file: {e}")),
        };
        for flag in &flags.unsupported {
            warn!("Flag {flag} is not supported yet by rnats-server; ignoring it");
        }
        if let Some(loaded) = &loaded {
            for warning in &loaded.warnings {
                warn!("{warning}");
            }
            for notice in &loaded.notices {
                warn!("{notice}");
            }
        }
        let server = match Server::start(options.clone()).await {
            Ok(server) => server,
            Err(e) => {
                error!("{e}");
                return fail(&e.to_string());
            }
        };
        let files = RunFiles::write(&options, &server);
        let source = ReloadSource {
            config_file: flags.config_file.clone(),
            overrides: flags.overrides.clone(),
        };
        let signals = tokio::spawn(signals::handle(server.clone(), log, source));
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
    fn write(options: &Options, server: &Server) -> Self {
        let mut paths = Vec::new();
        let pid = std::process::id();
        if let Some(path) = &options.pid_file {
            match std::fs::write(path, pid.to_string()) {
                Ok(()) => paths.push(path.clone()),
                Err(e) => error!("Could not write pidfile: {e}"),
            }
        }
        if let Some(dir) = &options.ports_file_dir {
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
            // Written aside and renamed, so a reader never sees a half-written file.
            let partial = path.with_extension("ports.tmp");
            let written = std::fs::write(&partial, ports.to_string())
                .and_then(|()| std::fs::rename(&partial, &path));
            match written {
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
