//! The account JWT API of operator mode, answered by the system client:
//! `$SYS.REQ.CLAIMS.UPDATE`, `$SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE` (and the legacy
//! `$SYS.ACCOUNT.<id>.CLAIMS.UPDATE`), `$SYS.REQ.ACCOUNT.<id>.CLAIMS.LOOKUP`,
//! `$SYS.REQ.CLAIMS.LIST`, `$SYS.REQ.CLAIMS.DELETE` and `$SYS.REQ.CLAIMS.PACK`.

use rnats_auth::jwt::{self, AnyClaims};
use serde_json::{json, Value};

use crate::operator::resolver::{ResolverKind, StoreError};
use crate::server::ServerShared;

/// What the system client subscribes to in operator mode (subject, sid).
pub const SUBJECTS: &[(&str, u32)] = &[
    ("$SYS.REQ.CLAIMS.UPDATE", 10),
    ("$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE", 11),
    ("$SYS.ACCOUNT.*.CLAIMS.UPDATE", 12),
    ("$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP", 13),
    ("$SYS.REQ.CLAIMS.LIST", 14),
    ("$SYS.REQ.CLAIMS.DELETE", 15),
    // In the queue group `responder`, as the original (one server of a cluster answers).
    ("$SYS.REQ.CLAIMS.PACK responder", 16),
];

/// The answer to a claims request; the system client adds `server` to the JSON ones.
pub enum Reply {
    /// `{"data": ...}`
    Data(Value),
    /// `{"error": ...}`
    Error(Value),
    /// The raw payload (a JWT for LOOKUP; empty when unknown).
    Raw(Vec<u8>),
    /// Several raw messages to the same reply subject, in order (PACK).
    Many(Vec<Vec<u8>>),
}

/// Answers `subject`, or `None` when it is not a claims request (or not operator mode).
pub fn answer(server: &ServerShared, subject: &str, payload: &[u8]) -> Option<Reply> {
    let security = server.security();
    let trust = security.trust.clone()?;
    let account_of = |suffix: &str| {
        subject
            .strip_prefix("$SYS.REQ.ACCOUNT.")
            .or_else(|| subject.strip_prefix("$SYS.ACCOUNT."))
            .and_then(|rest| rest.strip_suffix(suffix))
            .map(str::to_string)
    };
    if subject == "$SYS.REQ.CLAIMS.UPDATE" {
        return Some(update(server, None, payload));
    }
    if let Some(id) = account_of(".CLAIMS.UPDATE") {
        return Some(update(server, Some(&id), payload));
    }
    if let Some(id) = account_of(".CLAIMS.LOOKUP") {
        let token = trust.resolver.get(&id).unwrap_or_default();
        return Some(Reply::Raw(token.into_bytes()));
    }
    if subject == "$SYS.REQ.CLAIMS.LIST" {
        return Some(Reply::Data(json!(trust.resolver.keys())));
    }
    if subject == "$SYS.REQ.CLAIMS.DELETE" {
        return Some(delete(server, payload));
    }
    if subject == "$SYS.REQ.CLAIMS.PACK" {
        return pack(&trust.resolver, payload);
    }
    None
}

/// `$SYS.REQ.CLAIMS.PACK` (full resolver only): the payload is the requester's store hash.
/// The same hash gets one empty message; another gets one `<A…>|<jwt>` message per stored
/// account and then an empty message.
fn pack(resolver: &crate::operator::resolver::Resolver, their_hash: &[u8]) -> Option<Reply> {
    if resolver.kind != ResolverKind::Full {
        return None;
    }
    if their_hash == resolver.hash() {
        return Some(Reply::Many(vec![Vec::new()]));
    }
    let mut messages: Vec<Vec<u8>> = resolver
        .pack(crate::operator::now())
        .into_iter()
        .map(String::into_bytes)
        .collect();
    messages.push(Vec::new());
    Some(Reply::Many(messages))
}

