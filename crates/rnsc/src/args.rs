//! Command-line surface, named as nsc names it (`rnsc <verb> <noun> [flags]`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rnsc",
    version,
    about = "rnsc creates NATS operators, accounts, users and their JWTs"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Directory and key flags every command takes.
#[derive(Debug, Clone, Args, Default)]
pub struct Global {
    /// Sets the config, data and keystore directories to subdirectories of this one
    #[arg(short = 'H', long = "all-dirs", global = true)]
    pub all_dirs: Option<PathBuf>,
    /// nsc config directory (holds nsc.json)
    #[arg(long = "config-dir", global = true)]
    pub config_dir: Option<PathBuf>,
    /// Directory holding the stores
    #[arg(long = "data-dir", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Directory holding the keys
    #[arg(long = "keystore-dir", global = true)]
    pub keystore_dir: Option<PathBuf>,
    /// Key to sign with: a public key in the keystore, a seed, or a file with a seed
    #[arg(short = 'K', long = "private-key", global = true)]
    pub private_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates an operator, a system account and user, and an account and user
    Init(InitArgs),
    /// Shows or sets the current store, operator and account
    Env(EnvArgs),
    /// Adds an operator, account, user, export or import
    #[command(subcommand, alias = "create")]
    Add(AddCommand),
    /// Edits an operator, account or user
    #[command(subcommand)]
    Edit(EditCommand),
    /// Deletes an account, user, export or import
    #[command(subcommand)]
    Delete(DeleteCommand),
    /// Describes an operator, account, user or a JWT file
    Describe(DescribeArgs),
    /// Lists keys, accounts or users
    #[command(subcommand)]
    List(ListCommand),
    /// Generates activations, creds and server configs
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Pushes account JWTs to a NATS resolver
    Push(PushArgs),
    /// Pulls account JWTs from a NATS resolver
    Pull(PullArgs),
    /// Revokes users
    #[command(subcommand)]
    Revocations(RevocationsCommand),
    /// NATS client helpers that connect with a user's creds
    #[command(subcommand)]
    Tool(ToolCommand),
    #[command(hide = true)]
    Pub(PubArgs),
    #[command(hide = true)]
    Sub(SubArgs),
    #[command(hide = true)]
    Req(PubArgs),
    #[command(hide = true)]
    Reply(ReplyArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Name of the operator, account and user
    #[arg(short = 'n', long)]
    pub name: String,
    /// Directory for the stores
    #[arg(short = 'd', long = "dir")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Sets the stores directory
    #[arg(short = 's', long = "store")]
    pub store: Option<PathBuf>,
    /// Sets the current operator
    #[arg(short = 'o', long)]
    pub operator: Option<String>,
    /// Sets the current account
    #[arg(short = 'a', long)]
    pub account: Option<String>,
}

/// `--start`/`--expiry`: `0`, `yyyy-mm-dd`, `yyyy-mm-dd hh:mm:ss`, or `<n><m|h|d|w|M|y>`.
#[derive(Debug, Clone, Args, Default)]
pub struct ValidityArgs {
    /// Valid from (0 = now; yyyy-mm-dd; relative like 1h, 2d, 1M)
    #[arg(long)]
    pub start: Option<String>,
    /// Valid until (0 = never; yyyy-mm-dd; relative like 1h, 2d, 1y)
    #[arg(long)]
    pub expiry: Option<String>,
}

/// Permission flags shared by `add user`, `edit user` and `add account`.
#[derive(Debug, Clone, Args, Default)]
pub struct PermissionArgs {
    /// Subjects the user may publish to (comma-separated or repeated)
    #[arg(long = "allow-pub", value_delimiter = ',')]
    pub allow_pub: Vec<String>,
    /// Subjects the user may subscribe to
    #[arg(long = "allow-sub", value_delimiter = ',')]
    pub allow_sub: Vec<String>,
    /// Subjects the user may publish and subscribe to
    #[arg(long = "allow-pubsub", value_delimiter = ',')]
    pub allow_pubsub: Vec<String>,
    /// Subjects the user may not publish to
    #[arg(long = "deny-pub", value_delimiter = ',')]
    pub deny_pub: Vec<String>,
    /// Subjects the user may not subscribe to
    #[arg(long = "deny-sub", value_delimiter = ',')]
    pub deny_sub: Vec<String>,
    /// Subjects the user may neither publish nor subscribe to
    #[arg(long = "deny-pubsub", value_delimiter = ',')]
    pub deny_pubsub: Vec<String>,
    /// Allow publishing to reply subjects, at most this many replies per request
    #[arg(long = "allow-pub-response", num_args = 0..=1, default_missing_value = "1")]
    pub allow_pub_response: Option<i64>,
    /// How long response permissions last (e.g. 1s, 5m)
    #[arg(long = "response-ttl")]
    pub response_ttl: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Adds an operator
    Operator(AddOperatorArgs),
    /// Adds an account
    Account(AddAccountArgs),
    /// Adds a user
    User(AddUserArgs),
    /// Adds an export to an account
    Export(AddExportArgs),
    /// Adds an import to an account
    Import(AddImportArgs),
}

#[derive(Debug, Args)]
pub struct AddOperatorArgs {
    /// Operator name
    #[arg(short = 'n', long)]
    pub name: String,
    /// Also generate an operator signing key
    #[arg(long = "generate-signing-key")]
    pub generate_signing_key: bool,
    /// Also create the system account SYS and its user sys
    #[arg(short = 's', long = "sys")]
    pub sys: bool,
    /// Replace an operator of the same name
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Args)]
pub struct AddAccountArgs {
    /// Account name
    #[arg(short = 'n', long)]
    pub name: String,
    /// Use this account public key (its seed need not be stored)
    #[arg(short = 'k', long = "public-key")]
    pub public_key: Option<String>,
    #[command(flatten)]
    pub permissions: PermissionArgs,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Args)]
