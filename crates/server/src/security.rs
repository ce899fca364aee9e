//! The server's side of auth: the accounts it runs with, built from the decoded config, and
//! what a connection needs to authenticate.
//!
//! [`Security`] is rebuilt on reload. Accounts are kept by name across rebuilds, so connected
//! clients and their subscriptions stay where they are; only imports, exports and mappings are
//! laid out again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use rnats_auth::{AuthConfig, ConnectionType, ExportKind, Import, Secret, SingleUser};
use rnats_subject::transform::SubjectTransform;
use rnats_subject::validate::pattern_is_subset;

use crate::account::{Account, GLOBAL_ACCOUNT, SYSTEM_ACCOUNT};
use crate::imports::{LocalSubject, ResponseType};
use crate::mappings::Mappings;
use crate::operator::Trust;
use crate::options::Options;
use rnats_auth::jwt::AccountClaims;

/// How long a service reply route lives by default (the original's 2 minutes).
const DEFAULT_RESPONSE_THRESHOLD: Duration = Duration::from_secs(120);

/// Auth rules plus the accounts they name.
#[derive(Debug)]
pub struct Security {
    pub config: Arc<AuthConfig>,
    /// What websocket clients authenticate against when the websocket block has its own
    /// `username`/`password`, `token` or `no_auth_user`.
    pub websocket: Option<Arc<AuthConfig>>,
    accounts: HashMap<String, Arc<Account>>,
    pub system_account: String,
    /// Operator mode: the trusted operators and the account resolver (kept across rebuilds).
    pub trust: Option<Arc<Trust>>,
    /// Operator mode: the account JWTs in force, verified, by public key.
    jwt_accounts: HashMap<String, Arc<AccountClaims>>,
}

