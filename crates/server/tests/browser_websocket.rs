//! The official JavaScript client in a real browser: headless Chromium loads a page that uses
//! `nats.ws` (from the npm registry, cached under `target/browser-js/`) over WebSocket, and
//! exchanges messages with an async-nats client over TCP. The test checks what the page
//! received (its DOM) and what the TCP client received; a screenshot is kept at
//! `target/browser/websocket.png`. Skips without `/usr/bin/chromium` or without npm (or the
//! registry).

mod browser;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use browser::{inner_html, text_of};
use futures::StreamExt;
use rnats_test_support::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

const NATS_WS: &str = "nats.ws@1";

/// The longest the page is given, in real time, to finish its exchange.
const HOLD_LIMIT: Duration = Duration::from_secs(20);

/// `nats.ws`'s ES module bundle (self-contained), installed with npm into
/// `target/browser-js/` on first use; `None` (and a line saying the test skips) when npm is
/// missing or fails (offline, say).
async fn nats_ws_bundle() -> Option<PathBuf> {
    let prefix = browser::target_dir().join("browser-js");
    let bundle = prefix.join("node_modules/nats.ws/esm/nats.js");
    if bundle.exists() {
        return Some(bundle);
    }
    std::fs::create_dir_all(&prefix).expect("create target/browser-js");
    let run = tokio::process::Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args([
            NATS_WS,
            "--no-audit",
            "--no-fund",
            "--fetch-retries=1",
            "--fetch-timeout=30000",
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(180), run).await {
        Ok(Ok(out)) if out.status.success() && bundle.exists() => Some(bundle),
        Ok(Ok(out)) => {
            println!(
                "skipped: `npm install {NATS_WS}` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Ok(Err(e)) => {
            println!("skipped: npm not available ({e})");
            None
        }
        Err(_) => {
            println!("skipped: `npm install {NATS_WS}` took more than 3 minutes");
            None
        }
    }
}

/// The page: connects to the WebSocket listener with nats.ws, subscribes to `browser.inbox`,
/// says hello on `tcp.inbox`, lists the two messages it gets back, then makes a request on
/// `tcp.echo`, and writes everything into the DOM.
fn page(ws_url: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nats.ws and rnats-server</title>
<style>
  body {{ font: 15px/1.5 system-ui, sans-serif; margin: 24px; color: #1d2430; }}
  h1 {{ font-size: 20px; }}
  dt {{ color: #6b7483; font-size: 12px; text-transform: uppercase; margin-top: 10px; }}
  dd {{ margin: 2px 0 0; font-family: ui-monospace, monospace; }}
</style>
</head>
<body>
<h1>nats.ws in Chromium, over WebSocket, talking to a TCP client</h1>
<dl>
  <dt>status</dt><dd id="status">loading</dd>
  <dt>server</dt><dd id="server"></dd>
  <dt>received on browser.inbox</dt><dd><ol id="received"></ol></dd>
  <dt>reply to the request on tcp.echo</dt><dd id="reply"></dd>
</dl>
<script type="module">
import {{ connect, StringCodec }} from "./nats.js";
const $ = (id) => document.getElementById(id);
const sc = StringCodec();
try {{
  const nc = await connect({{ servers: "{ws_url}", name: "chromium" }});
  $("status").textContent = "connected";
  $("server").textContent = nc.info.server_id;
  const sub = nc.subscribe("browser.inbox", {{ max: 2 }});
  await nc.flush();
  nc.publish("tcp.inbox", sc.encode("hello from browser"));
  for await (const m of sub) {{
    const li = document.createElement("li");
    li.textContent = sc.decode(m.data);
    $("received").append(li);
  }}
  const r = await nc.request("tcp.echo", sc.encode("ping from browser"), {{ timeout: 5000 }});
  $("reply").textContent = sc.decode(r.data);
  await nc.drain();
  $("status").textContent = "done";
}} catch (e) {{
  $("status").textContent = "error: " + e;
}}
await fetch("done", {{ method: "POST", body: $("status").textContent }});
</script>
<!-- The page's load event, after which Chromium dumps the DOM, waits for this frame, which
     the test's HTTP server answers once the page has posted to /done. -->
<iframe src="hold" hidden></iframe>
</body>
</html>
"#
    )
}

/// A static HTTP/1.1 server for the page and the bundle, on loopback; one request per
/// connection. Besides the files: `POST /done` takes the page's final status (sent on the
/// returned channel), and `GET /hold` is answered only after that (or after [`HOLD_LIMIT`]).
async fn serve(
    files: Vec<(&'static str, &'static str, Vec<u8>)>,
) -> (std::net::SocketAddr, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let (finished, _) = watch::channel(false);
    let finished = Arc::new(finished);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let files = files.clone();
            let done_tx = done_tx.clone();
            let finished = finished.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                let mut body_in = head.split_off(end);
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or(path);
                let (status, kind, body) = match path {
                    "/done" => {
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        while body_in.len() < length {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => body_in.extend_from_slice(&buf[..n]),
                            }
                        }
                        let _ = done_tx.send(String::from_utf8_lossy(&body_in).into_owned());
                        finished.send_replace(true);
                        ("200 OK", "text/plain", &b"ok"[..])
                    }
                    "/hold" => {
                        let mut rx = finished.subscribe();
                        let _ = tokio::time::timeout(HOLD_LIMIT, rx.wait_for(|f| *f)).await;
                        ("200 OK", "text/html", &b""[..])
                    }
                    _ => match files.iter().find(|(p, _, _)| *p == path) {
                        Some((_, kind, body)) => ("200 OK", *kind, &body[..]),
                        None => ("404 Not Found", "text/plain", &b"not found"[..]),
                    },
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                     Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.write_all(body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, done_rx)
}

#[tokio::test]
async fn nats_ws_in_chromium_talks_to_a_tcp_client() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let Some(bundle) = nats_ws_bundle().await else {
        return;
    };
    let server =
        TestServer::start_with_config("websocket { host: 127.0.0.1, port: -1, no_tls: true }");
    let ws_addr = server
        .server()
        .websocket_addr()
        .expect("websocket listener");

    // The TCP side: answers the browser's hello with two messages, and echoes requests.
    let tcp = async_nats::connect(server.url()).await.unwrap();
    let mut inbox = tcp.subscribe("tcp.inbox").await.unwrap();
    let mut echo = tcp.subscribe("tcp.echo").await.unwrap();
    tcp.flush().await.unwrap();
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let client = tcp.clone();
    tokio::spawn(async move {
        while let Some(m) = inbox.next().await {
            let said = String::from_utf8_lossy(&m.payload).into_owned();
            let _ = heard_tx.send((m.subject.to_string(), said.clone()));
            client
                .publish("browser.inbox", "hello from tcp".into())
                .await
                .unwrap();
            client
                .publish("browser.inbox", format!("you said: {said}").into())
                .await
                .unwrap();
            client.flush().await.unwrap();
        }
    });
    let client = tcp.clone();
    tokio::spawn(async move {
        while let Some(m) = echo.next().await {
            if let Some(reply) = m.reply {
                let answer = format!("echo: {}", String::from_utf8_lossy(&m.payload));
                client.publish(reply, answer.into()).await.unwrap();
                client.flush().await.unwrap();
            }
        }
    });

    let ws_url = format!("ws://{ws_addr}");
    let (site, mut page_done) = serve(vec![
        ("/", "text/html; charset=utf-8", page(&ws_url).into_bytes()),
        (
            "/nats.js",
            "text/javascript",
            std::fs::read(&bundle).expect("read the nats.ws bundle"),
        ),
    ])
    .await;

    let shot = browser::screenshot_path("websocket.png");
    let dom = chromium
        .render(&format!("http://{site}/"), None, &shot)
        .await;
    println!("screenshot: {}", shot.display());

    // What the page received.
    assert_eq!(page_done.try_recv().as_deref(), Ok("done"), "{dom}");
    assert_eq!(text_of(&dom, "status"), Some("done"), "{dom}");
    assert_eq!(
        text_of(&dom, "server"),
        Some(&*tcp.server_info().server_id),
        "{dom}"
    );
    assert_eq!(
        inner_html(&dom, "received"),
        Some("<li>hello from tcp</li><li>you said: hello from browser</li>"),
        "{dom}"
    );
    assert_eq!(
        text_of(&dom, "reply"),
        Some("echo: ping from browser"),
        "{dom}"
    );

    // What the TCP client received from the browser.
    let (subject, said) = heard
        .recv()
        .await
        .expect("the TCP client heard the browser");
    assert_eq!(subject, "tcp.inbox");
    assert_eq!(said, "hello from browser");
    assert!(heard.try_recv().is_err(), "one hello per page load");
}