pub struct AddUserArgs {
    /// Account of the user
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// User name
    #[arg(short = 'n', long)]
    pub name: String,
    /// Use this user public key (no creds are written)
    #[arg(short = 'k', long = "public-key")]
    pub public_key: Option<String>,
    #[command(flatten)]
    pub permissions: PermissionArgs,
    /// The user connects without signing the nonce
    #[arg(long)]
    pub bearer: bool,
    /// Networks (CIDR) the user may connect from
    #[arg(long = "source-network", value_delimiter = ',')]
    pub source_network: Vec<String>,
    /// Tags
    #[arg(long = "tag", value_delimiter = ',')]
    pub tag: Vec<String>,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Args)]
pub struct AddExportArgs {
    /// Exporting account
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// Export name (default: the subject)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Exported subject
    #[arg(short = 's', long)]
    pub subject: String,
    /// Export a service (default: a stream)
    #[arg(short = 'r', long)]
    pub service: bool,
    /// Importers need an activation token
    #[arg(short = 'p', long)]
    pub private: bool,
    /// Service response type: Singleton, Stream or Chunked
    #[arg(long = "response-type")]
    pub response_type: Option<String>,
    /// Token (1-based) of the subject that must hold the importer's account key
    #[arg(long = "account-token-position")]
    pub account_token_position: Option<u32>,
    /// Service latency results subject
    #[arg(long)]
    pub latency: Option<String>,
    /// Service latency sampling: 1-100 or headers
    #[arg(long)]
    pub sampling: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddImportArgs {
    /// Importing account
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// Import name (default: the remote subject)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Exporting account public key (or name in this store)
    #[arg(long = "src-account")]
    pub src_account: Option<String>,
    /// Subject in the exporting account
    #[arg(long = "remote-subject")]
    pub remote_subject: Option<String>,
    /// Local subject (default: the remote subject)
    #[arg(short = 's', long = "local-subject")]
    pub local_subject: Option<String>,
    /// Import a service (default: a stream)
    #[arg(long)]
    pub service: bool,
    /// Share requester information with the service (latency tracking)
    #[arg(long)]
    pub share: bool,
    /// Activation token file (for private exports)
    #[arg(short = 'u', long)]
    pub token: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum EditCommand {
    /// Edits the operator
    Operator(EditOperatorArgs),
    /// Edits an account
    Account(EditAccountArgs),
    /// Edits a user
    User(EditUserArgs),
}

#[derive(Debug, Args)]
pub struct EditOperatorArgs {
    /// Add a signing key: a public key, a seed, or `generate`
    #[arg(long = "sk")]
    pub sk: Vec<String>,
    /// Remove a signing key
    #[arg(long = "rm-sk")]
    pub rm_sk: Vec<String>,
    /// Add an operator service URL (nats://host:port)
    #[arg(short = 'n', long = "service-url")]
    pub service_url: Vec<String>,
    /// Remove an operator service URL
    #[arg(long = "rm-service-url")]
    pub rm_service_url: Vec<String>,
    /// Account JWT server URL (nats:// for a NATS resolver)
    #[arg(short = 'u', long = "account-jwt-server-url")]
    pub account_jwt_server_url: Option<String>,
    /// Remove the account JWT server URL
    #[arg(long = "rm-account-jwt-server-url")]
    pub rm_account_jwt_server_url: bool,
    /// System account (name or public key)
    #[arg(long = "system-account")]
    pub system_account: Option<String>,
    /// Only signing keys may sign accounts
    #[arg(long = "require-signing-keys")]
    pub require_signing_keys: bool,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Args)]
pub struct EditAccountArgs {
    /// Account to edit
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Add a signing key: a public key, a seed, or `generate`
    #[arg(long = "sk")]
    pub sk: Vec<String>,
    /// Remove a signing key
    #[arg(long = "rm-sk")]
    pub rm_sk: Vec<String>,
    /// Max client connections (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub conns: Option<i64>,
    /// Max leafnode connections (-1 unlimited)
    #[arg(long = "leaf-conns", allow_hyphen_values = true)]
    pub leaf_conns: Option<i64>,
    /// Max data bytes (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub data: Option<i64>,
    /// Max message payload (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub payload: Option<i64>,
    /// Max subscriptions (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub subscriptions: Option<i64>,
    /// Max imports (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub imports: Option<i64>,
    /// Max exports (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub exports: Option<i64>,
    /// Allow wildcard exports
    #[arg(long = "wildcard-exports")]
    pub wildcard_exports: Option<bool>,
    /// Refuse bearer user JWTs
    #[arg(long = "disallow-bearer")]
    pub disallow_bearer: Option<bool>,
    /// Description
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub permissions: PermissionArgs,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Args)]
pub struct EditUserArgs {
    /// Account of the user
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// User to edit
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub permissions: PermissionArgs,
    /// Remove these subjects from all permission lists
    #[arg(long = "rm", value_delimiter = ',')]
    pub rm: Vec<String>,
    /// Bearer token user
    #[arg(long)]
    pub bearer: Option<bool>,
    /// Add networks (CIDR) the user may connect from
    #[arg(long = "source-network", value_delimiter = ',')]
    pub source_network: Vec<String>,
    /// Remove networks
    #[arg(long = "rm-source-network", value_delimiter = ',')]
    pub rm_source_network: Vec<String>,
    /// Add allowed connection types (STANDARD, WEBSOCKET, LEAFNODE, MQTT, …)
    #[arg(long = "conn-type", value_delimiter = ',')]
    pub conn_type: Vec<String>,
    /// Remove allowed connection types
    #[arg(long = "rm-conn-type", value_delimiter = ',')]
    pub rm_conn_type: Vec<String>,
    /// Max subscriptions (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub subs: Option<i64>,
    /// Max data bytes (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub data: Option<i64>,
    /// Max message payload (-1 unlimited)
    #[arg(long, allow_hyphen_values = true)]
    pub payload: Option<i64>,
    #[command(flatten)]
    pub validity: ValidityArgs,
}

