//! The URL resolver's HTTP client: one `GET` per fetch over `http://` or `https://`, bounded
//! by [`FETCH_TIMEOUT`], with the original's error words.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// How long one fetch may take (the original's account fetch timeout).
pub const FETCH_TIMEOUT: Duration = Duration::from_millis(1900);

/// `GET url`: the body of a `200` answer. An `https://` URL trusts the CAs of `ca_file`, else
/// the system's.
///
/// # Errors
/// The original's words: `could not fetch <"url">: <why>`.
pub async fn get(url: &str, ca_file: Option<&Path>) -> Result<String, String> {
    let failed = |why: String| format!("could not fetch <{url:?}>: {why}");
    match tokio::time::timeout(FETCH_TIMEOUT, connect_and_get(url, ca_file)).await {
        Ok(result) => result.map_err(failed),
        Err(_) => Err(failed(format!(
            "Get {url:?}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        ))),
    }
}

async fn connect_and_get(url: &str, ca_file: Option<&Path>) -> Result<String, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{e}"))?;
    let host = uri.host().ok_or("no host")?.to_string();
    let https = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("Get {url:?}: dial tcp {host}:{port}: {e}"))?;
    if !https {
        return request(stream, url, &uri).await;
    }
    let config = client_config(ca_file).map_err(|e| format!("Get {url:?}: {e}"))?;
    let name = ServerName::try_from(host.clone()).map_err(|e| format!("Get {url:?}: {e}"))?;
    let stream = TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| format!("Get {url:?}: tls: {e}"))?;
    request(stream, url, &uri).await
}

/// The TLS client settings: the CAs of `ca_file`, or the system's.
fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let roots = match ca_file {
        Some(file) => crate::tls::root_store(file).map_err(|e| e.to_string())?,
        None => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            roots
        }
    };
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One HTTP/1.1 `GET` over `io`.
async fn request<IO>(io: IO, url: &str, uri: &hyper::Uri) -> Result<String, String>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("Get {url:?}: {e}"))?;
    tokio::spawn(connection);
    let authority = uri.authority().map_or(String::new(), ToString::to_string);
    let path = uri
        .path_and_query()
        .map_or("/".to_string(), ToString::to_string);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::USER_AGENT, "rnats-server")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("Get {url:?}: {e}"))?;
    let status = response.status();
    if status != hyper::StatusCode::OK {
        let reason = response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
            .or_else(|| status.canonical_reason().map(str::to_string))
            .unwrap_or_default();
        return Err(format!("{} {reason}", status.as_u16()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
}
