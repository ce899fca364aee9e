//! A connection's authentication and permissions.
//!
//! Credentials from CONNECT are kept (in memory, never logged) so that a config reload that
//! changes users or permissions can re-check the connection at once.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rnats_auth::{
    authenticate, AuthError, AuthenticatedUser, ConnectCredentials, ConnectionType, Identity,
    PermissionChecker, ResponseTracker,
};
use rnats_proto::{Connect, ServerError};

use super::{Client, CloseReason, Transport};
use crate::account::Account;
use crate::security::Security;
use crate::tls::identity::CertIdentity;

/// What CONNECT said about who the client is.
#[derive(Clone, Default)]
pub struct Credentials {
    user: Option<String>,
    pass: Option<String>,
    auth_token: Option<String>,
    nkey: Option<String>,
    sig: Option<String>,
    jwt: Option<String>,
}

impl From<&Connect> for Credentials {
    fn from(c: &Connect) -> Self {
        Self {
            user: c.user.clone(),
            pass: c.pass.clone(),
            auth_token: c.auth_token.clone(),
            nkey: c.nkey.clone(),
            sig: c.sig.clone(),
            jwt: c.jwt.clone(),
        }
    }
}

/// Who is asking, for log lines (never the secret).
pub fn describe(identity: &Credentials) -> String {
    if identity.jwt.is_some() {
        return "User JWT".into();
    }
    match (&identity.user, &identity.nkey) {
        (Some(user), _) => format!("User {user:?}"),
        (None, Some(nkey)) => format!("Nkey {nkey:?}"),
        _ if identity.auth_token.is_some() => "Token".into(),
        _ => "no credentials".into(),
    }
}

/// `verify_and_map`: the configured user the client certificate names.
fn map_certificate(
    config: &rnats_auth::AuthConfig,
    cert: &CertIdentity,
    kind: ConnectionType,
) -> Result<AuthenticatedUser, String> {
    let allowed = |u: &rnats_auth::User| {
        u.allowed_connection_types.is_empty() || u.allowed_connection_types.contains(&kind)
    };
    let (user, matched) = cert
        .find_user(&config.users, allowed)
        .ok_or_else(|| format!("User in cert not found: {:?}", cert.subject))?;
    tracing::debug!("Using certificate identity {matched:?} for auth");
    Ok(AuthenticatedUser {
        identity: Identity::User(user.username.clone()),
        account: user.account.clone(),
        permissions: user.permissions.clone(),
    })
}

/// Why a client was refused: for the log, the `-ERR` it gets and the close reason.
#[derive(Debug)]
pub struct Refusal {
    pub why: String,
    pub error: ServerError,
    pub reason: CloseReason,
}

impl From<String> for Refusal {
    fn from(why: String) -> Self {
        Self {
            why,
            error: ServerError::AuthorizationViolation,
            reason: CloseReason::AuthenticationViolation,
        }
    }
}

/// The auth state of one connection.
pub struct ConnAuth {
    /// Clients must authenticate (CONNECT first, within the auth timeout).
    pub required: bool,
    /// Sent in INFO when nkey users exist; signed by the client.
    pub nonce: Option<String>,
    /// Publish and subscribe checks; `None` when everything is allowed. Boxed: most
    /// connections have none, and each would carry the room inline.
    permissions: Option<Box<PermissionChecker>>,
    /// Permissions for filtering deliveries to wildcard subscriptions over denied subjects.
    delivery_filter: Option<Arc<PermissionChecker>>,
    credentials: Credentials,
    /// The security epoch these permissions were computed in.
    pub epoch: u64,
    /// The listener the client came through (`allowed_connection_types`).
    connection_type: ConnectionType,
    /// `verify_and_map`: the user comes from this certificate.
    certificate: Option<Arc<CertIdentity>>,
    /// Operator mode: the user JWT's (and its account's) subscription limit.
    pub max_subs: Option<usize>,
    /// Operator mode: the user JWT's (and its account's) payload limit.
    pub max_payload: Option<usize>,
    /// Operator mode: the account's connection limit.
    pub max_account_connections: Option<usize>,
    /// Operator mode: when the user JWT runs out (its `exp`, or the end of its `times`
    /// window, whichever comes first); the connection is closed then.
    pub expires: Option<SystemTime>,
    /// Operator mode: the account JWT the limits above come from.
    account_claims: Option<Arc<rnats_auth::jwt::AccountClaims>>,
    /// Operator mode: the account JWT changed at the last check (or it was the first), so the
    /// account's connection and subscription limits must be applied to this connection.
    pub limits_changed: bool,
}

