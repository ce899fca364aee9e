//! Checks of the blocks of features rnats-server does not have yet. Only what is cheap and
//! makes the original refuse a file: files that must exist (TLS certificates and keys, operator
//! JWTs), TLS cipher and curve names, and a few rules of `authorization`.
//!
//! Files are opened relative to the working directory, as the original does.

use std::path::Path;
use std::time::Duration;

use rnats_conf::{Map, Span, Value, ValueKind};

use super::decode::Decoder;

/// TLS 1.2/1.3 cipher suites the original (Go's `crypto/tls`) knows and calls secure.
const SECURE_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
];

/// Cipher suites it knows but refuses unless `allow_insecure_cipher_suites` is set.
const INSECURE_CIPHERS: &[&str] = &[
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
];

const CURVES: &[&str] = &[
    "CurveP256",
    "CurveP384",
    "CurveP521",
    "X25519",
    "X25519MLKEM768",
];

/// What a user loses while an option is ignored, when that is worth saying.
pub(crate) fn consequence(option: &str) -> Option<&'static str> {
    match option {
        "tls" => Some("clients connect without TLS"),
        _ => None,
    }
}

/// Checks an unbuilt feature's value (already known to have the right shape).
pub(crate) fn check(d: &mut Decoder, option: &str, span: &Span, v: &Value) {
    match (option, &v.kind) {
        ("tls" | "resolver_tls", ValueKind::Map(m)) => tls(d, span, m),
        ("cluster" | "gateway" | "leafnodes" | "websocket" | "mqtt", ValueKind::Map(m)) => {
            nested_tls(d, option, m);
            let list = match option {
                "gateway" => "gateways",
                "leafnodes" => "remotes",
                _ => return,
            };
            if let Some(items) = get(m, list).and_then(|e| e.1.as_array()) {
                for item in items {
                    if let Some(inner) = item.as_map() {
                        nested_tls(d, &format!("{option}.{list}"), inner);
                    }
                }
            }
        }
        ("operator", _) => operator(d, span, v),
        _ => {}
    }
}

/// A key of a map, matched case-insensitively as the original does, with the key's span.
fn get<'m>(m: &'m Map, name: &str) -> Option<(&'m Span, &'m Value)> {
    m.get_ignore_case(name).map(|e| (&e.key.span, &e.value))
}

fn nested_tls(d: &mut Decoder, path: &str, m: &Map) {
    if let Some((span, v)) = get(m, "tls") {
        match v.as_map() {
            Some(tls_map) => tls(d, span, tls_map),
            None => d.error(span, format!("{path}.tls: expected a map")),
        }
    }
}

/// The first problem of a `tls` block, in the order the original finds them: names of
/// ciphers and curves while parsing, then the certificate files.
fn tls(d: &mut Decoder, span: &Span, m: &Map) {
    if let Err((at, message)) = tls_problem(m, span) {
        d.error(at, message);
    }
}

