//! Monitoring endpoints: values, connz sorting/paging/closed ring, subsz test, healthz,
//! metrics and the built-in page.

mod monitor_http;

use std::net::SocketAddr;

use async_nats::ConnectOptions;
use futures::StreamExt;
use monitor_http::{get, get_json, wait_for};
use rnats_test_support::{Options, TestServer};
use serde_json::Value;

fn server() -> (TestServer, SocketAddr) {
    let server = TestServer::start_with(Options {
        http_port: Some(0),
        ..Options::ephemeral()
    });
    let addr = server.server().monitor_addr().expect("monitoring is on");
    (server, addr)
}

async fn client(server: &TestServer, name: &str) -> async_nats::Client {
    ConnectOptions::new()
        .name(name)
        .connect(server.url())
        .await
        .expect("connect")
}

fn cids(connz: &Value) -> Vec<u64> {
    connz["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| c["cid"].as_u64().expect("cid"))
        .collect()
}

fn names(connz: &Value) -> Vec<String> {
    connz["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Three clients that published 1, 5 and 3 messages ("one", "five", "three"), in that
/// order: each one's messages have reached the server before the next connects.
async fn three_publishers(server: &TestServer, addr: SocketAddr) -> Vec<async_nats::Client> {
    let mut clients = Vec::new();
    let mut sent = 0;
    for (name, n) in [("one", 1), ("five", 5), ("three", 3)] {
        let c = client(server, name).await;
        for _ in 0..n {
            c.publish("load", "x".into()).await.unwrap();
        }
        c.flush().await.unwrap();
        sent += n;
        wait_for(addr, "/varz", |v| v["in_msgs"] == sent);
        clients.push(c);
    }
    clients
}

#[test]
fn healthz_is_ok_with_cors() {
    let (_server, addr) = server();
    let r = get(addr, "/healthz");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"status":"ok"}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn jsonp_callback_wraps_the_json() {
    let (_server, addr) = server();
    let r = get(addr, "/varz?callback=show");
    assert!(r.body.starts_with("show({"), "{}", r.body);
    assert!(r.body.ends_with("})"));
    assert_eq!(r.header("content-type"), Some("application/javascript"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn varz_counts_messages_connections_and_subscriptions() {
    let (server, addr) = server();
    let sub_client = client(&server, "sub").await;
    let mut sub = sub_client.subscribe("greet").await.unwrap();
    sub_client.flush().await.unwrap();
    let pub_client = client(&server, "pub").await;
    for _ in 0..10 {
        pub_client.publish("greet", "hello".into()).await.unwrap();
    }
    pub_client.flush().await.unwrap();
    for _ in 0..10 {
        sub.next().await.unwrap();
    }
    let varz = wait_for(addr, "/varz", |v| v["out_msgs"] == 10);
    assert_eq!(varz["in_msgs"], 10);
    assert_eq!(varz["in_bytes"], 50);
    assert_eq!(varz["out_bytes"], 50);
    assert_eq!(varz["connections"], 2);
    assert_eq!(varz["total_connections"], 2);
    assert_eq!(varz["subscriptions"], 1);
    assert_eq!(varz["version"], "2.15.1");
    assert_eq!(varz["port"], server.addr().port());
    assert_eq!(varz["http_port"], addr.port());
    assert_eq!(varz["max_payload"], 1024 * 1024);
    assert_eq!(varz["ping_interval"], 120_000_000_000u64);
    assert!(varz["mem"].as_u64().unwrap() > 0);
    assert!(varz["http_req_stats"]["/varz"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connz_sorts_by_each_counter() {
    let (server, addr) = server();
    let _clients = three_publishers(&server, addr).await;
    let by = |sort: &str| names(&get_json(addr, &format!("/connz?sort={sort}")));
    assert_eq!(by("cid"), ["one", "five", "three"]);
    assert_eq!(by("start"), ["one", "five", "three"]);
    assert_eq!(by("msgs_from"), ["five", "three", "one"]);
    assert_eq!(by("bytes_from"), ["five", "three", "one"]);
    // The most recently active first for `last`, the longest idle first for `idle`.
    assert_eq!(by("last"), ["three", "five", "one"]);
    assert_eq!(by("idle"), ["one", "five", "three"]);
    assert_eq!(by("uptime"), ["one", "five", "three"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connz_pages_with_offset_and_limit() {
    let (server, addr) = server();
    let _clients = three_publishers(&server, addr).await;
    let all = wait_for(addr, "/connz", |v| v["total"] == 3);
    assert_eq!(all["limit"], 1024);
    assert_eq!(all["offset"], 0);
    assert_eq!(all["num_connections"], 3);
    let ids = cids(&all);

    let page = get_json(addr, "/connz?limit=1&offset=1");
    assert_eq!(cids(&page), [ids[1]]);
    assert_eq!(page["total"], 3);
    assert_eq!(page["num_connections"], 1);
    assert_eq!(page["limit"], 1);
    assert_eq!(page["offset"], 1);

    let beyond = get_json(addr, "/connz?offset=10");
    assert_eq!(beyond["num_connections"], 0);
    assert_eq!(beyond["connections"], Value::Array(vec![]));

    let one = get_json(addr, &format!("/connz?cid={}", ids[2]));
    assert_eq!(cids(&one), [ids[2]]);
    assert_eq!(one["limit"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connz_lists_subscriptions_and_auth_details() {
    let (server, addr) = server();
    let c = client(&server, "subs").await;
    let _a = c.subscribe("orders.*").await.unwrap();
    let _b = c.queue_subscribe("work", "pool".into()).await.unwrap();
    c.flush().await.unwrap();
    // async-nats' flush only writes; wait until the server has seen both SUBs.
    let plain = wait_for(addr, "/connz", |v| {
        v["connections"][0]["subscriptions"] == 2
    });
    assert!(plain["connections"][0].get("subscriptions_list").is_none());
    assert_eq!(plain["connections"][0]["subscriptions"], 2);

    let list = get_json(addr, "/connz?subs=1");
    let mut subjects: Vec<_> = list["connections"][0]["subscriptions_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["orders.*", "work"]);

    let detail = get_json(addr, "/connz?subs=detail");
    let details = detail["connections"][0]["subscriptions_list_detail"]
        .as_array()
        .unwrap();
    let queue = details.iter().find(|d| d["subject"] == "work").unwrap();
    assert_eq!(queue["qgroup"], "pool");
    assert!(queue["sid"].is_string());
    assert_eq!(queue["msgs"], 0);

    let auth = get_json(addr, "/connz?auth=1");
    assert_eq!(auth["connections"][0]["name_tag"], "$G");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_connections_are_remembered_with_reason() {
    let (server, addr) = server();
    let stay = client(&server, "stays").await;
    stay.flush().await.unwrap();
    let gone = client(&server, "leaves").await;
    let _s = gone.subscribe("bye").await.unwrap();
    gone.publish("bye", "x".into()).await.unwrap();
    gone.flush().await.unwrap();
    drop(_s);
    drop(gone);

    let closed = wait_for(addr, "/connz?state=closed&subs=detail", |v| v["total"] == 1);
    let conn = &closed["connections"][0];
    assert_eq!(conn["name"], "leaves");
    assert_eq!(conn["reason"], "Client Closed");
    assert!(conn["stop"].is_string());
    assert_eq!(conn["in_msgs"], 1);
    let open = get_json(addr, "/connz");
    assert_eq!(names(&open), ["stays"]);
    assert!(open["connections"][0].get("stop").is_none());

    let all = get_json(addr, "/connz?state=all&sort=cid");
    assert_eq!(names(&all), ["stays", "leaves"]);
    let by_stop = get_json(addr, "/connz?state=closed&sort=stop");
    assert_eq!(names(&by_stop), ["leaves"]);
    let by_reason = get_json(addr, "/connz?state=closed&sort=reason");
    assert_eq!(names(&by_reason), ["leaves"]);
}

#[test]
fn connz_rejects_bad_queries_like_the_original() {
    let (_server, addr) = server();
    let r = get(addr, "/connz?sort=stop");
    assert_eq!(r.status, 400);
    assert_eq!(r.body, "sort by stop only valid on closed connections");
    let r = get(addr, "/connz?sort=bogus");
    assert_eq!(r.status, 400);
    assert_eq!(r.body, "invalid sorting option: bogus");
    let r = get(addr, "/connz?state=bogus");
    assert_eq!(r.status, 400);
    assert_eq!(r.body, "Error decoding state for bogus");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subsz_test_subject_lists_only_matching_subscriptions() {
    let (server, addr) = server();
    let c = client(&server, "subs").await;
    let _a = c.subscribe("foo.*").await.unwrap();
    let _b = c.subscribe("foo.bar").await.unwrap();
    let _c = c.subscribe("baz").await.unwrap();
    let _d = c.queue_subscribe("foo.>", "q".into()).await.unwrap();
    c.flush().await.unwrap();

    let all = wait_for(addr, "/subsz?subs=1", |v| v["num_subscriptions"] == 4);
    assert_eq!(all["total"], 4);
    assert_eq!(all["subscriptions_list"][0]["account"], "$G");

    let test = get_json(addr, "/subsz?subs=1&test=foo.bar");
    assert_eq!(test["total"], 3);
    let mut subjects: Vec<_> = test["subscriptions_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"].as_str().unwrap().to_owned())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["foo.*", "foo.>", "foo.bar"]);

    let none = get_json(addr, "/subsz?subs=1&test=nothing.here");
    assert_eq!(none["total"], 0);
    assert!(none.get("subscriptions_list").is_none());

    let counters_only = get_json(addr, "/subsz");
    assert_eq!(counters_only["num_subscriptions"], 4);
    assert!(counters_only.get("subscriptions_list").is_none());

    let r = get(addr, "/subsz?subs=1&test=foo.*");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        "invalid test subject, must be valid publish subject: foo.*"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_report_the_global_account() {
    let (server, addr) = server();
    let c = client(&server, "a").await;
    let _s = c.subscribe("x").await.unwrap();
    c.publish("x", "12345".into()).await.unwrap();
    c.flush().await.unwrap();
    wait_for(addr, "/varz", |v| v["out_msgs"] == 1);
    let accountz = get_json(addr, "/accountz");
    // The global account and the system account, as the original lists them.
    assert_eq!(accountz["accounts"], serde_json::json!(["$G", "$SYS"]));
    let detail = get_json(addr, "/accountz?acc=$G");
    assert_eq!(detail["account_detail"]["client_connections"], 1);
    assert_eq!(detail["account_detail"]["subscriptions"], 1);
    assert_eq!(get(addr, "/accountz?acc=nope").status, 400);
    let statz = wait_for(addr, "/accstatz", |v| {
        v["account_statz"][0]["sent"]["msgs"] == 1
    });
    assert_eq!(statz["account_statz"][0]["received"]["bytes"], 5);
    assert_eq!(statz["account_statz"][0]["conns"], 1);
}

#[test]
fn absent_features_have_the_originals_empty_shapes() {
    let (_server, addr) = server();
    assert_eq!(get_json(addr, "/routez")["routes"], serde_json::json!([]));
    assert_eq!(get_json(addr, "/leafz")["leafs"], serde_json::json!([]));
    assert_eq!(
        get_json(addr, "/gatewayz")["outbound_gateways"],
        serde_json::json!({})
    );
    assert_eq!(get_json(addr, "/jsz")["disabled"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text() {
    let (server, addr) = server();
    let c = client(&server, "m").await;
    let mut s = c.subscribe("m").await.unwrap();
    c.publish("m", "abc".into()).await.unwrap();
    c.flush().await.unwrap();
    s.next().await.unwrap();
    wait_for(addr, "/varz", |v| v["out_msgs"] == 1);
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let body = &r.body;
    for line in [
        "# TYPE rnats_in_msgs_total counter",
        "rnats_in_msgs_total 1",
        "rnats_in_bytes_total 3",
        "rnats_out_msgs_total 1",
        "rnats_out_bytes_total 3",
        "rnats_connections 1",
        "rnats_connections_total 1",
        "rnats_subscriptions 1",
        "rnats_slow_consumers_total 0",
        "rnats_account_in_msgs_total{account=\"$G\"} 1",
        "rnats_account_out_bytes_total{account=\"$G\"} 3",
        "rnats_account_connections{account=\"$G\"} 1",
    ] {
        assert!(
            body.lines().any(|l| l == line),
            "missing {line:?} in\n{body}"
        );
    }
    assert!(body.lines().any(|l| l.starts_with("rnats_uptime_seconds ")));
    // Every sample line is `name{labels} value` with a numeric value.
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "bad sample {line:?}");
    }
}

#[test]
fn the_page_at_root_is_self_contained_and_polls_varz_and_connz() {
    let (_server, addr) = server();
    let r = get(addr, "/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("<script>"));
    assert!(r.body.contains("fetch(\"varz\")"));
    assert!(r.body.contains("fetch(\"connz"));
    for external in ["src=\"http", "href=\"http", "<link"] {
        assert!(!r.body.contains(external), "external asset: {external}");
    }
}
