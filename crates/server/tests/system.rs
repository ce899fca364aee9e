//! The system account: advisories and `$SYS.REQ.SERVER.*` requests over a real client.

use std::time::Duration;

use futures::StreamExt;
use rnats_server::config;
use rnats_test_support::{Options, TestServer};

const WAIT: Duration = Duration::from_secs(5);

const CONFIG: &str = r#"
accounts {
  SYS: { users: [ {user: sys, password: x} ] }
  APP: { users: [ {user: app, password: x} ] }
}
system_account: SYS
"#;

fn server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sys.conf");
    std::fs::write(&path, CONFIG).unwrap();
    let mut opts: Options = config::load_file(&path).unwrap().options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    TestServer::start_with(opts)
}

async fn login(server: &TestServer, user: &str) -> async_nats::Client {
    async_nats::ConnectOptions::with_user_and_password(user.into(), "x".into())
        .connect(server.url())
        .await
        .unwrap()
}

async fn json(msg: async_nats::Message) -> serde_json::Value {
    serde_json::from_slice(&msg.payload).unwrap()
}

#[tokio::test]
async fn connect_and_disconnect_advisories_go_to_the_system_account() {
    let server = server();
    let sys = login(&server, "sys").await;
    // Advisories are queued and published by the system task, so the sys user's own CONNECT
    // advisory may still be on its way: listen for APP's only.
    let mut connects = sys.subscribe("$SYS.ACCOUNT.APP.CONNECT").await.unwrap();
    let mut disconnects = sys.subscribe("$SYS.ACCOUNT.*.DISCONNECT").await.unwrap();
    sys.flush().await.unwrap();
    let _ = sys.request("_sync", "".into()).await;
    let app = login(&server, "app").await;
    app.publish("work", "12345".into()).await.unwrap();
    app.flush().await.unwrap();
    drop(app);
    let connect = json(
        tokio::time::timeout(WAIT, connects.next())
            .await
            .unwrap()
            .unwrap(),
    )
    .await;
    assert_eq!(connect["type"], "io.nats.server.advisory.v1.client_connect");
    assert_eq!(connect["client"]["acc"], "APP");
    assert_eq!(connect["client"]["user"], "app");
    assert_eq!(connect["server"]["id"], sys.server_info().server_id);
    let msg = tokio::time::timeout(WAIT, disconnects.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.subject.as_str(), "$SYS.ACCOUNT.APP.DISCONNECT");
    let disconnect = json(msg).await;
    assert_eq!(
        disconnect["type"],
        "io.nats.server.advisory.v1.client_disconnect"
    );
    assert_eq!(disconnect["reason"], "Client Closed");
    assert_eq!(disconnect["received"]["msgs"], 1);
}

#[tokio::test]
async fn server_requests_answer_with_the_monitoring_json() {
    let server = server();
    let sys = login(&server, "sys").await;
    let id = sys.server_info().server_id.clone();

    let varz = json(
        sys.request("$SYS.REQ.SERVER.PING.VARZ", "".into())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(varz["server"]["id"], id);
    assert_eq!(varz["data"]["server_id"], id);
    assert!(varz["data"]["connections"].as_u64().unwrap() >= 1);

    let connz = json(
        sys.request(
            format!("$SYS.REQ.SERVER.{id}.CONNZ"),
            r#"{"subscriptions":true}"#.into(),
        )
        .await
        .unwrap(),
    )
    .await;
    assert!(connz["data"]["connections"].is_array(), "{connz}");

    let ping = json(
        sys.request("$SYS.REQ.SERVER.PING", "".into())
            .await
            .unwrap(),
    )
    .await;
    assert!(ping["statsz"]["connections"].as_u64().is_some(), "{ping}");

    let bad = json(
        sys.request("$SYS.REQ.SERVER.PING.CONNZ", r#"{"sort":"nope"}"#.into())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad["error"]["code"], 400, "{bad}");
}

#[tokio::test]
async fn other_accounts_cannot_reach_the_system_subjects() {
    let server = server();
    let app = login(&server, "app").await;
    let err = app
        .request("$SYS.REQ.SERVER.PING.VARZ", "".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
}
