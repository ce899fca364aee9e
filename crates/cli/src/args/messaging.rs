//! `pub`, `sub`, `req`, `reply` and `rtt`.

use std::time::Duration;

use clap::Args;

use super::units::parse_duration;

/// A `-H key:value` header; parsed later so the value can hold templates.
pub(crate) type HeaderArg = String;

#[derive(Debug, Args)]
#[command(
    after_help = "Body templates: {{Count}} {{ID}} {{TimeStamp}} {{Time}} {{Unix}} \
{{UnixNano}} {{Random min max}}"
)]
pub(crate) struct PubArgs {
    /// Subject to publish to
    pub(crate) subject: String,
    /// Message body; read from stdin when absent
    pub(crate) body: Option<String>,
    /// Header to add, as key:value (repeatable)
    #[arg(short = 'H', long = "header")]
    pub(crate) headers: Vec<HeaderArg>,
    /// Subject the receiver should reply to
    #[arg(long)]
    pub(crate) reply: Option<String>,
    /// Publish this many messages
    #[arg(long, default_value_t = 1)]
    pub(crate) count: u64,
    /// Sleep this long between messages (e.g. 100ms)
    #[arg(long, value_parser = parse_duration)]
    pub(crate) sleep: Option<Duration>,
    /// Read the body from stdin even when BODY is given
    #[arg(long = "force-stdin")]
    pub(crate) force_stdin: bool,
    /// Print nothing on success
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SubArgs {
    /// Subjects to subscribe to
    #[arg(required = true)]
    pub(crate) subjects: Vec<String>,
    /// Subscribe to a named queue group
    #[arg(long)]
    pub(crate) queue: Option<String>,
    /// Exit after receiving this many messages
    #[arg(long)]
    pub(crate) count: Option<u64>,
    /// Print only the headers of each message
    #[arg(long = "headers-only")]
    pub(crate) headers_only: bool,
    /// Print only the message bodies
    #[arg(short, long)]
    pub(crate) raw: bool,
    /// Pipe each body through this shell command and print its output ({{Subject}} is replaced)
    #[arg(long)]
    pub(crate) translate: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ReqArgs {
    /// Subject to send the request to
    pub(crate) subject: String,
    /// Request body; read from stdin when absent and --force-stdin is given, else empty
    pub(crate) body: Option<String>,
    /// Header to add, as key:value (repeatable)
    #[arg(short = 'H', long = "header")]
    pub(crate) headers: Vec<HeaderArg>,
    /// Print only the reply body
    #[arg(short, long)]
    pub(crate) raw: bool,
    /// Read the body from stdin
    #[arg(long = "force-stdin")]
    pub(crate) force_stdin: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReplyArgs {
    /// Subject to listen on
    pub(crate) subject: String,
    /// Fixed reply body (templates allowed, plus {{Request}} for the request body)
    pub(crate) body: Option<String>,
    /// Echo the request back (the default when neither BODY nor --command is given)
    #[arg(long, conflicts_with_all = ["body", "command"])]
    pub(crate) echo: bool,
    /// Run this shell command with the request body on stdin; its stdout is the reply
    #[arg(long, conflicts_with = "body")]
    pub(crate) command: Option<String>,
    /// Queue group name
    #[arg(long, default_value = "NATS-RPLY-22")]
    pub(crate) queue: String,
    /// Exit after answering this many requests
    #[arg(long)]
    pub(crate) count: Option<u64>,
    /// Header to add to replies, as key:value (repeatable)
    #[arg(short = 'H', long = "header")]
    pub(crate) headers: Vec<HeaderArg>,
    /// Sleep this long before each reply
    #[arg(long, value_parser = parse_duration)]
    pub(crate) sleep: Option<Duration>,
    /// Print nothing per request
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RttArgs {
    /// How many round trips to average
    #[arg(long, default_value_t = 5)]
    pub(crate) iterations: u32,
}
