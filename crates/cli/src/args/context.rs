//! `rnats context ...`: saved connection settings.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum ContextCommand {
    /// Create or update a context from the connection flags given (--server, --user, ...)
    #[command(visible_alias = "create")]
    Add(ContextAddArgs),
    /// Select the default context
    #[command(visible_alias = "switch")]
    Select {
        /// Context to select
        name: String,
    },
    /// List known contexts
    #[command(visible_alias = "list")]
    Ls,
    /// Remove a context
    #[command(visible_alias = "delete")]
    Rm {
        /// Context to remove
        name: String,
        /// Remove without asking (accepted for compatibility; rnats never asks)
        #[arg(short, long)]
        force: bool,
    },
    /// Show a context (the selected one by default)
    #[command(visible_alias = "info")]
    Show {
        /// Context to show
        name: Option<String>,
        /// Print the stored JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ContextAddArgs {
    /// Context name
    pub(crate) name: String,
    /// Human friendly description
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Select the context once saved
    #[arg(long)]
    pub(crate) select: bool,
}
