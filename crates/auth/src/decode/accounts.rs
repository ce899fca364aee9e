//! `accounts { A: { users, exports, imports, ... } }` or `accounts: [A, B]`
//! (opts.go `parseAccounts`, `parseExportStreamOrService`, `parseImportStreamOrService`).

use std::time::Duration;

use rnats_conf::{parse_duration, Map, Span, Value, ValueKind};

use super::users::{apply_default_permissions, decode_users, is_public_key};
use super::{expect_bool, expect_str, go_type, Errors};
use crate::validate::NameCheck;
use crate::{
    AccountConfig, AuthConfig, Export, ExportKind, NkeyUser, ResponseType, User, GLOBAL_ACCOUNT,
};

/// Accounts as written, imports not yet checked against exports.
#[derive(Default)]
pub(crate) struct RawAccounts {
    pub(crate) accounts: Vec<RawAccount>,
}

pub(crate) struct RawAccount {
    pub(crate) config: AccountConfig,
    users: Vec<User>,
    nkeys: Vec<NkeyUser>,
    users_span: Option<Span>,
    pub(crate) imports: Vec<RawImport>,
}

/// An import as written.
#[derive(Clone, Debug)]
pub(crate) struct RawImport {
    pub(crate) kind: ExportKind,
    pub(crate) account: String,
    pub(crate) subject: String,
    pub(crate) to: Option<String>,
    pub(crate) prefix: Option<String>,
    pub(crate) share: bool,
    pub(crate) allow_trace: bool,
    pub(crate) span: Span,
}

fn new_account(name: &str, span: &Span) -> AccountConfig {
    AccountConfig {
        name: name.to_string(),
        span: span.clone(),
        nkey: None,
        exports: Vec::new(),
        imports: Vec::new(),
        default_permissions: None,
        mappings: None,
        limits: None,
        jetstream: None,
    }
}

fn raw(config: AccountConfig) -> RawAccount {
    RawAccount {
        config,
        users: Vec::new(),
        nkeys: Vec::new(),
        users_span: None,
        imports: Vec::new(),
    }
}

pub(crate) fn decode_accounts(v: &Value, errs: &mut Errors) -> RawAccounts {
    let mut out = RawAccounts::default();
    match &v.kind {
        ValueKind::Array(items) => {
            for item in items {
                let Some(name) = expect_str(item, "accounts", errs) else {
                    continue;
                };
                if name == GLOBAL_ACCOUNT {
                    errs.push(&item.span, format!("{name:?} is a Reserved Account"));
                } else if out.accounts.iter().any(|a| a.config.name == name) {
                    errs.push(&item.span, format!("Duplicate Account Entry: {name}"));
                } else {
                    out.accounts.push(raw(new_account(name, &item.span)));
                }
            }
        }
        ValueKind::Map(map) => {
            for entry in map {
                if entry.used_as_variable {
                    continue;
                }
                let Some(body) = entry.value.as_map() else {
                    errs.push(&entry.value.span, "Expected map entries for accounts");
                    continue;
                };
                if entry.key.name == GLOBAL_ACCOUNT {
                    errs.push(
                        &entry.value.span,
                        format!("{:?} is a Reserved Account", entry.key.name),
                    );
                    continue;
                }
                out.accounts
                    .push(decode_account(&entry.key.name, &entry.key.span, body, errs));
            }
        }
        _ => errs.push(
            &v.span,
            format!(
                "Expected accounts to be a map or an array, got {}",
                go_type(v)
            ),
        ),
    }
    out
}

fn decode_account(name: &str, span: &Span, body: &Map, errs: &mut Errors) -> RawAccount {
    let mut acc = raw(new_account(name, span));
    for entry in body {
        let v = &entry.value;
        match entry.key.name.to_ascii_lowercase().as_str() {
            "nkey" => match v.as_str() {
                Some(k) if is_public_key(k, nkeys::KeyPairType::Account) => {
                    acc.config.nkey = Some(k.to_string());
                }
                _ => errs.push(
                    &v.span,
                    format!(
                        "Not a valid public nkey for an account: {:?}",
                        super::permissions::render(v)
                    ),
                ),
            },
            "imports" => acc.imports = decode_imports(v, errs),
            "exports" => acc.config.exports = decode_exports(v, errs),
            "jetstream" => acc.config.jetstream = Some(v.clone()),
            "users" => {
                acc.users_span = Some(v.span.clone());
                if let Some((users, nkeys)) = decode_users(v, name, errs) {
                    acc.users = users;
                    acc.nkeys = nkeys;
                }
            }
            "default_permissions" => {
                acc.config.default_permissions = super::permissions::permissions(v, errs);
            }
            "mappings" | "maps" => acc.config.mappings = Some(v.clone()),
            "limits" => acc.config.limits = Some(v.clone()),
            // Message tracing destination: the server's business.
            "msg_trace" | "trace_dest" => {}
            _ if entry.used_as_variable => {}
            _ => errs.unknown_field(&entry.key),
        }
    }
    if let Some(defaults) = &acc.config.default_permissions {
        apply_default_permissions(&mut acc.users, &mut acc.nkeys, defaults);
    }
    acc
}