#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Deletes an account and its users
    Account {
        #[arg(short = 'n', long)]
        name: String,
        /// Also remove the account's and users' keys
        #[arg(short = 'D', long = "rm-nkey")]
        rm_nkey: bool,
    },
    /// Deletes a user
    User {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 'n', long)]
        name: String,
        /// Also revoke the user in its account
        #[arg(short = 'R', long)]
        revoke: bool,
        /// Also remove the user's key
        #[arg(short = 'D', long = "rm-nkey")]
        rm_nkey: bool,
        /// Also remove the user's creds
        #[arg(short = 'C', long = "rm-creds")]
        rm_creds: bool,
    },
    /// Deletes an export
    Export {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 's', long)]
        subject: String,
    },
    /// Deletes an import (by local or remote subject)
    Import {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 's', long)]
        subject: String,
        /// Only the import from this account
        #[arg(long = "src-account")]
        src_account: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    #[command(subcommand)]
    pub what: DescribeCommand,
    /// Print the claims as JSON
    #[arg(short = 'J', long, global = true)]
    pub json: bool,
    /// Print the encoded JWT
    #[arg(short = 'R', long, global = true)]
    pub raw: bool,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "output-file", global = true)]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DescribeCommand {
    /// Describes the operator
    Operator {
        #[arg(short = 'n', long)]
        name: Option<String>,
    },
    /// Describes an account
    Account {
        #[arg(short = 'n', long)]
        name: Option<String>,
    },
    /// Describes a user
    User {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 'n', long)]
        name: Option<String>,
    },
    /// Describes a JWT file (raw, decorated or creds)
    Jwt {
        #[arg(short = 'f', long)]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Lists the keys of the operator, accounts and users
    #[command(alias = "key")]
    Keys {
        /// Only this account (and its users)
        #[arg(long)]
        account: Option<String>,
        /// Show seeds
        #[arg(short = 'S', long = "show-seeds")]
        show_seeds: bool,
    },
    /// Lists the accounts
    #[command(alias = "account")]
    Accounts,
    /// Lists the users of an account
    #[command(alias = "user")]
    Users {
        #[arg(short = 'a', long)]
        account: Option<String>,
    },
    /// Lists the operators
    #[command(alias = "operator")]
    Operators,
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Generates an activation token for a private export
    Activation {
        /// Exporting account
        #[arg(short = 'a', long)]
        account: Option<String>,
        /// Importing account public key
        #[arg(short = 't', long = "target-account")]
        target_account: String,
        /// Subject granted
        #[arg(short = 's', long)]
        subject: String,
        /// Output file (default stdout)
        #[arg(short = 'o', long = "output-file")]
        output_file: Option<PathBuf>,
        #[command(flatten)]
        validity: ValidityArgs,
    },
    /// Generates a creds file for a user
    Creds {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 'n', long)]
        name: Option<String>,
        /// Output file (default stdout)
        #[arg(short = 'o', long = "output-file")]
        output_file: Option<PathBuf>,
    },
    /// Generates a server configuration for the operator
    Config {
        /// In-memory resolver with every account preloaded
        #[arg(long = "mem-resolver")]
        mem_resolver: bool,
        /// Full NATS resolver (accounts pushed with `rnsc push`)
        #[arg(long = "nats-resolver")]
        nats_resolver: bool,
        /// Caching NATS resolver
        #[arg(long = "nats-resolver-cache")]
        nats_resolver_cache: bool,
        /// System account (name or public key)
        #[arg(long = "sys-account")]
        sys_account: Option<String>,
        /// Output file (default stdout)
        #[arg(long = "config-file")]
        config_file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Account to push
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// Push all accounts
    #[arg(short = 'A', long)]
    pub all: bool,
    /// Resolver URL (default: the operator's account server URL)
    #[arg(short = 'u', long = "account-jwt-server-url")]
    pub url: Option<String>,
    /// System account (name or key)
    #[arg(long = "system-account")]
    pub system_account: Option<String>,
    /// System user to connect as
    #[arg(long = "system-user")]
    pub system_user: Option<String>,
    /// Seconds to wait for resolver responses
    #[arg(long, default_value_t = 1)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Account to pull
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    /// Pull all accounts
    #[arg(short = 'A', long)]
    pub all: bool,
    /// Resolver URL (default: the operator's account server URL)
    #[arg(short = 'u', long = "account-jwt-server-url")]
    pub url: Option<String>,
    /// Overwrite local JWTs even when they are newer
    #[arg(short = 'F', long = "overwrite-newer")]
    pub overwrite_newer: bool,
    /// System account (name or key)
    #[arg(long = "system-account")]
    pub system_account: Option<String>,
    /// System user to connect as
    #[arg(long = "system-user")]
    pub system_user: Option<String>,
    /// Seconds to wait for resolver responses
    #[arg(long, default_value_t = 1)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum RevocationsCommand {
    /// Revokes a user
    #[command(alias = "add_user")]
    AddUser {
        #[arg(short = 'a', long)]
        account: Option<String>,
        /// User name
        #[arg(short = 'n', long)]
        name: Option<String>,
        /// User public key
        #[arg(short = 'u', long = "user-public-key")]
        user_public_key: Option<String>,
        /// Revoke JWTs issued before this time (RFC 3339 or Unix seconds; 0 = now)
        #[arg(long)]
        at: Option<String>,
    },
    /// Removes a user revocation
    #[command(alias = "delete_user")]
    DeleteUser {
        #[arg(short = 'a', long)]
        account: Option<String>,
        #[arg(short = 'n', long)]
        name: Option<String>,
        #[arg(short = 'u', long = "user-public-key")]
        user_public_key: Option<String>,
    },
    /// Lists revoked users
    #[command(alias = "list_users")]
    ListUsers {
        #[arg(short = 'a', long)]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToolCommand {
    /// Publishes a message
    Pub(PubArgs),
    /// Subscribes and prints messages
    Sub(SubArgs),
    /// Sends a request and prints the reply
    Req(PubArgs),
    /// Answers requests
    Reply(ReplyArgs),
}

/// Which user to connect as, and where.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    #[arg(short = 'a', long)]
    pub account: Option<String>,
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Server URL (default: the operator's service URLs)
    #[arg(long)]
    pub nats: Option<String>,
}

#[derive(Debug, Args)]
pub struct PubArgs {
    pub subject: String,
    pub payload: Option<String>,
    #[command(flatten)]
    pub conn: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct SubArgs {
    pub subject: String,
    /// Queue group
    #[arg(short = 'q', long)]
    pub queue: Option<String>,
    /// Exit after this many messages
    #[arg(long = "max-messages")]
    pub max_messages: Option<usize>,
    #[command(flatten)]
    pub conn: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    pub subject: String,
    /// Reply payload (default: echo the request)
    pub payload: Option<String>,
    /// Queue group
    #[arg(short = 'q', long)]
    pub queue: Option<String>,
    /// Exit after this many requests
    #[arg(long = "max-messages")]
    pub max_messages: Option<usize>,
    #[command(flatten)]
    pub conn: ConnectArgs,
}
