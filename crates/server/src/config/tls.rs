//! `tls { ... }`, `allow_non_tls` and `websocket { ... }` decoded into typed options.
//!
//! File checks (that certificates exist, cipher names) stay in [`super::features`], which runs
//! first; this only types the values. Keys rnats does not act on (`curve_preferences`,
//! `pinned_certs`, OCSP, cert stores, ...) are accepted and ignored.

use std::path::PathBuf;

use rnats_conf::{Map, Span, Value, ValueKind};

use super::decode::Decoder;
use crate::tls::{HandshakeFirst, TlsOptions, TlsVersion, DEFAULT_FALLBACK_DELAY};
use crate::websocket::WebsocketOptions;

/// A `tls` block.
pub(crate) fn decode_tls(d: &mut Decoder, path: &str, m: &Map) -> TlsOptions {
    let mut tls = TlsOptions::default();
    for entry in m {
        let (span, v) = (&entry.key.span, &entry.value);
        let key = entry.key.name.to_ascii_lowercase();
        let here = format!("{path}.{key}");
        match key.as_str() {
            "cert_file" => tls.cert_file = d.string(span, &here, v).map(PathBuf::from),
            "key_file" => tls.key_file = d.string(span, &here, v).map(PathBuf::from),
            "ca_file" => tls.ca_file = d.string(span, &here, v).map(PathBuf::from),
            "verify" => tls.verify = d.boolean(span, &here, v).unwrap_or(false),
            "verify_and_map" => tls.map = d.boolean(span, &here, v).unwrap_or(false),
            "timeout" => {
                if let Some(t) = d.seconds(span, &here, v) {
                    if !t.is_zero() {
                        tls.timeout = t;
                    }
                }
            }
            "handshake_first" | "first" | "immediate" => {
                tls.handshake_first = handshake_first(d, span, &here, v);
            }
            "cipher_suites" => tls.cipher_suites = strings(v),
            "min_version" => {
                if let Some(text) = d.string(span, &here, v) {
                    match TlsVersion::parse(text) {
                        Some(version) => tls.min_version = Some(version),
                        None => d.error(span, format!("unknown version: {text}")),
                    }
                }
            }
            _ => {}
        }
    }
    tls
}

fn handshake_first(d: &mut Decoder, span: &Span, path: &str, v: &Value) -> HandshakeFirst {
    match &v.kind {
        ValueKind::Bool(true) => HandshakeFirst::Immediate,
        ValueKind::Bool(false) => HandshakeFirst::Off,
        ValueKind::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "on" => HandshakeFirst::Immediate,
            "false" | "off" => HandshakeFirst::Off,
            "auto" | "auto_fallback" => HandshakeFirst::Fallback(DEFAULT_FALLBACK_DELAY),
            _ => match d.seconds(span, path, v) {
                Some(delay) => HandshakeFirst::Fallback(delay),
                None => HandshakeFirst::Off,
            },
        },
        _ => {
            d.error(
                span,
                format!(
                    "{path}: expected a boolean or a duration, got {}",
                    super::decode::describe(v)
                ),
            );
            HandshakeFirst::Off
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    match &v.kind {
        ValueKind::Str(s) => vec![s.clone()],
        ValueKind::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A `websocket` block.
pub(crate) fn decode_websocket(d: &mut Decoder, m: &Map) -> WebsocketOptions {
    let mut ws = WebsocketOptions::default();
    for entry in m {
        let (span, v) = (&entry.key.span, &entry.value);
        let key = entry.key.name.to_ascii_lowercase();
        let here = format!("websocket.{key}");
        match key.as_str() {
            "listen" => {
                if let Some(text) = d.string(span, &here, v) {
                    match text.rsplit_once(':') {
                        Some((host, port)) => {
                            if !host.is_empty() {
                                if let Some(ip) = d.host(span, &here, host) {
                                    ws.host = ip;
                                }
                            }
                            match port.parse::<i64>() {
                                Ok(p) => ws.port = d.port(span, &here, p, 0).unwrap_or(0),
                                Err(_) => d.error(span, format!("{here}: invalid port {port:?}")),
                            }
                        }
                        None => d.error(span, format!("could not parse address string {text:?}")),
                    }
                }
            }
            "port" => {
                if let Some(p) = d.int(span, &here, v) {
                    ws.port = d.port(span, &here, p, 0).unwrap_or(0);
                }
            }
            "host" | "net" => {
                if let Some(text) = d.string(span, &here, v) {
                    if let Some(ip) = d.host(span, &here, text) {
                        ws.host = ip;
                    }
                }
            }
            "advertise" => ws.advertise = d.string(span, &here, v).map(str::to_string),
            "no_tls" => ws.no_tls = d.boolean(span, &here, v).unwrap_or(false),
            "tls" => {
                if let Some(inner) = d.map(span, &here, v) {
                    ws.tls = Some(decode_tls(d, "websocket.tls", inner));
                }
            }
            "compress" | "compression" => {
                ws.compression = d.boolean(span, &here, v).unwrap_or(false);
            }
            "same_origin" => ws.same_origin = d.boolean(span, &here, v).unwrap_or(false),
            "allowed_origins" | "allowed_origin" | "allow_origins" | "allow_origin" | "origins"
            | "origin" => ws.allowed_origins = strings(v),
            "handshake_timeout" => {
                if let Some(t) = d.seconds(span, &here, v) {
                    ws.handshake_timeout = t;
                }
            }
            "jwt_cookie" => ws.jwt_cookie = d.string(span, &here, v).map(str::to_string),
            "authorization" | "authentication" => {
                if let Some(auth) = d.map(span, &here, v) {
                    websocket_auth(d, &mut ws, auth);
                }
            }
            "no_auth_user" => ws.no_auth_user = d.string(span, &here, v).map(str::to_string),
            _ => {}
        }
    }
    ws
}

/// `websocket.authorization { user, password, token, timeout }`.
fn websocket_auth(d: &mut Decoder, ws: &mut WebsocketOptions, m: &Map) {
    for entry in m {
        let (span, v) = (&entry.key.span, &entry.value);
        let key = entry.key.name.to_ascii_lowercase();
        let here = format!("websocket.authorization.{key}");
        match key.as_str() {
            "user" | "username" => ws.username = d.string(span, &here, v).map(str::to_string),
            "pass" | "password" => ws.password = d.string(span, &here, v).map(str::to_string),
            "token" => ws.token = d.string(span, &here, v).map(str::to_string),
            "timeout" => ws.auth_timeout = d.seconds(span, &here, v),
            _ => {}
        }
    }
}
