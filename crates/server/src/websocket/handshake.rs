//! The HTTP/1.1 upgrade request of a WebSocket client (RFC 6455 §4.2), checked in the
//! original's order, with its error texts.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::WebsocketOptions;

/// Longest upgrade request accepted.
const MAX_REQUEST: usize = 16 * 1024;
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// What the upgrade request told us.
#[derive(Debug, Default)]
pub struct Upgrade {
    /// The value of the `jwt_cookie` cookie, when configured and sent.
    pub cookie_jwt: Option<String>,
    /// `X-Forwarded-For`, when it is an IP address.
    pub forwarded_for: Option<std::net::IpAddr>,
    /// `User-Agent` starts with `Mozilla/`.
    pub browser: bool,
}

/// A refused upgrade: the HTTP status sent back and the reason logged.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub reason: String,
}

impl Refused {
    fn new(status: u16, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    }
}

/// The `Sec-WebSocket-Accept` value for a client key.
pub fn accept_key(key: &str) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes())
}

/// Reads and checks the upgrade request and answers it: `101 Switching Protocols`, or an HTTP
/// error (then the error is returned, for the log).
///
/// # Errors
/// The request is refused, malformed, or the socket failed.
pub async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    options: &WebsocketOptions,
    tls: bool,
) -> Result<Upgrade, Refused> {
    let mut buf = Vec::with_capacity(1024);
    let head_len = loop {
        let mut chunk = [0u8; 2048];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Refused::new(0, e.to_string()))?;
        if n == 0 {
            return Err(Refused::new(0, "connection closed during handshake"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_REQUEST {
            return reject(stream, Refused::new(400, "request too large")).await;
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    if request.parse(&buf[..head_len]).is_err() {
        return reject(stream, Refused::new(400, "malformed request")).await;
    }
    let checked = check(&request, options, tls);
    let upgrade = match checked {
        Ok(u) => u,
        Err(refused) => return reject(stream, refused).await,
    };
    if buf.len() > head_len {
        return reject(
            stream,
            Refused::new(400, "client sent data before handshake is complete"),
        )
        .await;
    }
    let key = header(&request, "Sec-WebSocket-Key").unwrap_or_default();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key.trim())
    );
    stream
        .write_all(response.as_bytes())
        .await
        .map_err(|e| Refused::new(0, e.to_string()))?;
    Ok(upgrade)
}

async fn reject<S: AsyncWrite + Unpin>(
    stream: &mut S,
    refused: Refused,
) -> Result<Upgrade, Refused> {
    let text = status_text(refused.status);
    let body = format!("{text}\n");
    let response = format!(
        "HTTP/1.1 {} {text}\r\nContent-Type: text/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        refused.status,
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    Err(refused)
}

fn header<'r>(request: &'r httparse::Request<'_, '_>, name: &str) -> Option<&'r str> {
    request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .and_then(|h| std::str::from_utf8(h.value).ok())
}

/// Whether any `name` header holds `token` in its comma-separated list.
fn header_contains(request: &httparse::Request<'_, '_>, name: &str, token: &str) -> bool {
    request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn check(
    request: &httparse::Request<'_, '_>,
    options: &WebsocketOptions,
    tls: bool,
) -> Result<Upgrade, Refused> {
    if request.method != Some("GET") {
        return Err(Refused::new(405, "request method must be GET"));
    }
    let host = header(request, "Host").unwrap_or_default();
    if host.is_empty() {
        return Err(Refused::new(400, "'Host' missing in request"));
    }
    if !header_contains(request, "Upgrade", "websocket") {
        return Err(Refused::new(400, "invalid value for header 'Upgrade'"));
    }
    if !header_contains(request, "Connection", "Upgrade") {
        return Err(Refused::new(400, "invalid value for header 'Connection'"));
    }
    if header(request, "Sec-WebSocket-Key").is_none_or(|k| k.trim().is_empty()) {
        return Err(Refused::new(400, "key missing"));
    }
    if !header_contains(request, "Sec-WebSocket-Version", "13") {
        return Err(Refused::new(400, "invalid version"));
    }
    if let Err(why) = check_origin(request, options, host, tls) {
        return Err(Refused::new(403, format!("origin not allowed: {why}")));
    }
    let mut upgrade = Upgrade {
        forwarded_for: header(request, "X-Forwarded-For").and_then(|v| v.trim().parse().ok()),
        browser: header(request, "User-Agent").is_some_and(|ua| ua.starts_with("Mozilla/")),
        ..Upgrade::default()
    };
    if let Some(name) = &options.jwt_cookie {
        upgrade.cookie_jwt = request
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("Cookie"))
            .filter_map(|h| std::str::from_utf8(h.value).ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string());
    }
    Ok(upgrade)
}

/// Host (lower case) and port of `host[:port]`, the port defaulting by scheme.
fn host_and_port(tls: bool, hostport: &str) -> (String, String) {
    let default = if tls { "443" } else { "80" };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
            (h.to_string(), p.to_string())
        }
        _ => (hostport.to_string(), default.to_string()),
    };
    (
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase(),
        port,
    )
}

/// `scheme://host[:port]` of an origin.
fn parse_origin(origin: &str) -> Result<(String, String, String), String> {
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or_else(|| format!("parse {origin:?}: invalid URI for request"))?;
    let hostport = rest.split('/').next().unwrap_or_default();
    let (host, port) = host_and_port(scheme == "https", hostport);
    Ok((scheme.to_string(), host, port))
}

fn check_origin(
    request: &httparse::Request<'_, '_>,
    options: &WebsocketOptions,
    request_host: &str,
    tls: bool,
) -> Result<(), String> {
    if !options.same_origin && options.allowed_origins.is_empty() {
        return Ok(());
    }
    let origin = header(request, "Origin")
        .filter(|o| !o.is_empty())
        .or_else(|| header(request, "Sec-WebSocket-Origin"))
        .unwrap_or_default();
    if origin.is_empty() {
        return Ok(());
    }
    let (scheme, host, port) = parse_origin(origin)?;
    if options.same_origin {
        let (rh, rp) = host_and_port(tls, request_host);
        if host != rh || port != rp {
            return Err("not same origin".into());
        }
    }
    if !options.allowed_origins.is_empty() {
        let allowed = options
            .allowed_origins
            .iter()
            .any(|a| parse_origin(a).is_ok_and(|(s, h, p)| s == scheme && h == host && p == port));
        if !allowed {
            return Err("not in the allowed list".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc6455_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn origins_default_their_port_by_scheme() {
        assert_eq!(
            parse_origin("https://Example.com").unwrap(),
            ("https".into(), "example.com".into(), "443".into())
        );
        assert_eq!(
            parse_origin("http://a.b:8080/x").unwrap(),
            ("http".into(), "a.b".into(), "8080".into())
        );
    }
}
