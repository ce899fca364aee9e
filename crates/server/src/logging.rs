//! Logging in the original's format: `[pid] 2026/11/29 11:35:32.123456 [INF] message`.
//!
//! Startup lines, warnings and errors show at the default level; per-connection lines need
//! `-D`, protocol traces `-V`. The log file can be reopened (log rotation, `--signal reopen`),
//! and the level and timestamps change on a config reload ([`LogTarget::apply`]).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Registry};

use crate::options::LogOptions;

/// The original's line layout.
struct NatsFormat {
    pid: u32,
    /// Shared with [`LogControl`] so a reload can switch them.
    logtime: Arc<AtomicBool>,
    utc: Arc<AtomicBool>,
}

impl<S, N> FormatEvent<S, N> for NatsFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "[{}] ", self.pid)?;
        if self.logtime.load(Ordering::Relaxed) {
            const LAYOUT: &str = "%Y/%m/%d %H:%M:%S%.6f";
            if self.utc.load(Ordering::Relaxed) {
                write!(writer, "{} ", chrono::Utc::now().format(LAYOUT))?;
            } else {
                write!(writer, "{} ", chrono::Local::now().format(LAYOUT))?;
            }
        }
        let level = match *event.metadata().level() {
            Level::ERROR => "[ERR]",
            Level::WARN => "[WRN]",
            Level::INFO => "[INF]",
            Level::DEBUG => "[DBG]",
            Level::TRACE => "[TRC]",
        };
        write!(writer, "{level} ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Where log lines go: stderr, or a file that can be reopened.
#[derive(Clone)]
pub struct LogTarget {
    file: Option<(PathBuf, Arc<Mutex<File>>)>,
    /// Set once the global logger is installed by [`init`].
    control: Option<Arc<LogControl>>,
}

/// The switches of the installed logger that a reload may flip.
struct LogControl {
    level: reload::Handle<LevelFilter, Registry>,
    logtime: Arc<AtomicBool>,
    utc: Arc<AtomicBool>,
}

/// The most verbose level the options ask for.
fn level_filter(opts: &LogOptions) -> LevelFilter {
    if opts.trace {
        LevelFilter::TRACE
    } else if opts.debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    }
}

impl LogTarget {
    fn open(path: &PathBuf) -> io::Result<File> {
        OpenOptions::new().create(true).append(true).open(path)
    }

    /// Reopens the log file (after it was moved away by log rotation).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn reopen(&self) -> io::Result<()> {
        if let Some((path, file)) = &self.file {
            *file.lock() = Self::open(path)?;
        }
        Ok(())
    }

    /// Applies reloaded logging options: level (`debug`, `trace`) and timestamps. The log
    /// file itself does not change without a restart.
    pub fn apply(&self, opts: &LogOptions) {
        if let Some(control) = &self.control {
            let _ = control.level.modify(|filter| *filter = level_filter(opts));
            control.logtime.store(opts.logtime, Ordering::Relaxed);
            control.utc.store(opts.logtime_utc, Ordering::Relaxed);
        }
    }
}

/// Writes one log line to the target.
pub struct LineWriter {
    file: Option<Arc<Mutex<File>>>,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.file {
            Some(f) => f.lock().write(buf),
            None => io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &self.file {
            Some(f) => f.lock().flush(),
            None => io::stderr().flush(),
        }
    }
}

impl<'a> MakeWriter<'a> for LogTarget {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> LineWriter {
        LineWriter {
            file: self.file.as_ref().map(|(_, f)| f.clone()),
        }
    }
}

/// Installs the global logger. Call once, from the binary.
///
/// # Errors
/// The log file cannot be opened.
pub fn init(opts: &LogOptions) -> io::Result<LogTarget> {
    let file = match &opts.file {
        Some(path) => Some((path.clone(), Arc::new(Mutex::new(LogTarget::open(path)?)))),
        None => None,
    };
    let mut target = LogTarget {
        file,
        control: None,
    };
    let logtime = Arc::new(AtomicBool::new(opts.logtime));
    let utc = Arc::new(AtomicBool::new(opts.logtime_utc));
    let format = NatsFormat {
        pid: std::process::id(),
        logtime: logtime.clone(),
        utc: utc.clone(),
    };
    let (filter, level) = reload::Layer::new(level_filter(opts));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(target.clone())
        .event_format(format);
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .is_ok();
    if installed {
        target.control = Some(Arc::new(LogControl {
            level,
            logtime,
            utc,
        }));
    }
    Ok(target)
}