impl ConnAuth {
    pub fn new(security: &Security, epoch: u64, transport: &Transport) -> Self {
        let config = security.config_for(transport.kind);
        Self {
            required: security.trust.is_some() || config.auth_required(),
            nonce: security
                .needs_nonce(transport.kind)
                .then(crate::security::nonce),
            permissions: None,
            delivery_filter: None,
            credentials: Credentials::default(),
            epoch,
            connection_type: transport.kind,
            certificate: transport.certificate.clone(),
            max_subs: None,
            max_payload: None,
            max_account_connections: None,
            expires: None,
            account_claims: None,
            limits_changed: false,
        }
    }

    /// A fresh state under new rules (a reload before CONNECT), for the same connection.
    pub fn renewed(&self, security: &Security, epoch: u64) -> Self {
        let mut auth = Self::new(security, epoch, &Transport::default());
        // The client may already have signed the nonce of its INFO: keep it.
        if auth.nonce.is_some() && self.nonce.is_some() {
            auth.nonce.clone_from(&self.nonce);
        }
        auth.connection_type = self.connection_type;
        auth.certificate.clone_from(&self.certificate);
        auth.required =
            security.trust.is_some() || security.config_for(self.connection_type).auth_required();
        auth
    }

    /// The client certificate `verify_and_map` maps to a user (after the TLS handshake).
    pub fn set_certificate(&mut self, certificate: Option<Arc<CertIdentity>>) {
        self.certificate = certificate;
    }

    /// Checks `credentials` and binds the connection's permissions; returns the account.
    ///
    /// # Errors
    /// Why the client was refused (for the log; the client only sees
    /// `Authorization Violation`).
    pub fn authenticate(
        &mut self,
        security: &Security,
        epoch: u64,
        credentials: Credentials,
        client: &Client,
    ) -> Result<Arc<Account>, Refusal> {
        self.credentials = credentials;
        self.epoch = epoch;
        self.check(security, client, false)
    }

    fn check(
        &mut self,
        security: &Security,
        client: &Client,
        recheck: bool,
    ) -> Result<Arc<Account>, Refusal> {
        if security.trust.is_some() {
            return self.check_jwt(security, client, recheck);
        }
        let config = security.config_for(self.connection_type);
        self.required = config.auth_required();
        let c = &self.credentials;
        let creds = ConnectCredentials {
            user: c.user.as_deref(),
            pass: c.pass.as_deref(),
            auth_token: c.auth_token.as_deref(),
            nkey: c.nkey.as_deref(),
            sig: c.sig.as_deref(),
            nonce: self.nonce.as_deref().unwrap_or(""),
            connection_type: self.connection_type,
        };
        let user: AuthenticatedUser = match &self.certificate {
            Some(cert) if !config.users.is_empty() => {
                map_certificate(config, cert, self.connection_type)?
            }
            _ => authenticate(config, &creds).map_err(|e: AuthError| {
                format!(
                    "authentication error - {} ({e})",
                    describe(&self.credentials)
                )
            })?,
        };
        let account = security
            .account(&user.account)
            .ok_or_else(|| format!("account {:?} not found", user.account))?;
        self.set_permissions(user.permissions.as_ref(), client);
        if let Identity::User(name) | Identity::Nkey(name) = &user.identity {
            client.meta.lock().user = name.clone();
        }
        Ok(account)
    }

    /// Operator mode: the CONNECT's user JWT against the account JWTs in force.
    fn check_jwt(
        &mut self,
        security: &Security,
        client: &Client,
        recheck: bool,
    ) -> Result<Arc<Account>, Refusal> {
        use crate::operator::users::{self, Presented, Refused};
        self.required = true;
        let c = &self.credentials;
        let trust = security.trust.as_deref();
        // `default_sentinel`: a CONNECT without a JWT logs in as that bearer user.
        let sentinel = trust.and_then(|t| t.admission.default_sentinel.as_deref());
        let presented = Presented {
            jwt: c.jwt.as_deref().filter(|t| !t.is_empty()).or(sentinel),
            sig: c.sig.as_deref(),
            nonce: self.nonce.as_deref().unwrap_or(""),
            connection_type: self.connection_type,
            addr: client.addr.ip(),
            signature_checked: false,
        };
        if let Some(account) = trust.and_then(|t| t.admission.unpinned(presented.jwt)) {
            return Err(format!(
                "authentication error - Account {account} not listed as operator pinned account"
            )
            .into());
        }
        let user = users::authenticate(security.jwt_accounts(), &presented, crate::operator::now())
            .map_err(|refused| {
                let why = format!("authentication error - {}", refused.why());
                match refused {
                    Refused::Revoked(_) if recheck => Refusal {
                        why,
                        error: ServerError::AuthenticationRevoked,
                        reason: CloseReason::Revocation,
                    },
                    Refused::Expired(_) | Refused::OutsideTimes(_) if recheck => Refusal {
                        why,
                        error: ServerError::AuthenticationExpired,
                        reason: CloseReason::AuthenticationExpired,
                    },
                    _ => Refusal::from(why),
                }
            })?;
        let account = security
            .account(&user.account)
            .ok_or_else(|| format!("account {:?} not found", user.account))?;
        self.set_permissions(user.permissions.as_ref(), client);
        self.max_subs = user.max_subs;
        self.max_payload = user.max_payload;
        self.max_account_connections = user.max_account_connections;
        self.expires = deadline(user.expires, user.window_left);
        self.limits_changed = self.account_claims.as_ref().is_none_or(|old| {
            !Arc::ptr_eq(old, &user.account_claims) && **old != *user.account_claims
        });
        self.account_claims = Some(user.account_claims);
        {
            let mut meta = client.meta.lock();
            meta.user.clone_from(&user.key);
            if meta.name.is_empty() {
                meta.name.clone_from(&user.name);
            }
        }
        Ok(account)
    }

