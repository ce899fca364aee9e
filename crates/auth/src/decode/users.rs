//! `authorization { ... }` and `users: [...]` (opts.go `parseAuthorization`, `parseUsers`).

use rnats_conf::{parse_duration, Span, Value, ValueKind};

use super::permissions::{permissions, render};
use super::{expect_bool, expect_str, global, go_type, secret, Errors};
use crate::validate::NameCheck;
use crate::{AuthConfig, ConnectionType, NkeyUser, Permissions, Secret, SingleUser, User};

/// The `authorization` block before cross-block checks.
#[derive(Default)]
pub(crate) struct Authorization {
    user: Option<String>,
    password: Option<Secret>,
    token: Option<Secret>,
    timeout: Option<f64>,
    /// `Some` whenever a `users` key is present, even `users: []`.
    users: Option<(Vec<User>, Vec<NkeyUser>)>,
}

pub(crate) fn decode_authorization(v: &Value, errs: &mut Errors) -> Option<Authorization> {
    let Some(map) = v.as_map() else {
        errs.push(
            &v.span,
            format!("Expected authorization to be a map, got {}", go_type(v)),
        );
        return None;
    };
    let mut auth = Authorization::default();
    let mut defaults: Option<Permissions> = None;
    for entry in map {
        let v = &entry.value;
        match entry.key.name.to_ascii_lowercase().as_str() {
            "user" | "username" => auth.user = expect_str(v, "user", errs).map(String::from),
            "pass" | "password" => auth.password = secret(v, "password", errs),
            "token" => auth.token = secret(v, "token", errs),
            "timeout" => auth.timeout = timeout(v, errs),
            "users" => auth.users = decode_users(v, &global(), errs),
            "default_permission" | "default_permissions" | "permissions" => {
                defaults = permissions(v, errs);
            }
            // Accepted here, interpreted by the server (auth callout is JWT territory).
            "auth_callout" | "callout" => {}
            "proxy_required" => {
                expect_bool(v, "proxy_required", errs);
            }
            _ if entry.used_as_variable => {}
            _ => errs.unknown_field(&entry.key),
        }
    }
    if let (Some(defaults), Some((users, nkeys))) = (&defaults, &mut auth.users) {
        apply_default_permissions(users, nkeys, defaults);
    }
    Some(auth)
}

/// `timeout`: seconds as an integer or float, or a duration string.
fn timeout(v: &Value, errs: &mut Errors) -> Option<f64> {
    match &v.kind {
        ValueKind::Int(i) => Some(*i as f64),
        ValueKind::Float(x) => Some(*x),
        ValueKind::Str(s) => match parse_duration(s) {
            Ok(d) => Some(d.as_secs_f64()),
            Err(e) => {
                errs.push(&v.span, format!("error parsing timeout: {e}"));
                None
            }
        },
        _ => {
            errs.push(
                &v.span,
                format!("error parsing timeout: unsupported type {}", go_type(v)),
            );
            None
        }
    }
}

pub(crate) fn apply_default_permissions(
    users: &mut [User],
    nkeys: &mut [NkeyUser],
    defaults: &Permissions,
) {
    for u in users.iter_mut().filter(|u| u.permissions.is_none()) {
        u.permissions = Some(defaults.clone());
    }
    for u in nkeys.iter_mut().filter(|u| u.permissions.is_none()) {
        u.permissions = Some(defaults.clone());
    }
}

