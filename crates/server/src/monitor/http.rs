//! The HTTP side: one thin handler per endpoint over the [`Monitor`] builders.
//!
//! Like the original, JSON is indented with two spaces, every response allows any origin
//! (CORS), and `?callback=name` wraps the JSON for JSONP.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::connz::ConnzOptions;
use super::subsz::SubszOptions;
use super::{accounts, metrics, page, BadRequest, Monitor};

type Params = Query<HashMap<String, String>>;
type Shared = State<Arc<Monitor>>;

pub(super) fn router(monitor: Arc<Monitor>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/varz", get(varz))
        .route("/connz", get(connz))
        .route("/routez", get(routez))
        .route("/gatewayz", get(gatewayz))
        .route("/leafz", get(leafz))
        .route("/subsz", get(subsz))
        .route("/subscriptionsz", get(subsz))
        .route("/accountz", get(accountz))
        .route("/accstatz", get(accstatz))
        .route("/jsz", get(jsz))
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .with_state(monitor)
}

async fn root(State(m): Shared) -> Response {
    m.count_request("/");
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page::HTML,
    )
        .into_response()
}

async fn varz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/varz");
    json(&q, &m.varz())
}

async fn connz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/connz");
    match ConnzOptions::from_query(&q) {
        Ok(opts) => json(&q, &m.connz(&opts)),
        Err(e) => bad_request(&e),
    }
}

async fn routez(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/routez");
    json(&q, &m.routez())
}

async fn gatewayz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/gatewayz");
    json(&q, &m.gatewayz())
}

async fn leafz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/leafz");
    json(&q, &m.leafz())
}

async fn subsz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/subsz");
    match SubszOptions::from_query(&q) {
        Ok(opts) => json(&q, &m.subsz(&opts)),
        Err(e) => bad_request(&e),
    }
}

async fn accountz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/accountz");
    match m.accountz(q.get("acc").map(String::as_str)) {
        Ok(z) => json(&q, &z),
        Err(e) => bad_request(&e),
    }
}

async fn accstatz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/accstatz");
    json(&q, &m.accstatz(accounts::unused_flag(&q)))
}

async fn jsz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/jsz");
    json(&q, &m.jsz())
}

async fn healthz(State(m): Shared, Query(q): Params) -> Response {
    m.count_request("/healthz");
    // The original answers this one unindented.
    let body = serde_json::to_vec(&m.healthz()).unwrap_or_default();
    respond(&q, body)
}

async fn prometheus(State(m): Shared) -> Response {
    m.count_request("/metrics");
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], m.metrics()).into_response()
}

fn json<T: Serialize>(q: &HashMap<String, String>, value: &T) -> Response {
    match serde_json::to_vec_pretty(value) {
        Ok(body) => respond(q, body),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn respond(q: &HashMap<String, String>, body: Vec<u8>) -> Response {
    let (content_type, body) = match q.get("callback").filter(|c| is_callback_name(c)) {
        Some(cb) => {
            let mut wrapped = Vec::with_capacity(body.len() + cb.len() + 2);
            wrapped.extend_from_slice(cb.as_bytes());
            wrapped.push(b'(');
            wrapped.extend_from_slice(&body);
            wrapped.push(b')');
            ("application/javascript", wrapped)
        }
        None => ("application/json", body),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A JSONP callback must be a plain identifier, or the response could carry script.
fn is_callback_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$')
}

fn bad_request(e: &BadRequest) -> Response {
    (StatusCode::BAD_REQUEST, e.0.clone()).into_response()
}