    /// The user as the original's log lines name it: `user:<name>`, `nkey:<key>`,
    /// `jwt:<key>` or `token`, from the credentials the client presented (checked or not);
    /// `None` when it presented none.
    pub fn log_label(&self, client: &Client) -> Option<String> {
        if self.account_claims.is_some() {
            return Some(format!("jwt:{}", client.meta.lock().user));
        }
        let c = &self.credentials;
        let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        given(&c.nkey)
            .map(|nkey| format!("nkey:{nkey}"))
            .or_else(|| given(&c.user).map(|user| format!("user:{user}")))
            .or_else(|| given(&c.auth_token).map(|_| "token".to_string()))
    }

    /// The account as the original's log lines name it: in operator mode its public key and
    /// its JWT's name.
    pub fn account_label(&self, account: &str) -> String {
        match self
            .account_claims
            .as_deref()
            .map(|claims| claims.name.as_str())
        {
            Some(tag) if !tag.is_empty() => format!("{account}/{tag}"),
            _ => account.to_string(),
        }
    }

    /// Operator mode: whether this connection holds at least as many subscriptions as its JWT
    /// (or account, or server) allows. The original closes such a connection whenever the
    /// limits are applied (at connect and on every account update).
    pub fn subscriptions_at_limit(&self, held: usize, server_max: usize) -> bool {
        let Some(jwt) = self.max_subs else {
            return false;
        };
        let max = if server_max > 0 {
            jwt.min(server_max)
        } else {
            jwt
        };
        held >= max
    }

    fn set_permissions(&mut self, permissions: Option<&rnats_auth::Permissions>, client: &Client) {
        let checker = permissions.map(|p| Box::new(PermissionChecker::new(p)));
        self.delivery_filter = permissions.map(|p| Arc::new(PermissionChecker::new(p)));
        client.set_responses(
            checker
                .as_ref()
                .and_then(|c| c.response_permission())
                .map(ResponseTracker::new),
        );
        self.permissions = checker;
    }

    /// Re-checks the saved credentials against a new configuration.
    ///
    /// # Errors
    /// The client is no longer allowed in.
    pub fn reauthenticate(
        &mut self,
        security: &Security,
        epoch: u64,
        client: &Client,
    ) -> Result<Arc<Account>, Refusal> {
        self.epoch = epoch;
        self.check(security, client, true)
    }

    /// Inlined into the publish path, the check for no permissions at all; the rest out of
    /// line.
    #[inline(always)]
    pub fn can_publish(&mut self, client: &Client, subject: &[u8]) -> bool {
        match &mut self.permissions {
            None => true,
            Some(checker) => may_publish(checker, client, subject),
        }
    }

    pub fn can_subscribe(&self, subject: &[u8], queue: Option<&[u8]>) -> bool {
        let Some(checker) = &self.permissions else {
            return true;
        };
        let queue = queue.map(String::from_utf8_lossy);
        checker.can_subscribe(&String::from_utf8_lossy(subject), queue.as_deref())
    }

    /// The filter a subscription to `subject` needs, if deliveries must be checked one by one.
    pub fn delivery_filter(&self, subject: &[u8]) -> Option<Arc<PermissionChecker>> {
        let filter = self.delivery_filter.as_ref()?;
        filter
            .needs_delivery_filter(&String::from_utf8_lossy(subject))
            .then(|| filter.clone())
    }
}

#[inline(never)]
fn may_publish(checker: &mut PermissionChecker, client: &Client, subject: &[u8]) -> bool {
    let subject = String::from_utf8_lossy(subject);
    checker.can_publish(&subject) || client.allow_reply(&subject, Instant::now())
}

/// When a user JWT stops being good: at `exp` (counted in whole seconds from the current one,
/// as the original does) or at the end of its `times` window, whichever is first.
fn deadline(exp: Option<i64>, window_left: Option<Duration>) -> Option<SystemTime> {
    let now = SystemTime::now();
    let by_exp = exp.map(|exp| {
        now + Duration::from_secs(u64::try_from(exp - crate::operator::now()).unwrap_or(0))
    });
    let by_window = window_left.map(|left| now + left);
    match (by_exp, by_window) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