fn tls_problem<'m>(m: &'m Map, span: &'m Span) -> Result<(), (&'m Span, String)> {
    let allow_insecure = get(m, "allow_insecure_cipher_suites")
        .and_then(|(_, v)| v.as_bool())
        .unwrap_or(false);
    if let Some((at, v)) = get(m, "cipher_suites") {
        let names = strings(v);
        if names.is_empty() {
            return Err((
                at,
                "error parsing tls config, 'cipher_suites' cannot be empty".into(),
            ));
        }
        let mut insecure = Vec::new();
        for name in names {
            if INSECURE_CIPHERS.contains(&name) {
                insecure.push(name);
            } else if !SECURE_CIPHERS.contains(&name) {
                return Err((at, format!("unrecognized cipher {name}")));
            }
        }
        if !insecure.is_empty() && !allow_insecure {
            return Err((
                span,
                format!(
                    "insecure cipher suites configured without 'allow_insecure_cipher_suites' option set: {}",
                    insecure.join(", ")
                ),
            ));
        }
    }
    if let Some((at, v)) = get(m, "curve_preferences") {
        let names = strings(v);
        if names.is_empty() {
            return Err((
                at,
                "error parsing tls config, 'curve_preferences' cannot be empty".into(),
            ));
        }
        if let Some(bad) = names.iter().find(|n| !CURVES.contains(n)) {
            return Err((at, format!("unrecognized curve preference {bad}")));
        }
    }
    let pair = |m: &Map| {
        (
            get(m, "cert_file").and_then(|(_, v)| v.as_str().map(str::to_string)),
            get(m, "key_file").and_then(|(_, v)| v.as_str().map(str::to_string)),
        )
    };
    let (cert, key) = pair(m);
    for file in [cert, key].into_iter().flatten() {
        if let Err(reason) = readable(&file) {
            return Err((
                span,
                format!("error parsing X509 certificate/key pair: open {file}: {reason}"),
            ));
        }
    }
    let certs = get(m, "certs").or_else(|| get(m, "certificates"));
    if let Some(items) = certs.and_then(|(_, v)| v.as_array()) {
        for (i, item) in items.iter().enumerate() {
            let Some(entry) = item.as_map() else { continue };
            let (cert, key) = pair(entry);
            for file in [cert, key].into_iter().flatten() {
                if let Err(reason) = readable(&file) {
                    return Err((
                        span,
                        format!(
                            "error parsing X509 certificate/key pair {}/{}: open {file}: {reason}",
                            i + 1,
                            items.len()
                        ),
                    ));
                }
            }
        }
    }
    if let Some((_, v)) = get(m, "ca_file") {
        if let Some(file) = v.as_str() {
            if let Err(reason) = readable(file) {
                return Err((
                    span,
                    format!("error parsing ca_file: open {file}: {reason}"),
                ));
            }
        }
    }
    Ok(())
}

/// Strings of an array (or one string); other items are skipped.
fn strings(v: &Value) -> Vec<&str> {
    match &v.kind {
        ValueKind::Str(s) => vec![s.as_str()],
        ValueKind::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn readable(file: &str) -> Result<(), String> {
    std::fs::File::open(Path::new(file))
        .map(|_| ())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        })
}

/// `operator`: inline JWTs, or files that must exist.
fn operator(d: &mut Decoder, span: &Span, v: &Value) {
    for item in strings(v) {
        // A JWT's header starts `{"` and so its base64 starts `eyJ`.
        if item.starts_with("eyJ") {
            continue;
        }
        if let Err(reason) = readable(item) {
            d.error(
                span,
                format!("error parsing operator JWT: open {item}: {reason}"),
            );
        }
    }
}

/// The cheap rules of `authorization { ... }`; returns its `timeout` if set.
pub(crate) fn authorization(d: &mut Decoder, m: &Map) -> Option<Duration> {
    let mut timeout = None;
    let mut has_user = None;
    let mut has_token = None;
    let mut users_span = None;
    for entry in m {
        let (span, v) = (&entry.key.span, &entry.value);
        match entry.key.name.to_ascii_lowercase().as_str() {
            "timeout" => timeout = d.seconds(span, "authorization.timeout", v),
            "user" | "username" | "pass" | "password"
                if d.string(span, "authorization.user", v).is_some() =>
            {
                has_user.get_or_insert(span);
            }
            "token" if d.string(span, "authorization.token", v).is_some() => {
                has_token = Some(span);
            }
            "users" => {
                if !matches!(v.kind, ValueKind::Array(_)) {
                    d.error(
                        span,
                        format!(
                            "Expected users field to be an array, got {}",
                            super::decode::describe(v)
                        ),
                    );
                }
                users_span = Some(span);
            }
            _ => {}
        }
    }
    if let (Some(_), Some(span)) = (has_user, has_token) {
        d.error(span, "Cannot have a user/pass and token");
    }
    if let (Some(_), Some(span)) = (has_token, users_span) {
        d.error(span, "Can not have a token and a users array");
    }
    timeout
}
