//! The URL resolver: account JWTs fetched with `GET <base><A…>` when a user of an account the
//! server does not have yet connects.
//!
//! As in the original: the server checks the base URL answers when it starts (and does not
//! start if it does not), fetches the system account, and fetches any other account the first
//! time one of its users connects, with the accounts it imports from. A fetched account is
//! kept (later CONNECTs do not fetch it again); an account that could not be fetched is asked
//! for again by the next CONNECT. Fetches are bounded by [`super::http::FETCH_TIMEOUT`].

use std::time::Instant;

use rnats_auth::jwt::{self, AccountClaims};
use tracing::{debug, warn};

use super::resolver::ResolverKind;
use super::Trust;
use crate::security::Security;
use crate::server::ServerShared;

/// Most accounts one CONNECT fetches (its own and those it imports from).
const MAX_FETCHES: usize = 16;

/// Fetches account `key` and keeps it in the resolver if it verifies against the trusted
/// operators.
///
/// # Errors
/// Why the account is not usable (for the log).
pub async fn fetch_account(trust: &Trust, key: &str) -> Result<AccountClaims, String> {
    let Some(base) = &trust.resolver.url else {
        return Err("account resolver missing".into());
    };
    if !key.starts_with('A') || nkeys::KeyPair::from_public_key(key).is_err() {
        return Err("will only fetch valid account keys".into());
    }
    let started = Instant::now();
    let body = super::http::get(&format!("{base}{key}"), trust.resolver.ca_file.as_deref()).await;
    debug!("Account [{key}] fetch took {:?}", started.elapsed());
    let token = body?.trim().to_string();
    let claims = super::accounts::verify(trust, &token, super::now())?;
    if claims.sub != key {
        return Err(format!(
            "account JWT subject {} does not match the requested account {key}",
            claims.sub
        ));
    }
    trust.resolver.insert_fetched(key, &token);
    Ok(claims)
}

/// At startup: the base URL must answer `200` (the original refuses to start otherwise), then
/// the system account is fetched. Returns the security with what was fetched.
///
/// # Errors
/// `could not fetch <"…">: …` for the base URL.
pub async fn start(security: Security) -> Result<Security, String> {
    let Some(trust) = security.trust.clone() else {
        return Ok(security);
    };
    let Some(base) = trust.resolver.url.clone() else {
        return Ok(security);
    };
    super::http::get(&base, trust.resolver.ca_file.as_deref()).await?;
    if let Some(system) = &trust.system_account {
        if let Err(e) = fetch_account(&trust, system).await.map(drop) {
            warn!("Account fetch failed: {e}");
        }
    }
    Ok(security.rebuilt().unwrap_or(security))
}

/// Before a not yet connected client's bytes are run: if they hold a complete `CONNECT` whose
/// user JWT (or the default sentinel) names an account the server does not have, and the
/// resolver is a URL resolver, fetch that account first so that authentication finds it.
pub async fn before_connect(server: &ServerShared, buf: &[u8]) {
    let security = server.security();
    let Some(trust) = security.trust.clone() else {
        return;
    };
    if trust.resolver.kind != ResolverKind::Url {
        return;
    }
    let Some(account) = connect_account(&trust, buf) else {
        return;
    };
    if security.jwt_accounts().contains_key(&account) || !trust.admission.allows(&account) {
        return;
    }
    // The account, then the accounts it imports from (the original looks those up when it
    // registers the account's imports), a bounded number of them.
    let mut wanted = vec![account];
    let mut fetched = 0;
    while let Some(key) = wanted.pop() {
        if fetched == MAX_FETCHES || trust.resolver.get(&key).is_some() {
            continue;
        }
        match fetch_account(&trust, &key).await {
            Ok(claims) => {
                fetched += 1;
                wanted.extend(claims.nats.imports.iter().map(|i| i.account.clone()));
            }
            Err(e) => warn!("Account fetch failed: {e}"),
        }
    }
    if fetched > 0 {
        // Another CONNECT may have brought accounts in meanwhile; rebuild from the latest.
        if let Some(rebuilt) = server.security().rebuilt() {
            server.replace_security(rebuilt);
        }
    }
}

/// The account of the user JWT in the `CONNECT` at the start of `buf` (or of the default
/// sentinel when the `CONNECT` has no JWT).
fn connect_account(trust: &Trust, buf: &[u8]) -> Option<String> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = &buf[..end];
    if line.len() < 8 || !line[..8].eq_ignore_ascii_case(b"CONNECT ") {
        return None;
    }
    let connect = rnats_proto::Connect::from_json(line[8..].trim_ascii()).ok()?;
    let token = connect
        .jwt
        .filter(|t| !t.is_empty())
        .or_else(|| trust.admission.default_sentinel.clone())?;
    let user = jwt::decode_user(&token).ok()?;
    Some(if user.nats.issuer_account.is_empty() {
        user.iss
    } else {
        user.nats.issuer_account
    })
}

/// A reload builds a new resolver: a URL resolver keeps the accounts the old one fetched
/// (the original keeps accounts it has looked up across reloads).
pub fn carry_over(old: &Security, new: Security) -> Security {
    let (Some(old_trust), Some(new_trust)) = (&old.trust, &new.trust) else {
        return new;
    };
    if old_trust.resolver.kind != ResolverKind::Url || new_trust.resolver.kind != ResolverKind::Url
    {
        return new;
    }
    let mut carried = false;
    for (key, token) in old_trust.resolver.all() {
        if new_trust.resolver.get(&key).is_none() {
            new_trust.resolver.insert_fetched(&key, &token);
            carried = true;
        }
    }
    if carried {
        new.rebuilt().unwrap_or(new)
    } else {
        new
    }
}
