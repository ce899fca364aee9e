//! Config tree to [`AuthConfig`]: the `authorization`, `accounts`, `no_auth_user` and
//! `system_account` keys of the top-level map, decoded as nats-server's `opts.go` does
//! (`parseAuthorization`, `parseUsers`, `parseUserPermissions`, `parseAccounts`, ...).
//!
//! Every error is collected; cross-account rules run afterwards in [`crate::validate`], and only
//! when decoding found nothing wrong (the original bails out the same way).

mod accounts;
mod permissions;
mod users;

use rnats_conf::{Map, Span, Value, ValueKind};

use crate::{AuthConfig, ConfigError, ConfigErrors, Secret, GLOBAL_ACCOUNT};

pub(crate) use accounts::{RawAccounts, RawImport};
pub use permissions::decode_permissions;
pub(crate) use users::is_public_key;

/// Errors collected while decoding.
#[derive(Default)]
pub(crate) struct Errors(pub(crate) Vec<ConfigError>);

impl Errors {
    pub(crate) fn push(&mut self, span: &Span, message: impl Into<String>) {
        self.0.push(ConfigError::new(span, message));
    }

    pub(crate) fn unknown_field(&mut self, key: &rnats_conf::Key) {
        self.push(&key.span, format!("unknown field {:?}", key.name));
    }
}

/// Go's `%T` name for a value, as the original's messages print it.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v.kind {
        ValueKind::Bool(_) => "bool",
        ValueKind::Int(_) => "int64",
        ValueKind::Float(_) => "float64",
        ValueKind::Str(_) => "string",
        ValueKind::Datetime(_) => "time.Time",
        ValueKind::Array(_) => "[]interface {}",
        ValueKind::Map(_) => "map[string]interface {}",
    }
}

/// A string value, or an error naming the field.
pub(crate) fn expect_str<'a>(v: &'a Value, field: &str, errs: &mut Errors) -> Option<&'a str> {
    match v.as_str() {
        Some(s) => Some(s),
        None => {
            errs.push(
                &v.span,
                format!("expected {field:?} to be a string, got {}", go_type(v)),
            );
            None
        }
    }
}

/// A bool value, or an error naming the field.
pub(crate) fn expect_bool(v: &Value, field: &str, errs: &mut Errors) -> Option<bool> {
    match v.as_bool() {
        Some(b) => Some(b),
        None => {
            errs.push(
                &v.span,
                format!("expected {field:?} to be a boolean, got {}", go_type(v)),
            );
            None
        }
    }
}

/// Decode the auth-related keys of a whole config (the top-level map of
/// [`rnats_conf::parse_file`]). Other keys are ignored: they belong to the server.
///
/// # Errors
/// Every problem found, each with its `file:line:col` and nats-server's wording where it has
/// one.
pub fn decode_auth_config(top: &Map) -> Result<AuthConfig, ConfigErrors> {
    let mut errs = Errors::default();
    let mut cfg = AuthConfig::default();
    let mut raw_accounts: Option<(RawAccounts, Span)> = None;
    let mut authorization: Option<(users::Authorization, Span)> = None;
    let mut authorization_first = false;
    let mut no_auth_span = None;
    let mut system_span = None;

    for entry in top {
        let v = &entry.value;
        match entry.key.name.to_ascii_lowercase().as_str() {
            "authorization" => {
                if raw_accounts.is_none() {
                    authorization_first = true;
                }
                if let Some(a) = users::decode_authorization(v, &mut errs) {
                    authorization = Some((a, v.span.clone()));
                }
            }
            "accounts" => {
                raw_accounts = Some((accounts::decode_accounts(v, &mut errs), v.span.clone()));
            }
            "no_auth_user" => {
                cfg.no_auth_user = expect_str(v, "no_auth_user", &mut errs).map(String::from);
                no_auth_span = Some(v.span.clone());
            }
            "system_account" | "system" => {
                cfg.system_account = expect_str(v, "system_account", &mut errs).map(String::from);
                system_span = Some(v.span.clone());
            }
            _ => {}
        }
    }

    let (raw, accounts_span) = match raw_accounts {
        Some((raw, span)) => (raw, Some(span)),
        None => (RawAccounts::default(), None),
    };
    let mut names = crate::validate::NameCheck::default();
    // Users are registered in the order the original meets them, so a duplicate is reported
    // at the later block.
    if authorization_first {
        if let Some((auth, span)) = &authorization {
            users::apply_authorization(&mut cfg, auth, span, &mut names, false, &mut errs);
        }
        accounts::apply_account_users(&mut cfg, &raw, &mut names, &mut errs);
    } else {
        accounts::apply_account_users(&mut cfg, &raw, &mut names, &mut errs);
        if let Some((auth, span)) = &authorization {
            users::apply_authorization(&mut cfg, auth, span, &mut names, true, &mut errs);
        }
    }

    if errs.0.is_empty() {
        if let Some(span) = &accounts_span {
            cfg.accounts = crate::validate::resolve_accounts(raw, span, &mut errs);
        } else {
            cfg.accounts = Vec::new();
        }
        crate::validate::check_references(&cfg, no_auth_span, system_span, &mut errs);
    }

    if errs.0.is_empty() {
        Ok(cfg)
    } else {
        Err(ConfigErrors(errs.0))
    }
}

/// A `Secret` from a string value (bcrypt hashes written bare as `$2a$...` arrive as strings).
pub(crate) fn secret(v: &Value, field: &str, errs: &mut Errors) -> Option<Secret> {
    expect_str(v, field, errs).map(Secret::new)
}

pub(crate) fn global() -> String {
    GLOBAL_ACCOUNT.to_string()
}

#[cfg(test)]
mod tests;
