//! `rnats-auth`: config-based authentication and authorization, as pure functions.
//!
//! What nats-server 2.15.1 does with `authorization`, `accounts`, `no_auth_user` and
//! `system_account` in a config file: decode them from the [`rnats_conf`] tree with
//! `file:line:col` errors worded as the original's, check the rules that span accounts
//! (who may import what, cycles, duplicate users), authenticate a CONNECT, and check
//! publishes and subscriptions against a user's permissions.
//!
//! # What it leaves out
//!
//! No I/O, no clock, no async: the server reads the file, makes the nonce, passes the time
//! and holds the per-connection state. NATS JWTs (operator, account, user and activation
//! claims; encode, decode, trust-chain checks) are in [`jwt`]; resolvers and applying JWT
//! accounts belong to the server. TLS certificate mapping and auth callout are not here. Subject mappings, account limits and JetStream settings are kept
//! undecoded for the server.
//!
//! # Main types
//!
//! - [`decode_auth_config`]: top-level config [`rnats_conf::Map`] to an [`AuthConfig`]
//!   (users, nkey users, token, accounts with validated [`Export`]s and [`Import`]s).
//! - [`authenticate`]: [`AuthConfig`] + [`ConnectCredentials`] to an [`AuthenticatedUser`]
//!   (account and permissions) or an [`AuthError`].
//! - [`PermissionChecker`]: per connection; `can_publish`, `can_subscribe`,
//!   `needs_delivery_filter`/`deny_delivery` for wildcard subscriptions over denied subjects.
//! - [`ResponseTracker`]: per connection when `allow_responses` is set.
//! - [`Secret`]: passwords and tokens; redacted `Debug`, constant-time or bcrypt comparison.
//!
//! ```
//! use std::path::Path;
//! use rnats_auth::{authenticate, decode_auth_config, ConnectCredentials, PermissionChecker};
//!
//! let text = r#"
//!     authorization { users: [ {user: alice, password: s3cret, permissions: {publish: "orders.>"}} ] }
//! "#;
//! let map = rnats_conf::parse_str(text, Path::new("x.conf")).unwrap();
//! let cfg = decode_auth_config(&map).unwrap();
//! let creds = ConnectCredentials { user: Some("alice"), pass: Some("s3cret"), ..Default::default() };
//! let who = authenticate(&cfg, &creds).unwrap();
//! assert_eq!(who.account, "$G");
//! let mut perms = PermissionChecker::new(&who.permissions.unwrap());
//! assert!(perms.can_publish("orders.new"));
//! assert!(!perms.can_publish("payments.new"));
//! ```

mod authenticate;
mod check;
mod decode;
mod error;
pub mod jwt;
mod model;
mod responses;
mod secret;
mod validate;

pub use authenticate::{
    authenticate, verify_nonce_signature, AuthenticatedUser, ConnectCredentials, Identity,
};
pub use check::{PermissionChecker, PUBLISH_CACHE_SIZE};
pub use decode::{decode_auth_config, decode_permissions};
pub use error::{AuthError, ConfigError, ConfigErrors};
pub use jwt::{AnyClaims, Claims, JwtError};
pub use model::{
    AccountConfig, AuthConfig, ConnectionType, Export, ExportKind, Import, NkeyUser, Permissions,
    ResponsePermission, ResponseType, SingleUser, SubjectPermission, User,
    DEFAULT_RESPONSE_EXPIRES, DEFAULT_RESPONSE_MAX_MSGS, DEFAULT_SYSTEM_ACCOUNT, GLOBAL_ACCOUNT,
};
pub use responses::{ResponseTracker, REPLY_LIMIT};
pub use secret::Secret;
pub use validate::is_authorized;