/// Move the accounts' users into `cfg`, checking duplicates and the single-user/token rules.
pub(crate) fn apply_account_users(
    cfg: &mut AuthConfig,
    raw: &RawAccounts,
    names: &mut NameCheck,
    errs: &mut Errors,
) {
    for acc in &raw.accounts {
        if acc.users.is_empty() && acc.nkeys.is_empty() {
            continue;
        }
        let span = acc.users_span.as_ref().unwrap_or(&acc.config.span);
        if cfg.single_user.is_some() {
            errs.push(span, "Can not have a single user/pass and accounts");
            continue;
        }
        if cfg.token.is_some() {
            errs.push(span, "Can not have a token and accounts");
            continue;
        }
        for u in &acc.nkeys {
            if names.insert(&u.nkey) {
                cfg.nkey_users.push(u.clone());
            } else {
                errs.push(span, format!("Duplicate nkey {:?} detected", u.nkey));
            }
        }
        for u in &acc.users {
            if names.insert(&u.username) {
                cfg.users.push(u.clone());
            } else {
                errs.push(span, format!("Duplicate user {:?} detected", u.username));
            }
        }
    }
}

fn decode_exports(v: &Value, errs: &mut Errors) -> Vec<Export> {
    let Some(items) = v.as_array() else {
        errs.push(
            &v.span,
            format!("Exports should be an array, got {}", go_type(v)),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| decode_export(item, errs))
        .collect()
}

/// One export. `None` when it has neither `stream` nor `service` (silently, as the original).
fn decode_export(item: &Value, errs: &mut Errors) -> Option<Export> {
    let Some(map) = item.as_map() else {
        errs.push(
            &item.span,
            format!(
                "Export Items should be a map with type entry, got {}",
                go_type(item)
            ),
        );
        return None;
    };
    let mut kind: Option<(ExportKind, String)> = None;
    let mut response: Option<(ResponseType, Span)> = None;
    let mut threshold: Option<(Duration, Span)> = None;
    let mut latency: Option<Value> = None;
    let mut accounts: Option<Vec<String>> = None;
    let mut position: Option<u32> = None;
    let mut allow_trace = false;
    for entry in map {
        let v = &entry.value;
        let key = entry.key.name.to_ascii_lowercase();
        match key.as_str() {
            "stream" | "service" => {
                let this = if key == "stream" {
                    ExportKind::Stream
                } else {
                    ExportKind::Service
                };
                if let Some((seen, _)) = &kind {
                    errs.push(
                        &v.span,
                        format!(
                            "Detected {} {:?} but already saw a {}",
                            this.as_str(),
                            super::permissions::render(v),
                            seen.as_str()
                        ),
                    );
                    continue;
                }
                match v.as_str() {
                    Some(s) => kind = Some((this, s.to_string())),
                    None => errs.push(
                        &v.span,
                        format!(
                            "Expected {} name to be string, got {}",
                            this.as_str(),
                            go_type(v)
                        ),
                    ),
                }
            }
            "response" | "response_type" => {
                if response.is_some() {
                    errs.push(&v.span, "Duplicate response type definition");
                    continue;
                }
                let Some(text) = v.as_str() else {
                    errs.push(
                        &v.span,
                        format!("Expected response type to be string, got {}", go_type(v)),
                    );
                    continue;
                };
                let rt = match text.to_ascii_lowercase().as_str() {
                    "single" | "singleton" => ResponseType::Singleton,
                    "stream" => ResponseType::Stream,
                    "chunk" | "chunked" => ResponseType::Chunked,
                    _ => {
                        errs.push(&v.span, format!("Unknown response type: {text:?}"));
                        continue;
                    }
                };
                response = Some((rt, v.span.clone()));
            }
            "threshold" | "response_threshold" | "response_max_time" | "response_time" => {
                if threshold.is_some() {
                    errs.push(&v.span, "Duplicate response threshold detected");
                    continue;
                }
                let Some(text) = v.as_str() else {
                    errs.push(
                        &v.span,
                        format!(
                            "Expected response threshold to be a parseable time duration, got {}",
                            go_type(v)
                        ),
                    );
                    continue;
                };
                match parse_duration(text) {
                    Ok(d) => threshold = Some((d, v.span.clone())),
                    Err(_) => errs.push(
                        &v.span,
                        format!(
                            "Expected response threshold to be a parseable time duration, got {text:?}"
                        ),
                    ),
                }
            }
            "accounts" => {
                let Some(list) = v.as_array() else {
                    errs.push(
                        &v.span,
                        format!("Expected accounts to be an array, got {}", go_type(v)),
                    );
                    continue;
                };
                let names: Vec<String> = list
                    .iter()
                    .filter_map(|n| expect_str(n, "accounts", errs).map(String::from))
                    .collect();
                // An empty list is public, as in the original.
                if !names.is_empty() {
                    accounts = Some(names);
                }
            }
            "latency" => latency = Some(v.clone()),
            "account_token_position" => match v.as_int().map(u32::try_from) {
                Some(Ok(n)) => position = (n > 0).then_some(n),
                _ => errs.push(
                    &v.span,
                    "Expected account_token_position to be a positive integer",
                ),
            },
            "allow_trace" => allow_trace = expect_bool(v, "allow_trace", errs).unwrap_or(false),
            _ if entry.used_as_variable => {}
            _ => errs.unknown_field(&entry.key),
        }
    }
    let (kind, subject) = kind?;
    if kind == ExportKind::Stream {
        if let Some((_, span)) = &response {
            errs.push(span, "Detected response directive on non-service");
        }
        if let Some((_, span)) = &threshold {
            errs.push(span, "Detected response directive on non-service");
        }
        if let Some(lat) = &latency {
            errs.push(&lat.span, "Detected latency directive on non-service");
        }
    }
    Some(Export {
        kind,
        subject,
        allowed_accounts: accounts,
        response_type: response.map(|(rt, _)| rt).unwrap_or_default(),
        response_threshold: threshold.map(|(d, _)| d),
        account_token_position: position,
        latency,
        allow_trace,
        span: item.span.clone(),
    })
}

fn decode_imports(v: &Value, errs: &mut Errors) -> Vec<RawImport> {
    let Some(items) = v.as_array() else {
        errs.push(
            &v.span,
            format!("Imports should be an array, got {}", go_type(v)),
        );
        return Vec::new();
    };
    let mut out: Vec<RawImport> = Vec::new();
    for item in items {
        let Some(import) = decode_import(item, errs) else {
            continue;
        };
        if import.kind == ExportKind::Service {
            let local = import.to.as_deref().unwrap_or(&import.subject);
            let dup = out.iter().find(|i| {
                i.kind == ExportKind::Service && i.to.as_deref().unwrap_or(&i.subject) == local
            });
            if let Some(dup) = dup {
                errs.push(
                    &item.span,
                    format!(
                        "Duplicate service import subject {local:?}, previously used in import for account {:?}, subject {:?}",
                        dup.account, dup.subject
                    ),
                );
                continue;
            }
        }
        out.push(import);
    }
    out
}

fn decode_import(item: &Value, errs: &mut Errors) -> Option<RawImport> {
    let Some(map) = item.as_map() else {
        errs.push(
            &item.span,
            format!(
                "Import Items should be a map with type entry, got {}",
                go_type(item)
            ),
        );
        return None;
    };
    let mut kind: Option<(ExportKind, String, String)> = None;
    let mut to: Option<(String, Span)> = None;
    let mut prefix: Option<String> = None;
    let mut share = false;
    let mut allow_trace = false;
    for entry in map {
        let v = &entry.value;
        let key = entry.key.name.to_ascii_lowercase();
        match key.as_str() {
            "stream" | "service" => {
                let (this, cap) = if key == "stream" {
                    (ExportKind::Stream, "Stream")
                } else {
                    (ExportKind::Service, "Service")
                };
                if let Some((seen, _, _)) = &kind {
                    errs.push(
                        &v.span,
                        format!(
                            "Detected {} but already saw a {}",
                            this.as_str(),
                            seen.as_str()
                        ),
                    );
                    continue;
                }
                let Some(ac) = v.as_map() else {
                    errs.push(
                        &v.span,
                        format!("{cap} entry should be an account map, got {}", go_type(v)),
                    );
                    continue;
                };
                let (mut account, mut subject) = (String::new(), String::new());
                for e in ac {
                    match e.key.name.to_ascii_lowercase().as_str() {
                        "account" => {
                            account = expect_str(&e.value, "account", errs)
                                .unwrap_or_default()
                                .to_string();
                        }
                        "subject" => {
                            subject = expect_str(&e.value, "subject", errs)
                                .unwrap_or_default()
                                .to_string();
                        }
                        _ if e.used_as_variable => {}
                        _ => errs.unknown_field(&e.key),
                    }
                }
                if account.is_empty() || subject.is_empty() {
                    errs.push(&v.span, "Expect an account name and a subject");
                    continue;
                }
                kind = Some((this, account, subject));
            }
            "prefix" => prefix = expect_str(v, "prefix", errs).map(String::from),
            "to" => to = expect_str(v, "to", errs).map(|s| (s.to_string(), v.span.clone())),
            "share" => share = expect_bool(v, "share", errs).unwrap_or(false),
            "allow_trace" => allow_trace = expect_bool(v, "allow_trace", errs).unwrap_or(false),
            _ if entry.used_as_variable => {}
            _ => errs.unknown_field(&entry.key),
        }
    }
    let (kind, account, subject) = kind?;
    let prefix = prefix.filter(|p| !p.is_empty());
    let to = to.filter(|(t, _)| !t.is_empty());
    if kind == ExportKind::Stream && prefix.is_some() {
        if let Some((_, span)) = &to {
            errs.push(
                span,
                "Stream import can not have a 'prefix' and a 'to' property",
            );
            return None;
        }
    }
    Some(RawImport {
        kind,
        account,
        subject,
        to: to.map(|(t, _)| t),
        prefix: if kind == ExportKind::Stream {
            prefix
        } else {
            None
        },
        share: kind == ExportKind::Service && share,
        allow_trace,
        span: item.span.clone(),
    })
}
