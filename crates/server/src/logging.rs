//! Logging in the original's format: `[pid] 2026/11/29 11:35:32.123456 [INF] message`.
//!
//! Startup lines, warnings and errors show at the default level; per-connection lines need
//! `-D`, protocol traces `-V`. The log file can be reopened (log rotation, `--signal reopen`).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::options::LogOptions;

/// The original's line layout.
struct NatsFormat {
    pid: u32,
    logtime: bool,
    utc: bool,
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
        if self.logtime {
            const LAYOUT: &str = "%Y/%m/%d %H:%M:%S%.6f";
            if self.utc {
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
    let target = LogTarget { file };
    let level = if opts.trace {
        Level::TRACE
    } else if opts.debug {
        Level::DEBUG
    } else {
        Level::INFO
    };
    let format = NatsFormat {
        pid: std::process::id(),
        logtime: opts.logtime,
        utc: opts.logtime_utc,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(target.clone())
        .event_format(format)
        .try_init();
    Ok(target)
}
