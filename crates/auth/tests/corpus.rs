//! Decode the auth part of nats-server's own test configs (the shared corpus). The list holds
//! files that nats-server 2.15.1 accepts with `-t` and that have top-level auth or accounts
//! blocks; each must decode here too. Skipped when the corpus is not present.

use std::path::{Path, PathBuf};

use rnats_auth::{authenticate, decode_auth_config, is_authorized, AuthConfig, ConnectCredentials};

const CORPUS: &str = "/work/shared/corpus/nats-server";

const ACCEPTED: &[&str] = &[
    "conf/simple.conf",
    "server/configs/accounts.conf",
    "server/configs/authorization.conf",
    "server/configs/cluster.conf",
    "server/configs/include_conf_check_c.conf",
    "server/configs/js-op.conf",
    "server/configs/multiple_users.conf",
    "server/configs/new_style_authorization.conf",
    "server/configs/reload/authorization_1.conf",
    "server/configs/reload/authorization_2.conf",
    "server/configs/reload/multiple_users_1.conf",
    "server/configs/reload/multiple_users_2.conf",
    "server/configs/reload/single_user_authentication_1.conf",
    "server/configs/reload/single_user_authentication_2.conf",
    "server/configs/reload/srv_b_2.conf",
    "server/configs/reload/token_authentication_1.conf",
    "server/configs/reload/token_authentication_2.conf",
    "server/configs/srv_a.conf",
    "server/configs/srv_a_bcrypt.conf",
    "server/configs/srv_b.conf",
    "server/configs/srv_b_bcrypt.conf",
    "server/configs/test.conf",
    "test/configs/auth_seed.conf",
    "test/configs/authorization.conf",
    "test/configs/cluster.conf",
    "test/configs/multi_accounts.conf",
    "test/configs/multi_user.conf",
    "test/configs/srv_a.conf",
    "test/configs/srv_a_leaf.conf",
    "test/configs/srv_a_perms.conf",
    "test/configs/srv_b.conf",
    "test/configs/srv_c.conf",
];

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(CORPUS);
    dir.is_dir().then_some(dir)
}

fn load(dir: &Path, rel: &str) -> AuthConfig {
    let path = dir.join(rel);
    let map = rnats_conf::parse_file(&path).unwrap_or_else(|e| panic!("{rel}: parse: {e}"));
    decode_auth_config(&map).unwrap_or_else(|e| panic!("{rel}: decode:\n{e}"))
}

#[test]
fn configs_nats_server_accepts_decode() {
    let Some(dir) = corpus() else { return };
    for rel in ACCEPTED {
        load(&dir, rel);
    }
}

#[test]
fn role_based_authorization_conf() {
    let Some(dir) = corpus() else { return };
    let cfg = load(&dir, "server/configs/authorization.conf");
    let names: Vec<&str> = cfg.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "susan", "svca", "svcb"]);
    let perms = |name: &str| {
        cfg.users
            .iter()
            .find(|u| u.username == name)
            .and_then(|u| u.permissions.clone())
            .unwrap_or_default()
    };
    // susan has none of her own: she gets default_permissions (subscribe PUBLIC.>).
    let susan = perms("susan");
    assert_eq!(
        susan.subscribe.and_then(|s| s.allow),
        Some(vec!["PUBLIC.>".to_string()])
    );
    // svca: publish_allow_responses: true -> only responses may be published.
    let svca = perms("svca");
    assert!(svca.response.is_some());
    assert_eq!(svca.publish.and_then(|p| p.allow), Some(vec![]));
    let svcb = perms("svcb").response.unwrap_or_default();
    assert_eq!(svcb.max_msgs, Some(10));

    let creds = ConnectCredentials {
        user: Some("alice"),
        pass: Some("foo"),
        ..Default::default()
    };
    assert!(authenticate(&cfg, &creds).is_ok());
}

#[test]
fn accounts_conf_imports_resolve() {
    let Some(dir) = corpus() else { return };
    let cfg = load(&dir, "server/configs/accounts.conf");
    let synadia = cfg.account("synadia").unwrap_or_else(|| panic!("{cfg:?}"));
    assert_eq!(
        synadia.nkey.as_deref(),
        Some("ADMHMDX2LEUJRZQHGVSVRWZEJ2CPNHYO6TB4ZCZ37LXAX5SYNEW252GF")
    );
    assert_eq!(synadia.exports.len(), 4);
    assert_eq!(
        synadia.exports[1].allowed_accounts,
        Some(vec!["cncf".to_string(), "nats.io".to_string()])
    );
    assert!(cfg.nkey_users.iter().any(|u| u.account == "synadia"));
    let mut imports = 0;
    for acc in &cfg.accounts {
        for im in &acc.imports {
            imports += 1;
            let exporter = cfg.account(&im.account).unwrap_or_else(|| panic!("{im:?}"));
            assert!(
                is_authorized(exporter, &acc.name, &im.subject, im.kind),
                "{} importing {im:?}",
                acc.name
            );
        }
    }
    assert!(imports > 0);
}

#[test]
fn multi_accounts_conf_places_users_in_their_accounts() {
    let Some(dir) = corpus() else { return };
    let cfg = load(&dir, "test/configs/multi_accounts.conf");
    let account_of = |name: &str| {
        cfg.users
            .iter()
            .find(|u| u.username == name)
            .map(|u| u.account.clone())
    };
    assert_eq!(account_of("alice").as_deref(), Some("engineering"));
    assert_eq!(account_of("paul").as_deref(), Some("finance"));
    let creds = ConnectCredentials {
        user: Some("mary"),
        pass: Some("s3cr3t!"),
        ..Default::default()
    };
    assert_eq!(
        authenticate(&cfg, &creds).map(|u| u.account),
        Ok("legal".to_string())
    );
}
