//! Accounts from account JWTs: which JWTs are trusted, and their imports laid out as forwards.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rnats_auth::jwt::{self, AccountClaims, ExportType, Import};
use rnats_subject::transform::SubjectTransform;
use tracing::warn;

use super::Trust;
use crate::account::Account;
use crate::imports::{LocalSubject, ResponseType};
use crate::mappings::{Mapping, Mappings};
use rnats_subject::transform::{MapDest, WeightedMapping};

/// How long a service reply route lives when the export sets no threshold (2 minutes).
const DEFAULT_RESPONSE_THRESHOLD: Duration = Duration::from_secs(120);

/// The account JWTs in the resolver that decode and verify against the trusted operators.
/// Ones that do not are logged and left out (their users cannot log in).
pub fn verified(trust: &Trust, now: i64) -> HashMap<String, Arc<AccountClaims>> {
    let mut out = HashMap::new();
    for (key, token) in trust.resolver.all() {
        match verify(trust, &token, now) {
            Ok(claims) => {
                out.insert(key, Arc::new(claims));
            }
            Err(e) => warn!("Account {key} not usable: {e}"),
        }
    }
    out
}

/// Decodes an account JWT and checks it against the trusted operators.
///
/// # Errors
/// Why it is not trusted, in words.
pub fn verify(trust: &Trust, token: &str, now: i64) -> Result<AccountClaims, String> {
    let claims = jwt::decode_account(token).map_err(|e| e.to_string())?;
    jwt::verify_account(&claims, &trust.operators, now).map_err(|e| e.to_string())?;
    validate(&claims)?;
    Ok(claims)
}

/// The account JWT's own consistency: import and export counts within its limits, no
/// wildcard exports unless allowed, mapping weights within 100 %. The original refuses an
/// account JWT that fails these (its users cannot log in, a push is answered with
/// `jwt validation failed - validation errors: [...]`).
///
/// # Errors
/// `validation errors: [first second ...]`, as the original words it.
pub fn validate(claims: &AccountClaims) -> Result<(), String> {
    let errors = claims.nats.limit_violations();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("validation errors: [{}]", errors.join(" ")))
    }
}

/// Sets each account's subject mappings from its JWT's `mappings` (a weight of 0 means 100).
/// A mapping that does not compile is logged and left out; the others apply.
pub fn apply_mappings(
    accounts: &HashMap<String, Arc<Account>>,
    claims: &HashMap<String, Arc<AccountClaims>>,
) {
    for (key, account_claims) in claims {
        let Some(account) = accounts.get(key) else {
            continue;
        };
        let mut list = Vec::new();
        for (source, dests) in &account_claims.nats.mappings {
            let dests: Vec<MapDest> = dests
                .iter()
                .map(|d| {
                    let weight = if d.weight == 0 { 100 } else { d.weight };
                    MapDest::with_cluster(d.subject.clone(), weight, d.cluster.clone())
                })
                .collect();
            match WeightedMapping::new(source, &dests) {
                Ok(m) => list.push(Mapping::Weighted(m)),
                Err(e) => warn!("Account {key}: mapping {source:?} not applied: {e}"),
            }
        }
        account.set_mappings(Mappings::new(list));
    }
}

/// Adds every import of every account as forwards. An import that is not authorized (no such
/// export, missing or bad activation) is logged and skipped, as the original does.
pub fn lay_out_imports(
    accounts: &HashMap<String, Arc<Account>>,
    claims: &HashMap<String, Arc<AccountClaims>>,
    now: i64,
) {
    for (key, account_claims) in claims {
        let Some(importer) = accounts.get(key) else {
            continue;
        };
        for import in &account_claims.nats.imports {
            if let Err(e) = add_import(accounts, claims, importer, key, import, now) {
                warn!(
                    "Account {key}: {} import of {:?} from {} not applied: {e}",
                    import.import_type, import.subject, import.account
                );
            }
        }
    }
}

fn add_import(
    accounts: &HashMap<String, Arc<Account>>,
    claims: &HashMap<String, Arc<AccountClaims>>,
    importer: &Arc<Account>,
    importer_key: &str,
    import: &Import,
    now: i64,
) -> Result<(), String> {
    let kind = import.import_type;
    // JWT services with the legacy `to`: the local subject is `subject`, the remote is `to`.
    let legacy_service =
        kind == ExportType::Service && import.local_subject.is_empty() && !import.to.is_empty();
    let remote = if legacy_service {
        import.to.as_str()
    } else {
        import.subject.as_str()
    };
    let exporter_claims = claims
        .get(&import.account)
        .ok_or_else(|| "exporting account not found".to_string())?;
    let exporter = accounts
        .get(&import.account)
        .ok_or_else(|| "exporting account not found".to_string())?;
    let export = exporter_claims
        .nats
        .find_export(kind, remote)
        .ok_or_else(|| format!("{kind} import not authorized"))?;
    if export.account_token_position > 0 {
        let position = export.account_token_position as usize;
        if remote.split('.').nth(position - 1) != Some(importer_key) {
            return Err(format!(
                "{kind} import not authorized (account token position)"
            ));
        }
    }
    if export.token_req {
        if import.token.is_empty() {
            return Err("activation token required".into());
        }
        let activation = jwt::decode_activation(&import.token).map_err(|e| e.to_string())?;
        jwt::verify_activation(
            &activation,
            exporter_claims,
            importer_key,
            kind,
            remote,
            now,
        )
        .map_err(|e| format!("activation not valid: {e}"))?;
    }
    match kind {
        ExportType::Stream => {
            let local = if !import.local_subject.is_empty() {
                if import.local_subject == import.subject {
                    LocalSubject::Same
                } else {
                    LocalSubject::Transform(
                        SubjectTransform::new(&import.subject, &import.local_subject)
                            .map_err(|e| e.to_string())?,
                    )
                }
            } else if !import.to.is_empty() {
                LocalSubject::Prefix(Bytes::copy_from_slice(
                    import.to.trim_end_matches('.').as_bytes(),
                ))
            } else {
                LocalSubject::Same
            };
            exporter
                .forwards
                .add_stream_import(&import.subject, importer, local);
        }
        ExportType::Unknown => return Err("unknown import type".into()),
        ExportType::Service => {
            let local = if legacy_service || import.local_subject.is_empty() {
                import.subject.as_str()
            } else {
                import.local_subject.as_str()
            };
            let response_type = match export.response_type.as_str() {
                "Stream" => ResponseType::Stream,
                "Chunked" => ResponseType::Chunked,
                _ => ResponseType::Singleton,
            };
            let threshold = u64::try_from(export.response_threshold)
                .ok()
                .filter(|ns| *ns > 0)
                .map_or(DEFAULT_RESPONSE_THRESHOLD, Duration::from_nanos);
            importer.forwards.add_service_import(
                local,
                exporter,
                remote,
                response_type,
                threshold,
            )?;
        }
    }
    Ok(())
}