/// A `users` array. `None` (with an error) if the array or one of its entries is unusable:
/// the original drops the whole list then.
pub(crate) fn decode_users(
    v: &Value,
    account: &str,
    errs: &mut Errors,
) -> Option<(Vec<User>, Vec<NkeyUser>)> {
    let Some(items) = v.as_array() else {
        errs.push(
            &v.span,
            format!("Expected users field to be an array, got {}", render(v)),
        );
        return None;
    };
    let mut users = Vec::new();
    let mut nkeys = Vec::new();
    for item in items {
        let Some(map) = item.as_map() else {
            errs.push(
                &item.span,
                format!(
                    "Expected user entry to be a map/struct, got {}",
                    render(item)
                ),
            );
            continue;
        };
        let mut name: Option<String> = None;
        let mut password: Option<Secret> = None;
        let mut nkey: Option<String> = None;
        let mut perms: Option<Permissions> = None;
        let mut conn_types = Vec::new();
        let mut proxy_required = false;
        for entry in map {
            let v = &entry.value;
            match entry.key.name.to_ascii_lowercase().as_str() {
                "nkey" => nkey = expect_str(v, "nkey", errs).map(String::from),
                "user" | "username" => name = expect_str(v, "user", errs).map(String::from),
                "pass" | "password" => password = secret(v, "password", errs),
                "permission" | "permissions" | "authorization" => perms = permissions(v, errs),
                "allowed_connection_types" | "connection_types" | "clients" => {
                    conn_types = connection_types(v, errs);
                }
                "proxy_required" => {
                    proxy_required = expect_bool(v, "proxy_required", errs).unwrap_or(false);
                }
                _ if entry.used_as_variable => {}
                _ => errs.unknown_field(&entry.key),
            }
        }
        let name = name.filter(|n| !n.is_empty());
        let password = password.filter(|p| !p.expose().is_empty());
        match nkey.filter(|k| !k.is_empty()) {
            None if name.is_none() => {
                errs.push(&item.span, "User entry requires a user");
                return None;
            }
            None => users.push(User {
                username: name.unwrap_or_default(),
                password: password.unwrap_or_else(|| Secret::new("")),
                permissions: perms,
                account: account.to_string(),
                allowed_connection_types: conn_types,
                proxy_required,
            }),
            Some(key) => {
                if !is_public_key(&key, nkeys::KeyPairType::User) {
                    errs.push(&item.span, "Not a valid public nkey for a user");
                    return None;
                }
                if name.is_some() || password.is_some() {
                    errs.push(&item.span, "Nkey users do not take usernames or passwords");
                    return None;
                }
                nkeys.push(NkeyUser {
                    nkey: key,
                    permissions: perms,
                    account: account.to_string(),
                    allowed_connection_types: conn_types,
                    proxy_required,
                });
            }
        }
    }
    Some((users, nkeys))
}

/// Whether `key` is a valid public nkey of the given type (checksum, prefix and all).
pub(crate) fn is_public_key(key: &str, kind: nkeys::KeyPairType) -> bool {
    nkeys::KeyPair::from_public_key(key).is_ok_and(|kp| kp.key_pair_type() == kind)
}

/// `allowed_connection_types`: a string or an array of strings; unknown names are an error.
fn connection_types(v: &Value, errs: &mut Errors) -> Vec<ConnectionType> {
    const FIELD: &str = "allowed connection types";
    let names: Vec<&str> = match &v.kind {
        ValueKind::Str(s) => vec![s.as_str()],
        ValueKind::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => out.push(s),
                    None => errs.push(
                        &item.span,
                        format!(
                            "error parsing {FIELD}: unsupported type in array {}",
                            go_type(item)
                        ),
                    ),
                }
            }
            out
        }
        _ => {
            errs.push(
                &v.span,
                format!("error parsing {FIELD}: unsupported type {}", go_type(v)),
            );
            return Vec::new();
        }
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        match ConnectionType::parse(name) {
            Some(t) if !known.contains(&t) => known.push(t),
            Some(_) => {}
            None => unknown.push(format!("{:?}", name.to_ascii_uppercase())),
        }
    }
    if !unknown.is_empty() {
        errs.push(
            &v.span,
            format!("invalid connection types [{}]", unknown.join(" ")),
        );
    }
    known
}

/// Merge a decoded `authorization` block into `cfg`, with the original's cross-block rules.
/// `accounts_first` says whether an `accounts` block with users came before it.
pub(crate) fn apply_authorization(
    cfg: &mut AuthConfig,
    auth: &Authorization,
    span: &Span,
    names: &mut NameCheck,
    accounts_first: bool,
    errs: &mut Errors,
) {
    let has_user = auth.user.as_deref().is_some_and(|u| !u.is_empty());
    let has_pass = auth
        .password
        .as_ref()
        .is_some_and(|p| !p.expose().is_empty());
    let has_token = auth.token.as_ref().is_some_and(|t| !t.expose().is_empty());
    cfg.auth_timeout = auth.timeout;
    if (has_user || has_pass) && has_token {
        errs.push(span, "Cannot have a user/pass and token");
        return;
    }
    if auth.users.is_some() || (accounts_first && !names.is_empty()) {
        if has_user {
            errs.push(span, "Can not have a single user/pass and a users array");
            return;
        }
        if has_token {
            errs.push(span, "Can not have a token and a users array");
            return;
        }
    }
    if let Some((users, nkeys)) = &auth.users {
        for u in users {
            if !names.insert(&u.username) {
                errs.push(span, format!("Duplicate user {:?} detected", u.username));
                return;
            }
        }
        for u in nkeys {
            if !names.insert(&u.nkey) {
                errs.push(span, format!("Duplicate nkey {:?} detected", u.nkey));
                return;
            }
        }
        cfg.users.extend(users.iter().cloned());
        cfg.nkey_users.extend(nkeys.iter().cloned());
    }
    if has_user {
        cfg.single_user = Some(SingleUser {
            username: auth.user.clone().unwrap_or_default(),
            password: auth.password.clone().unwrap_or_else(|| Secret::new("")),
        });
    }
    if has_token {
        cfg.token = auth.token.clone();
    }
}