fn error(account: &str, code: u16, description: String) -> Reply {
    Reply::Error(json!({ "account": account, "code": code, "description": description }))
}

fn data(account: &str, message: &str) -> Reply {
    Reply::Data(json!({ "account": account, "code": 200, "message": message }))
}

fn update(server: &ServerShared, id: Option<&str>, payload: &[u8]) -> Reply {
    let security = server.security();
    let Some(trust) = security.trust.clone() else {
        return error("n/a", 500, "not in operator mode".into());
    };
    let token = String::from_utf8_lossy(payload).trim().to_string();
    let claims = match jwt::decode_account(&token) {
        Ok(c) => c,
        Err(e) => {
            return error(
                id.unwrap_or("n/a"),
                500,
                format!("jwt update resulted in error - {e}"),
            )
        }
    };
    if let Err(e) = crate::operator::accounts::validate(&claims) {
        // The original's words differ by resolver: MEMORY and URL go through its account update.
        let description = match trust.resolver.kind {
            ResolverKind::Memory | ResolverKind::Url => {
                "jwt update resulted in error - account validation failed".to_string()
            }
            ResolverKind::Cache => format!("jwt update cache validation failed - {e}"),
            _ => format!("jwt validation failed - {e}"),
        };
        return error(&claims.sub, 500, description);
    }
    if id.is_some_and(|id| id != claims.sub) {
        return error(
            &claims.sub,
            500,
            "jwt update resulted in error - subject does not match jwt content".into(),
        );
    }
    if let Err(e) = claims.check_times(crate::operator::now()) {
        return error(&claims.sub, 500, format!("jwt validation failed - {e}"));
    }
    match trust.resolver.store(&claims.sub, &token) {
        Ok(()) => {}
        Err(StoreError::Skipped) => {
            let message = match trust.resolver.kind {
                ResolverKind::Cache => "jwt update cache skipped",
                _ => "jwt update skipped",
            };
            return data(&claims.sub, message);
        }
        Err(StoreError::Full) => {
            return error(&claims.sub, 500, "jwt store is full".into());
        }
        Err(StoreError::Io(e)) => {
            return error(
                &claims.sub,
                500,
                format!("jwt update resulted in error - {e}"),
            )
        }
    }
    if let Some(rebuilt) = security.rebuilt() {
        server.replace_security(rebuilt);
    }
    tracing::info!("Updated account JWT for {}", claims.sub);
    data(&claims.sub, "jwt updated")
}

/// A generic JWT signed by a trusted operator (or its signing key), `sub == iss`, listing
/// `nats.accounts` to delete.
fn delete(server: &ServerShared, payload: &[u8]) -> Reply {
    let security = server.security();
    let Some(trust) = security.trust.clone() else {
        return error("n/a", 500, "not in operator mode".into());
    };
    if trust.resolver.kind != ResolverKind::Full || !trust.resolver.allow_delete {
        return error("n/a", 500, "delete must be enabled in server config".into());
    }
    let token = String::from_utf8_lossy(payload).trim().to_string();
    let Ok(AnyClaims::Generic(claims)) = jwt::decode(&token) else {
        return error("n/a", 500, "malformed request".into());
    };
    if claims.iss != claims.sub {
        return error("n/a", 500, "not self signed".into());
    }
    let trusted = trust
        .operators
        .iter()
        .any(|op| op.sub == claims.iss || op.nats.signing_keys.contains(&claims.iss));
    if !trusted {
        return error("n/a", 500, "not trusted".into());
    }
    let accounts: Vec<String> = claims
        .nats
        .get("accounts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if accounts
        .iter()
        .any(|a| Some(a) == trust.system_account.as_ref())
    {
        return error("n/a", 500, "not allowed to delete system account".into());
    }
    let deleted = accounts.iter().filter(|a| trust.resolver.delete(a)).count();
    if let Some(rebuilt) = security.rebuilt() {
        server.replace_security(rebuilt);
    }
    Reply::Data(json!({ "code": 200, "message": format!("deleted {deleted} accounts") }))
}
