//! Rules across accounts: who may import what, cycles, and names that must exist
//! (accounts.go `checkStreamImportAuthorized`, `checkServiceImportAuthorized`, `checkAuth`,
//! `serviceImportFormsCycle`, `streamImportFormsCycle`; server.go `validateNoAuthUser`).

use std::collections::HashSet;

use rnats_conf::Span;
use rnats_subject::validate::{has_wildcards, is_valid_pattern, pattern_is_subset};

use crate::decode::{Errors, RawAccounts, RawImport};
use crate::{AccountConfig, AuthConfig, Export, ExportKind, Import, DEFAULT_SYSTEM_ACCOUNT};

/// How deep the cycle search may go before giving up, as the original.
const MAX_CYCLE_SEARCH_DEPTH: usize = 1024;

/// Usernames and nkeys share one namespace across all blocks.
#[derive(Default)]
pub(crate) struct NameCheck(HashSet<String>);

impl NameCheck {
    /// `false` if the name was already taken.
    pub(crate) fn insert(&mut self, name: &str) -> bool {
        self.0.insert(name.to_string())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Check exports, then stream imports, then service imports (the original's order), keeping
/// the imports that pass. Errors point at the `accounts` block, as the original's do.
pub(crate) fn resolve_accounts(
    raw: RawAccounts,
    span: &Span,
    errs: &mut Errors,
) -> Vec<AccountConfig> {
    let mut imports: Vec<Vec<RawImport>> = Vec::new();
    let mut accounts: Vec<AccountConfig> = Vec::new();
    for acc in raw.accounts {
        imports.push(acc.imports);
        accounts.push(acc.config);
    }
    let known: HashSet<String> = accounts.iter().map(|a| a.name.clone()).collect();

    for kind in [ExportKind::Stream, ExportKind::Service] {
        for acc in &accounts {
            for e in acc.exports.iter().filter(|e| e.kind == kind) {
                for name in e.allowed_accounts.iter().flatten() {
                    if !known.contains(name) {
                        errs.push(
                            span,
                            format!("{name:?} account not defined for {} export", kind.as_str()),
                        );
                    }
                }
                if let Some(pos) = e.account_token_position {
                    let token = e.subject.split('.').nth(pos as usize - 1);
                    if token != Some("*") {
                        errs.push(
                            span,
                            format!(
                                "Error adding {} export {:?}: invalid subject",
                                kind.as_str(),
                                e.subject
                            ),
                        );
                    }
                }
            }
        }
    }

    for kind in [ExportKind::Stream, ExportKind::Service] {
        for (i, list) in imports.iter().enumerate() {
            for raw in list.iter().filter(|r| r.kind == kind) {
                match add_import(&accounts, i, raw, &known) {
                    Ok(import) => {
                        if let Some(acc) = accounts.get_mut(i) {
                            acc.imports.push(import);
                        }
                    }
                    Err(message) => errs.push(span, message),
                }
            }
        }
    }
    accounts
}

/// Validate one import of account `i` against the accounts as built so far.
fn add_import(
    accounts: &[AccountConfig],
    i: usize,
    raw: &RawImport,
    known: &HashSet<String>,
) -> Result<Import, String> {
    let kind = raw.kind.as_str();
    if !known.contains(&raw.account) {
        return Err(format!(
            "{:?} account not defined for {kind} import",
            raw.account
        ));
    }
    let fail = |why: &str| format!("Error adding {kind} import {:?}: {why}", raw.subject);
    let importer = accounts.get(i).ok_or_else(|| fail("missing account"))?;
    let exporter = accounts
        .iter()
        .find(|a| a.name == raw.account)
        .ok_or_else(|| fail("missing account"))?;

    let local = match raw.kind {
        ExportKind::Stream => match &raw.prefix {
            Some(prefix) => {
                if !is_authorized(exporter, &importer.name, &raw.subject, raw.kind) {
                    return Err(fail("stream import not authorized"));
                }
                if has_wildcards(prefix.as_bytes()) {
                    return Err(fail("stream import prefix can not contain wildcard tokens"));
                }
                let sep = if prefix.ends_with('.') { "" } else { "." };
                format!("{prefix}{sep}{}", raw.subject)
            }
            None => {
                if !is_authorized(exporter, &importer.name, &raw.subject, raw.kind) {
                    return Err(fail("stream import not authorized"));
                }
                raw.to.clone().unwrap_or_else(|| raw.subject.clone())
            }
        },
        ExportKind::Service => {
            let local = raw.to.clone().unwrap_or_else(|| raw.subject.clone());
            if !is_valid_pattern(local.as_bytes()) || !is_valid_pattern(raw.subject.as_bytes()) {
                return Err(fail("invalid subject"));
            }
            if !is_authorized(exporter, &importer.name, &raw.subject, raw.kind) {
                return Err(fail("service import not authorized"));
            }
            local
        }
    };

    // Streams search with the exporter's subject, services with the local one: that is what
    // 2.15.1 reports cycles for (replayed: A and B importing each other's `to`-mapped streams
    // is refused, though their local subjects do not overlap the other's exports).
    let search = match raw.kind {
        ExportKind::Stream => raw.subject.as_str(),
        ExportKind::Service => local.as_str(),
    };
    let mut visited = HashSet::from([importer.name.clone()]);
    forms_cycle(accounts, exporter, raw.kind, search, &mut visited).map_err(&fail)?;

    if raw.kind == ExportKind::Stream
        && importer
            .imports
            .iter()
            .any(|im| im.kind == raw.kind && im.account == raw.account && im.subject == raw.subject)
    {
        return Err(fail("stream import already exists"));
    }

    Ok(Import {
        kind: raw.kind,
        account: raw.account.clone(),
        subject: raw.subject.clone(),
        local_subject: local,
        prefix: raw.prefix.clone(),
        to: raw.to.clone(),
        share: raw.share,
        allow_trace: raw.allow_trace,
        span: raw.span.clone(),
    })
}

/// Whether `importer` may import `subject` of `kind` from `exporter`: an export with exactly
/// that subject decides first; otherwise the first export (in config order) that contains the
/// subject. Config exports are public or list their accounts; `account_token_position`
/// requires that token of the import subject to be the importer's name.
pub fn is_authorized(
    exporter: &AccountConfig,
    importer: &str,
    subject: &str,
    kind: ExportKind,
) -> bool {
    if !is_valid_pattern(subject.as_bytes()) {
        return false;
    }
    let mut exports = exporter.exports.iter().filter(|e| e.kind == kind);
    if let Some(e) = exporter
        .exports
        .iter()
        .find(|e| e.kind == kind && e.subject == subject)
    {
        return export_allows(e, importer, None);
    }
    match exports.find(|e| pattern_is_subset(subject.as_bytes(), e.subject.as_bytes())) {
        Some(e) => export_allows(e, importer, Some(subject)),
        None => false,
    }
}

fn export_allows(e: &Export, importer: &str, subject: Option<&str>) -> bool {
    let listed = e.allowed_accounts.as_ref().filter(|l| !l.is_empty());
    if let Some(pos) = e.account_token_position {
        // An exact-subject match carries no tokens in the original: refused.
        return subject
            .and_then(|s| s.split('.').nth(pos as usize - 1))
            .is_some_and(|t| t == importer);
    }
    match listed {
        None => true,
        Some(list) => list.iter().any(|a| a == importer),
    }
}

/// Whether two patterns can match a common subject.
pub(crate) fn subjects_collide(a: &str, b: &str) -> bool {
    let mut x = a.split('.');
    let mut y = b.split('.');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) | (Some(_), Some(">")) => return true,
            (Some("*"), Some(_)) | (Some(_), Some("*")) => {}
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// The original's cycle search: follow the exporter's own imports whose subjects overlap the
/// new local subject; reaching an account already on the path is a cycle.
fn forms_cycle(
    accounts: &[AccountConfig],
    dest: &AccountConfig,
    kind: ExportKind,
    subject: &str,
    visited: &mut HashSet<String>,
) -> Result<(), &'static str> {
    if visited.len() >= MAX_CYCLE_SEARCH_DEPTH {
        return Err("search cycle depth exhausted");
    }
    if kind == ExportKind::Stream
        && !dest.exports.iter().any(|e| {
            e.kind == ExportKind::Stream
                && pattern_is_subset(subject.as_bytes(), e.subject.as_bytes())
        })
    {
        return Ok(());
    }
    let mut subject = subject.to_string();
    for im in dest.imports.iter().filter(|im| im.kind == kind) {
        // Streams compare with the import's local subject, services with its remote one.
        let other = match kind {
            ExportKind::Stream => &im.local_subject,
            ExportKind::Service => &im.subject,
        };
        if !subjects_collide(&subject, other) {
            continue;
        }
        if visited.contains(&im.account) {
            return Err("import forms a cycle");
        }
        visited.insert(dest.name.clone());
        if pattern_is_subset(im.local_subject.as_bytes(), subject.as_bytes()) {
            subject = im.local_subject.clone();
        }
        if let Some(next) = accounts.iter().find(|a| a.name == im.account) {
            forms_cycle(accounts, next, kind, &subject, visited)?;
        }
    }
    Ok(())
}

/// `no_auth_user` must name a user or nkey; `system_account` must name an account.
pub(crate) fn check_references(
    cfg: &AuthConfig,
    no_auth_span: Option<Span>,
    system_span: Option<Span>,
    errs: &mut Errors,
) {
    if let (Some(name), Some(span)) = (&cfg.no_auth_user, &no_auth_span) {
        if cfg.users.is_empty() && cfg.nkey_users.is_empty() {
            errs.push(
                span,
                format!("no_auth_user: {name:?} present, but users/nkeys are not defined"),
            );
        } else if !cfg.users.iter().any(|u| &u.username == name)
            && !cfg.nkey_users.iter().any(|u| &u.nkey == name)
        {
            errs.push(
                span,
                format!(
                    "no_auth_user: {name:?} not present as user or nkey in authorization block or account configuration"
                ),
            );
        }
    }
    if let (Some(name), Some(span)) = (&cfg.system_account, &system_span) {
        // An account public key names a JWT account (operator mode): not ours to resolve.
        let is_key = crate::decode::is_public_key(name, nkeys::KeyPairType::Account);
        if name != DEFAULT_SYSTEM_ACCOUNT && !is_key && cfg.account(name).is_none() {
            errs.push(span, "error resolving system account: account missing");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions() {
        assert!(subjects_collide("a.b", "a.*"));
        assert!(subjects_collide("a.>", "*.b.c"));
        assert!(subjects_collide("a.b", "a.b"));
        assert!(!subjects_collide("a.b", "a.c"));
        assert!(!subjects_collide("a", "a.>"));
        assert!(!subjects_collide("a.b", "a.b.c"));
    }
}