impl Security {
    /// Lays out accounts, imports, exports and mappings. `existing` accounts are reused by
    /// name; `global_mappings` are the top-level `mappings` for `$G`.
    ///
    /// # Errors
    /// Invalid mappings or imports the config decoder let through; one message each.
    pub fn build(
        config: AuthConfig,
        existing: &HashMap<String, Arc<Account>>,
        global_mappings: Option<&rnats_conf::Value>,
    ) -> Result<Self, Vec<String>> {
        let mut accounts = HashMap::new();
        let take = |name: &str| {
            existing
                .get(name)
                .cloned()
                .unwrap_or_else(|| Account::new(name))
        };
        let system_account = config
            .system_account
            .clone()
            .unwrap_or_else(|| SYSTEM_ACCOUNT.to_string());
        for name in [GLOBAL_ACCOUNT, system_account.as_str()] {
            accounts.insert(name.to_string(), take(name));
        }
        for account in &config.accounts {
            accounts.insert(account.name.clone(), take(&account.name));
        }
        let mut errors = Vec::new();
        for account in accounts.values() {
            account.forwards.clear();
            account.set_mappings(Mappings::default());
        }
        if let Some(value) = global_mappings {
            match Mappings::decode(value) {
                Ok(m) => accounts[GLOBAL_ACCOUNT].set_mappings(m),
                Err(e) => errors.extend(e),
            }
        }
        for account_config in &config.accounts {
            let account = &accounts[&account_config.name];
            if let Some(value) = &account_config.mappings {
                match Mappings::decode(value) {
                    Ok(m) => account.set_mappings(m),
                    Err(e) => errors.extend(e),
                }
            }
            for import in &account_config.imports {
                if let Err(e) = add_import(&config, &accounts, account, import) {
                    errors.push(format!(
                        "{}:{}:{}: {e}",
                        import.span.file.display(),
                        import.span.line,
                        import.span.col
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            config: Arc::new(config),
            websocket: None,
            accounts,
            system_account,
            trust: None,
            jwt_accounts: HashMap::new(),
        })
    }

    /// Operator mode: the accounts are the resolver's account JWTs that verify against the
    /// trusted operators, named by public key, plus `$G` and the system account. `existing`
    /// accounts are reused by key, so a JWT update keeps clients and subscriptions in place.
    pub fn with_trust(trust: Arc<Trust>, existing: &HashMap<String, Arc<Account>>) -> Self {
        let now = crate::operator::now();
        let jwt_accounts = crate::operator::accounts::verified(&trust, now);
        let take = |name: &str| {
            existing
                .get(name)
                .cloned()
                .unwrap_or_else(|| Account::new(name))
        };
        let system_account = trust
            .system_account
            .clone()
            .unwrap_or_else(|| SYSTEM_ACCOUNT.to_string());
        let mut accounts = HashMap::new();
        for name in [GLOBAL_ACCOUNT, system_account.as_str()]
            .into_iter()
            .chain(jwt_accounts.keys().map(String::as_str))
        {
            accounts.insert(name.to_string(), take(name));
        }
        for account in accounts.values() {
            account.forwards.clear();
            account.set_mappings(Mappings::default());
        }
        crate::operator::accounts::lay_out_imports(&accounts, &jwt_accounts, now);
        crate::operator::accounts::apply_mappings(&accounts, &jwt_accounts);
        Self {
            config: Arc::new(AuthConfig::default()),
            websocket: None,
            accounts,
            system_account,
            trust: Some(trust),
            jwt_accounts,
        }
    }

    /// The same trust with the resolver's current JWTs (after an update or delete).
    pub fn rebuilt(&self) -> Option<Self> {
        self.trust
            .as_ref()
            .map(|trust| Self::with_trust(trust.clone(), &self.accounts))
    }

    /// Operator mode: the verified account JWTs by public key.
    pub fn jwt_accounts(&self) -> &HashMap<String, Arc<AccountClaims>> {
        &self.jwt_accounts
    }

    /// Decodes the auth sections of `opts` (authorization, accounts, no_auth_user,
    /// system_account, mappings) and lays out the accounts, reusing `existing` ones by name.
    ///
    /// # Errors
    /// Every problem found, one `file:line:col: message` each.
    pub fn from_options(
        opts: &Options,
        existing: &HashMap<String, Arc<Account>>,
    ) -> Result<Self, Vec<String>> {
        if let Some(trust) = Trust::from_options(opts)? {
            return Ok(Self::with_trust(Arc::new(trust), existing));
        }
        let raw = &opts.raw;
        let mut top = rnats_conf::Map::new();
        let sections = [
            ("authorization", &raw.authorization),
            ("accounts", &raw.accounts),
            ("no_auth_user", &raw.no_auth_user),
            ("system_account", &raw.system_account),
        ];
        for (name, value) in sections {
            if let Some(value) = value {
                let key = rnats_conf::Key {
                    name: name.to_string(),
                    span: value.span.clone(),
                    quoted: false,
                };
                top.insert(key, value.clone());
            }
        }
        let config = rnats_auth::decode_auth_config(&top)
            .map_err(|errors| errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let mut security = Self::build(config, existing, raw.mappings.as_ref())?;
        if let Some(ws) = opts.websocket.as_ref().filter(|ws| ws.auth_override()) {
            security.websocket = Some(Arc::new(websocket_config(&security.config, ws)));
        }
        Ok(security)
    }

    /// The auth rules for a connection that came in as `kind`.
    pub fn config_for(&self, kind: ConnectionType) -> &Arc<AuthConfig> {
        match (&self.websocket, kind) {
            (Some(ws), ConnectionType::Websocket) => ws,
            _ => &self.config,
        }
    }

    /// No auth, only `$G` and `$SYS`.
    pub fn open(global: Arc<Account>) -> Self {
        let mut accounts = HashMap::new();
        accounts.insert(GLOBAL_ACCOUNT.to_string(), global);
        accounts.insert(SYSTEM_ACCOUNT.to_string(), Account::new(SYSTEM_ACCOUNT));
        Self {
            config: Arc::new(AuthConfig::default()),
            websocket: None,
            accounts,
            system_account: SYSTEM_ACCOUNT.to_string(),
            trust: None,
            jwt_accounts: HashMap::new(),
        }
    }

    pub fn account(&self, name: &str) -> Option<Arc<Account>> {
        self.accounts.get(name).cloned()
    }

    pub fn accounts(&self) -> &HashMap<String, Arc<Account>> {
        &self.accounts
    }

    /// Whether clients must authenticate.
    pub fn auth_required(&self) -> bool {
        self.trust.is_some() || self.config.auth_required()
    }

    /// Whether INFO carries a nonce (nkey users, or operator mode's user JWTs).
    pub fn needs_nonce(&self, kind: ConnectionType) -> bool {
        self.trust.is_some() || self.config_for(kind).needs_nonce()
    }

    /// What INFO says: `no_auth_user` lets clients in without credentials.
    pub fn info_auth_required(&self) -> bool {
        self.trust.is_some() || (self.auth_required() && self.config.no_auth_user.is_none())
    }
}

/// The websocket block's auth override (the original's `wsConfigAuth`): its own single user
/// or token, or its own `no_auth_user` among the configured users.
fn websocket_config(base: &AuthConfig, ws: &crate::websocket::WebsocketOptions) -> AuthConfig {
    let mut config = base.clone();
    if let Some(username) = &ws.username {
        config.single_user = Some(SingleUser {
            username: username.clone(),
            password: Secret::new(ws.password.clone().unwrap_or_default()),
        });
        config.token = None;
    } else if let Some(token) = &ws.token {
        config.token = Some(Secret::new(token.clone()));
        config.single_user = None;
    }
    if ws.no_auth_user.is_some() {
        config.no_auth_user.clone_from(&ws.no_auth_user);
    }
    config
}

/// A nonce for INFO: 11 random bytes, base64url without padding (15 characters).
pub fn nonce() -> String {
    let bytes: [u8; 11] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn add_import(
    config: &AuthConfig,
    accounts: &HashMap<String, Arc<Account>>,
    importer: &Arc<Account>,
    import: &Import,
) -> Result<(), String> {
    let exporter = accounts
        .get(&import.account)
        .ok_or_else(|| format!("import from unknown account \"{}\"", import.account))?;
    match import.kind {
        ExportKind::Stream => {
            let local = if let Some(to) = &import.to {
                LocalSubject::Transform(
                    SubjectTransform::new(&import.subject, to).map_err(|e| e.to_string())?,
                )
            } else if let Some(prefix) = &import.prefix {
                LocalSubject::Prefix(Bytes::copy_from_slice(
                    prefix.trim_end_matches('.').as_bytes(),
                ))
            } else {
                LocalSubject::Same
            };
            exporter
                .forwards
                .add_stream_import(&import.subject, importer, local);
        }
        ExportKind::Service => {
            let export = config.account(&import.account).and_then(|a| {
                a.exports.iter().find(|e| {
                    e.kind == ExportKind::Service
                        && pattern_is_subset(import.subject.as_bytes(), e.subject.as_bytes())
                })
            });
            let (response_type, threshold) =
                export.map_or((ResponseType::Singleton, DEFAULT_RESPONSE_THRESHOLD), |e| {
                    let t = match e.response_type {
                        rnats_auth::ResponseType::Singleton => ResponseType::Singleton,
                        rnats_auth::ResponseType::Stream => ResponseType::Stream,
                        rnats_auth::ResponseType::Chunked => ResponseType::Chunked,
                    };
                    (
                        t,
                        e.response_threshold.unwrap_or(DEFAULT_RESPONSE_THRESHOLD),
                    )
                });
            importer.forwards.add_service_import(
                &import.local_subject,
                exporter,
                &import.subject,
                response_type,
                threshold,
            )?;
        }
    }
    Ok(())
}
