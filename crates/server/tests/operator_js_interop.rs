//! Operator mode with JWTs made by the official JavaScript libraries (`@nats-io/jwt` and
//! `@nats-io/nkeys`, from the npm registry, cached under `target/js-jwt/`): a Node script
//! creates an operator, a system account, an account exporting a public stream, an account
//! importing it, and creds for a user of each, signed the way `nsc` signs them. The server
//! preloads the accounts with a MEMORY resolver; async-nats clients log in with the creds.
//! Skips without node or npm (or the registry).

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use rnats_test_support::TestServer;

const PACKAGES: [&str; 2] = ["@nats-io/jwt", "@nats-io/nkeys"];

/// The Node script: prints the operator JWT, the system account's key, the account JWTs by
/// key, and the creds as JSON.
const SCRIPT: &str = r#"
import { encodeOperator, encodeAccount, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createOperator, createAccount, createUser } from "@nats-io/nkeys";

const dec = new TextDecoder();
const operator = createOperator();
const sys = createAccount();
const a = createAccount();
const b = createAccount();
const stranger = createAccount();
const signer = { signer: operator };
// nsc writes every account limit, -1 for none; a JWT without `limits` decodes as all zeros,
// which the server (like nats-server) reads as "no connections allowed".
const limits = {
  subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1,
  leaf: -1,
};

const operatorJwt = await encodeOperator("O", operator, {
  system_account: sys.getPublicKey(),
});
const sysJwt = await encodeAccount("SYS", sys, { limits }, signer);
const aJwt = await encodeAccount("A", a, {
  limits,
  exports: [{ name: "news", subject: "news.>", type: "stream" }],
}, signer);
const bJwt = await encodeAccount("B", b, {
  limits,
  imports: [{
    name: "news",
    subject: "news.>",
    account: a.getPublicKey(),
    type: "stream",
  }],
}, signer);

async function creds(name, account) {
  const user = createUser();
  const jwt = await encodeUser(name, user, account);
  return dec.decode(fmtCreds(jwt, user));
}

// A user claiming account A, but signed by an account key A never listed as a signer.
const forged = createUser();
const forgedJwt = await encodeUser("forged", forged, a.getPublicKey(), {}, {
  signer: stranger,
});

console.log(JSON.stringify({
  operator: operatorJwt,
  sys: sys.getPublicKey(),
  accounts: {
    [sys.getPublicKey()]: sysJwt,
    [a.getPublicKey()]: aJwt,
    [b.getPublicKey()]: bJwt,
  },
  a_creds: await creds("ua", a),
  b_creds: await creds("ub", b),
  wrong_creds: await creds("stranger", stranger),
  forged_creds: dec.decode(fmtCreds(forgedJwt, forged)),
}));
"#;

/// `target/`, from the directory cargo gives integration tests (`target/tmp`).
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// `target/js-jwt/` with the two packages installed by npm on first use; `None` (and a line
/// saying the test skips) when npm is missing or fails (offline, say).
async fn js_jwt() -> Option<PathBuf> {
    let prefix = target_dir().join("js-jwt");
    let installed = |p: &Path| {
        PACKAGES.iter().all(|pkg| {
            p.join("node_modules")
                .join(pkg)
                .join("package.json")
                .exists()
        })
    };
    if installed(&prefix) {
        return Some(prefix);
    }
    std::fs::create_dir_all(&prefix).expect("create target/js-jwt");
    let run = tokio::process::Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args(PACKAGES)
        .args([
            "--no-audit",
            "--no-fund",
            "--fetch-retries=1",
            "--fetch-timeout=30000",
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(180), run).await {
        Ok(Ok(out)) if out.status.success() && installed(&prefix) => Some(prefix),
        Ok(Ok(out)) => {
            println!(
                "skipped: `npm install {}` failed ({}): {}",
                PACKAGES.join(" "),
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
            println!("skipped: `npm install` took more than 3 minutes");
            None
        }
    }
}

/// Runs the script with node (from `prefix`, so it finds the packages) and parses its output.
async fn generate(prefix: &Path) -> Option<serde_json::Value> {
    let script = prefix.join("operator.mjs");
    std::fs::write(&script, SCRIPT).expect("write the script");
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .current_dir(prefix)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(Duration::from_secs(60), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            println!("skipped: node not available ({e})");
            return None;
        }
        Err(_) => panic!("node took more than a minute"),
    };
    assert!(
        out.status.success(),
        "node failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the script prints JSON"))
}

fn config(made: &serde_json::Value) -> String {
    let preload: String = made["accounts"]
        .as_object()
        .expect("accounts")
        .iter()
        .map(|(key, jwt)| format!("  {key}: \"{}\"\n", jwt.as_str().unwrap()))
        .collect();
    format!(
        "operator: \"{}\"\nsystem_account: {}\nresolver: MEMORY\nresolver_preload: {{\n{preload}}}\n",
        made["operator"].as_str().unwrap(),
        made["sys"].as_str().unwrap(),
    )
}

async fn connect(server: &TestServer, creds: &str) -> Result<async_nats::Client, String> {
    let opts = async_nats::ConnectOptions::with_credentials(creds).map_err(|e| e.to_string())?;
    tokio::time::timeout(Duration::from_secs(5), opts.connect(server.url()))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| e.to_string())
}

async fn next(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_secs(2), sub.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn jwts_from_the_javascript_libraries_are_accepted() {
    let Some(prefix) = js_jwt().await else {
        return;
    };
    let Some(made) = generate(&prefix).await else {
        return;
    };
    let server = TestServer::start_with_config(&config(&made));

    let a = connect(&server, made["a_creds"].as_str().unwrap())
        .await
        .expect("A's user connects");
    let b = connect(&server, made["b_creds"].as_str().unwrap())
        .await
        .expect("B's user connects");
    let mut b_news = b.subscribe("news.>").await.unwrap();
    let mut a_news = a.subscribe("news.>").await.unwrap();
    for c in [&a, &b] {
        c.flush().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    a.publish("news.today", "from A".into()).await.unwrap();
    a.flush().await.unwrap();
    let m = next(&mut b_news)
        .await
        .expect("B receives through the import");
    assert_eq!(m.subject.as_str(), "news.today");
    assert_eq!(&m.payload[..], b"from A");
    let m = next(&mut a_news).await.expect("A receives its own message");
    assert_eq!(&m.payload[..], b"from A");

    // B's own publications stay in B: nothing flows back through the import.
    b.publish("news.b", "from B".into()).await.unwrap();
    b.flush().await.unwrap();
    let m = next(&mut b_news).await.expect("B receives its own message");
    assert_eq!(&m.payload[..], b"from B");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), a_news.next())
            .await
            .is_err(),
        "A must not see B's message"
    );

    for bad in ["wrong_creds", "forged_creds"] {
        let err = connect(&server, made[bad].as_str().unwrap())
            .await
            .err()
            .unwrap_or_else(|| panic!("{bad} must be refused"));
        assert!(
            err.to_lowercase().contains("authorization violation"),
            "{bad}: {err}"
        );
    }
}
