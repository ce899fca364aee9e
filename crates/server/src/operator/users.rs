//! A CONNECT with a user JWT: the chain user → account → operator, the nonce signature, and
//! what the JWT grants (permissions, limits).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rnats_auth::jwt::{self, AccountClaims, JwtError, UserSigner};
use rnats_auth::{ConnectionType, Permissions, ResponsePermission, SubjectPermission};

/// What a verified user JWT grants.
#[derive(Debug)]
pub struct JwtUser {
    /// The user's public key.
    pub key: String,
    pub name: String,
    /// The account's public key.
    pub account: String,
    pub permissions: Option<Permissions>,
    /// Subscriptions allowed per connection (`None` = no JWT limit).
    pub max_subs: Option<usize>,
    pub max_payload: Option<usize>,
    /// The account's `conn` limit.
    pub max_account_connections: Option<usize>,
    /// The account JWT the user was checked against.
    pub account_claims: Arc<AccountClaims>,
    /// The user JWT's `exp` (Unix seconds), when it has one.
    pub expires: Option<i64>,
    /// Inside a `times` window: how long until it ends.
    pub window_left: Option<Duration>,
}

/// Why a user JWT was refused.
#[derive(Debug)]
pub enum Refused {
    /// Anything else (the client sees `Authorization Violation`).
    Invalid(String),
    /// The account revoked the user.
    Revoked(String),
    /// The user (or its account) expired.
    Expired(String),
    /// Outside the user's `times` windows.
    OutsideTimes(String),
}

impl Refused {
    pub fn why(&self) -> &str {
        match self {
            Self::Invalid(s) | Self::Revoked(s) | Self::Expired(s) | Self::OutsideTimes(s) => s,
        }
    }
}

/// What CONNECT presented, and what the connection knows about itself.
pub struct Presented<'a> {
    pub jwt: Option<&'a str>,
    pub sig: Option<&'a str>,
    pub nonce: &'a str,
    pub connection_type: ConnectionType,
    pub addr: IpAddr,
    /// Skip the nonce signature (a re-check of an already verified connection).
    pub signature_checked: bool,
}

/// Verifies a user JWT against the account JWTs the server trusts.
///
/// # Errors
/// [`Refused`], with a reason for the log.
pub fn authenticate(
    accounts: &std::collections::HashMap<String, Arc<AccountClaims>>,
    p: &Presented<'_>,
    now: i64,
) -> Result<JwtUser, Refused> {
    let invalid = |s: String| Refused::Invalid(s);
    let token = p
        .jwt
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("authentication error - no user JWT".into()))?;
    let user = jwt::decode_user(token).map_err(|e| invalid(format!("user JWT: {e}")))?;
    let account_key = if user.nats.issuer_account.is_empty() {
        &user.iss
    } else {
        &user.nats.issuer_account
    };
    let account = accounts
        .get(account_key)
        .ok_or_else(|| invalid(format!("account {account_key} not found")))?;
    let signer = jwt::verify_user(&user, account, now).map_err(|e| match e {
        JwtError::Revoked { .. } => Refused::Revoked(format!("user {} revoked", user.sub)),
        JwtError::Expired { .. } => Refused::Expired(format!("user {} expired: {e}", user.sub)),
        other => invalid(format!("user {}: {other}", user.sub)),
    })?;
    let limits = match signer {
        UserSigner::Scoped(scope) => &scope.template,
        UserSigner::Account | UserSigner::SigningKey => &user.nats.limits,
    };
    if limits.bearer_token && account.nats.limits.disallow_bearer {
        return Err(invalid(format!(
            "user {} is a bearer token, not allowed by its account",
            user.sub
        )));
    }
    if !limits.allowed_connection_types.is_empty()
        && !limits
            .allowed_connection_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(p.connection_type.as_str()))
    {
        return Err(invalid(format!(
            "user {} not allowed to connect as {}",
            user.sub,
            p.connection_type.as_str()
        )));
    }
    if !limits.bearer_token && !p.signature_checked {
        let sig = p.sig.ok_or_else(|| invalid("signature missing".into()))?;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig.trim_end_matches('='))
            .or_else(|_| base64::engine::general_purpose::STANDARD.decode(sig))
            .map_err(|_| invalid("signature not valid base64".into()))?;
        let key = nkeys::KeyPair::from_public_key(&user.sub)
            .map_err(|e| invalid(format!("user key: {e}")))?;
        key.verify(p.nonce.as_bytes(), &sig)
            .map_err(|_| invalid("signature not verified".into()))?;
    }
    if !limits.src.is_empty() && !limits.src.iter().any(|c| cidr_contains(c, p.addr)) {
        return Err(invalid(format!(
            "user {} not allowed from {}",
            user.sub, p.addr
        )));
    }
    let window_left =
        super::times::connect_window(&limits.times, &limits.locale, chrono::Utc::now())
            .map_err(|e| Refused::OutsideTimes(format!("user {}: {e}", user.sub)))?;
    let mut permissions = limits.permissions();
    if permissions.is_empty() {
        permissions = account.nats.default_permissions.clone();
    }
    let limit = |user: i64, account: i64| -> Option<usize> {
        [user, account]
            .into_iter()
            .filter(|n| *n >= 0)
            .min()
            .and_then(|n| usize::try_from(n).ok())
    };
    Ok(JwtUser {
        key: user.sub.clone(),
        name: user.name.clone(),
        account: account.sub.clone(),
        permissions: convert(&permissions),
        max_subs: limit(limits.subs, account.nats.limits.subs),
        max_payload: limit(limits.payload, account.nats.limits.payload),
        max_account_connections: usize::try_from(account.nats.limits.conn).ok(),
        account_claims: account.clone(),
        expires: (user.exp > 0).then_some(user.exp),
        window_left,
    })
}

/// JWT permissions as the permission checker's.
fn convert(p: &jwt::Permissions) -> Option<Permissions> {
    if p.is_empty() {
        return None;
    }
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let side = |s: &jwt::Permission| {
        (!s.is_empty()).then(|| SubjectPermission {
            allow: list(&s.allow),
            deny: list(&s.deny),
        })
    };
    Some(Permissions {
        publish: side(&p.publish),
        subscribe: side(&p.subscribe),
        response: p.resp.map(|r| {
            let mut response = ResponsePermission::default();
            if r.max != 0 {
                response.max_msgs = u32::try_from(r.max).ok();
            }
            if r.ttl != 0 {
                response.expires = u64::try_from(r.ttl).ok().map(Duration::from_nanos);
            }
            response
        }),
    })
}

/// Whether `addr` is in `cidr` (`10.0.0.0/8`, `::1/128`, or a bare address). Also accepts a
/// comma-separated list.
fn cidr_contains(cidr: &str, addr: IpAddr) -> bool {
    cidr.split(',').map(str::trim).any(|one| {
        let (net, bits) = match one.split_once('/') {
            Some((n, b)) => (n, b.parse::<u32>().ok()),
            None => (one, None),
        };
        let Ok(net) = net.parse::<IpAddr>() else {
            return false;
        };
        match (net, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let bits = bits.unwrap_or(32).min(32);
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let bits = bits.unwrap_or(128).min(128);
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(cidr_contains("127.0.0.0/8", a));
        assert!(cidr_contains("10.0.0.0/8, 127.0.0.1/32", a));
        assert!(!cidr_contains("10.0.0.0/8", a));
        assert!(cidr_contains("0.0.0.0/0", a));
        assert!(!cidr_contains("::1/128", a));
    }
}
