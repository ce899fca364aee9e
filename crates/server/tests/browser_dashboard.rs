//! The built-in monitoring page at `/`, opened in headless Chromium: it renders the server's
//! live figures (from `/varz` and `/connz`), and a screenshot of it is kept at
//! `target/browser/dashboard.png` for a person to look at. Skips without `/usr/bin/chromium`.

mod browser;
mod monitor_http;

use async_nats::ConnectOptions;
use browser::{inner_html, tag_of, text_of};
use futures::StreamExt;
use monitor_http::{get_json, wait_for};
use rnats_test_support::{Options, TestServer};

#[tokio::test]
async fn dashboard_renders_the_live_figures() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let server = TestServer::start_with(Options {
        http_port: Some(0),
        server_name: Some("dashboard-test".into()),
        ..Options::ephemeral()
    });
    let addr = server.server().monitor_addr().expect("monitoring is on");

    // Activity: a subscriber, and three publishers that sent 2, 7 and 4 messages.
    let listener = ConnectOptions::new()
        .name("dash-listener")
        .connect(server.url())
        .await
        .unwrap();
    let mut sub = listener.subscribe("dash.>").await.unwrap();
    listener.flush().await.unwrap();
    wait_for(addr, "/varz", |v| v["subscriptions"] == 1);
    let mut clients = vec![listener];
    for (name, n) in [("dash-two", 2), ("dash-seven", 7), ("dash-four", 4)] {
        let c = ConnectOptions::new()
            .name(name)
            .connect(server.url())
            .await
            .unwrap();
        for i in 0..n {
            c.publish(format!("dash.{name}"), format!("m{i}").into())
                .await
                .unwrap();
        }
        c.flush().await.unwrap();
        clients.push(c);
    }
    for _ in 0..13 {
        sub.next().await.expect("the listener gets every message");
    }
    wait_for(addr, "/varz", |v| v["in_msgs"] == 13 && v["out_msgs"] == 13);
    let varz = get_json(addr, "/varz");
    assert_eq!(varz["connections"], 4);

    let shot = browser::screenshot_path("dashboard.png");
    let dom = chromium
        .render(&format!("http://{addr}/"), Some(5000), &shot)
        .await;
    println!("screenshot: {}", shot.display());
    let text = |id: &str| {
        text_of(&dom, id)
            .unwrap_or_else(|| panic!("no #{id} in the page:\n{dom}"))
            .to_owned()
    };

    // The poll succeeded and filled the tiles from /varz.
    assert_eq!(text("status"), "live", "{dom}");
    assert!(
        tag_of(&dom, "status").unwrap().contains("class=\"ok\""),
        "{dom}"
    );
    let ident = text("ident");
    let version = varz["version"].as_str().unwrap();
    assert!(ident.starts_with("dashboard-test · v"), "{ident}");
    assert!(ident.contains(&format!("v{version}")), "{ident}");
    assert!(
        ident.ends_with(&format!(":{}", server.addr().port())),
        "{ident}"
    );
    assert_eq!(text("serverid"), varz["server_id"].as_str().unwrap());
    assert_eq!(text("conns"), "4");
    assert_eq!(text("totalconns"), "4 since start");
    assert_eq!(text("subs"), "1");
    assert_eq!(text("intotal"), "13 total");
    assert_eq!(text("outtotal"), "13 total");
    assert_eq!(text("slow"), "0");
    assert!(text("uptime").ends_with('s'), "uptime {:?}", text("uptime"));
    assert!(text("mem").ends_with(" resident"), "{}", text("mem"));

    // The table from /connz, busiest publisher first, with its message count.
    let table = inner_html(&dom, "conntable").expect("connection table");
    let rows: Vec<&str> = table.split("<tr>").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 4, "{table}");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r.split("<td>").nth(2).unwrap().split('<').next().unwrap())
        .collect();
    assert_eq!(
        names[..3],
        ["dash-seven", "dash-four", "dash-two"],
        "{table}"
    );
    assert!(rows[0].contains("<td class=\"num\">7</td>"), "{}", rows[0]);
    assert_eq!(names[3], "dash-listener", "{table}");
    // The listener got all 13.
    assert!(rows[3].contains("<td class=\"num\">13</td>"), "{}", rows[3]);
    assert!(table.contains("127.0.0.1:"), "{table}");

    drop(clients);
}
