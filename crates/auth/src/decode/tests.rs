//! Decoding and cross-account validation on small inline configs. Expected texts were
//! replayed against nats-server 2.15.1 (`-t` or start-up) where noted.

use std::path::Path;
use std::time::Duration;

use crate::{decode_auth_config, AuthConfig, ConnectionType, ExportKind, ResponseType};

fn decode(text: &str) -> Result<AuthConfig, Vec<String>> {
    let map = rnats_conf::parse_str(text, Path::new("t.conf")).map_err(|e| vec![e.to_string()])?;
    decode_auth_config(&map).map_err(|e| e.0.iter().map(|e| e.message.clone()).collect())
}

fn err(text: &str) -> Vec<String> {
    match decode(text) {
        Ok(cfg) => panic!("expected an error, got {cfg:?}"),
        Err(e) => e,
    }
}

#[test]
fn users_and_nkeys_land_in_the_global_account() {
    let cfg = decode(
        r#"authorization {
            timeout: 2
            users: [
              {user: alice, password: foo, allowed_connection_types: ["standard", "WEBSOCKET"]}
              {nkey: UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(cfg.users.len(), 1);
    assert_eq!(cfg.users[0].account, "$G");
    assert_eq!(
        cfg.users[0].allowed_connection_types,
        [ConnectionType::Standard, ConnectionType::Websocket]
    );
    assert_eq!(cfg.nkey_users[0].account, "$G");
    assert_eq!(cfg.auth_timeout, Some(2.0));
    assert!(cfg.auth_required() && cfg.needs_nonce() && cfg.has_plaintext_passwords());
}

#[test]
fn default_permissions_fill_in_only_missing_permissions() {
    let cfg = decode(
        r#"authorization {
            users: [ {user: a, password: a}, {user: b, password: b, permissions: {publish: "b"}} ]
            default_permissions: { publish: "d" }
        }"#,
    )
    .unwrap();
    let allow = |i: usize| {
        cfg.users[i]
            .permissions
            .as_ref()
            .and_then(|p| p.publish.clone())
            .and_then(|p| p.allow)
    };
    assert_eq!(allow(0), Some(vec!["d".to_string()]));
    assert_eq!(allow(1), Some(vec!["b".to_string()]));
}

#[test]
fn single_user_and_token() {
    let cfg = decode("authorization { user: derek, password: pw }").unwrap();
    assert_eq!(cfg.single_user.map(|u| u.username), Some("derek".into()));
    let cfg = decode("authorization { token: s3cr3t }").unwrap();
    assert!(
        !format!("{cfg:?}").contains("s3cr3t"),
        "secrets are redacted"
    );
    assert_eq!(
        cfg.token.map(|t| t.expose().to_string()),
        Some("s3cr3t".into())
    );
}

#[test]
fn user_entry_errors() {
    // [V] texts.
    assert_eq!(
        err("authorization { user: a, password: b, token: c }"),
        ["Cannot have a user/pass and token"]
    );
    assert_eq!(
        err("authorization { users: [{nkey: \"UABC\"}] }"),
        ["Not a valid public nkey for a user"]
    );
    assert_eq!(
        err("authorization { users: [{password: \"x\"}] }"),
        ["User entry requires a user"]
    );
    assert_eq!(
        err("authorization { user: a, users: [{user: b}] }"),
        ["Can not have a single user/pass and a users array"]
    );
    assert_eq!(
        err("authorization { users: [{nkey: UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON, user: x}] }"),
        ["Nkey users do not take usernames or passwords"]
    );
    assert_eq!(
        err("authorization { users: [{user: a, allowed_connection_types: [\"STANDARD\", \"foo\"]}] }"),
        ["invalid connection types [\"FOO\"]"]
    );
    assert_eq!(
        err("authorization { token: x, foo: 1 }"),
        ["unknown field \"foo\""]
    );
}

#[test]
fn variables_used_inside_authorization_are_not_unknown_fields() {
    let cfg = decode(
        r#"authorization {
            ADMIN = { publish = ">" }
            users = [ {user: a, password: b, permissions: $ADMIN} ]
        }"#,
    )
    .unwrap();
    assert!(cfg.users[0].permissions.is_some());
}

#[test]
fn duplicate_users_across_blocks() {
    // [V] texts.
    assert_eq!(
        err("accounts { A { users: [{user: a, password: a}] }, B { users: [{user: a, password: b}] } }"),
        ["Duplicate user \"a\" detected"]
    );
    assert_eq!(
        err("authorization { users: [{user: a, password: a}] }\naccounts { B { users: [{user: a, password: b}] } }"),
        ["Duplicate user \"a\" detected"]
    );
    assert_eq!(
        err("authorization { token: t }\naccounts { B { users: [{user: a}] } }"),
        ["Can not have a token and accounts"]
    );
    assert_eq!(
        err("accounts { B { users: [{user: a}] } }\nauthorization { user: x, password: y }"),
        ["Can not have a single user/pass and a users array"]
    );
}

#[test]
fn account_shapes() {
    let cfg = decode("accounts: [A, B]").unwrap();
    assert_eq!(
        cfg.accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["A", "B"]
    );
    // [V] texts.
    assert_eq!(err("accounts: [A, B, A]"), ["Duplicate Account Entry: A"]);
    assert_eq!(err("accounts { $G { } }"), ["\"$G\" is a Reserved Account"]);
    assert_eq!(
        err("accounts { A: 1 }"),
        ["Expected map entries for accounts"]
    );
    assert_eq!(
        err("accounts { A { bogus: 1 } }"),
        ["unknown field \"bogus\""]
    );
    // Accepted and kept undecoded.
    let cfg = decode(
        r#"accounts { A { msg_trace: {dest: "x"}, limits: {max_conn: 1}, mappings: {"a": "b"}, jetstream: enabled } }"#,
    )
    .unwrap();
    let a = &cfg.accounts[0];
    assert!(a.limits.is_some() && a.mappings.is_some() && a.jetstream.is_some());
}

#[test]
fn account_users_get_the_account_and_its_default_permissions() {
    let cfg = decode(
        r#"accounts { A { users: [{user: a, password: a}], default_permissions: { subscribe: "s" } } }"#,
    )
    .unwrap();
    assert_eq!(cfg.users[0].account, "A");
    assert!(cfg.users[0]
        .permissions
        .as_ref()
        .and_then(|p| p.subscribe.as_ref())
        .is_some());
}

#[test]
fn exports_and_imports_decode() {
    let cfg = decode(
        r#"accounts {
            A {
              exports: [
                {stream: "ev.>"}
                {stream: "only.b.>", accounts: [B]}
                {service: "svc.>", response_type: stream, response_threshold: "5s"}
                {service: "acct.*.info", account_token_position: 2}
              ]
            }
            B {
              imports: [
                {stream: {account: A, subject: "ev.>"}, prefix: "fromA"}
                {stream: {account: A, subject: "only.b.>"}, to: "ob.>"}
                {service: {account: A, subject: "svc.echo"}, to: "echo", share: true}
                {service: {account: A, subject: "acct.B.info"}}
              ]
            }
        }"#,
    )
    .unwrap();
    let a = cfg.account("A").unwrap();
    assert_eq!(a.exports.len(), 4);
    assert_eq!(a.exports[1].allowed_accounts, Some(vec!["B".to_string()]));
    assert_eq!(a.exports[2].response_type, ResponseType::Stream);
    assert_eq!(
        a.exports[2].response_threshold,
        Some(Duration::from_secs(5))
    );
    let b = cfg.account("B").unwrap();
    let locals: Vec<(ExportKind, &str)> = b
        .imports
        .iter()
        .map(|i| (i.kind, i.local_subject.as_str()))
        .collect();
    assert_eq!(
        locals,
        [
            (ExportKind::Stream, "fromA.ev.>"),
            (ExportKind::Stream, "ob.>"),
            (ExportKind::Service, "echo"),
            (ExportKind::Service, "acct.B.info"),
        ]
    );
    assert!(b.imports[2].share);
}

#[test]
fn export_errors() {
    // [V] texts.
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x\", accounts: [Z]}] } }"),
        ["\"Z\" account not defined for stream export"]
    );
    assert_eq!(
        err("accounts { A { exports: [{service: \"x\", response_type: foo}] } }"),
        ["Unknown response type: \"foo\""]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x\", response_type: stream}] } }"),
        ["Detected response directive on non-service"]
    );
}

#[test]
fn import_authorization_rules() {
    // All [V] texts.
    assert_eq!(
        err("accounts { A { imports: [{stream: {account: Z, subject: \"x\"}}] } }"),
        ["\"Z\" account not defined for stream import"]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x.y\"}] }, B { imports: [{stream: {account: A, subject: \"x.>\"}}] } }"),
        ["Error adding stream import \"x.>\": stream import not authorized"]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x.>\", accounts: [C]}] }, B { imports: [{stream: {account: A, subject: \"x.y\"}}] }, C {} }"),
        ["Error adding stream import \"x.y\": stream import not authorized"]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x\"}] }, B { imports: [{stream: {account: A, subject: \"x\"}}, {stream: {account: A, subject: \"x\"}}] } }"),
        ["Error adding stream import \"x\": stream import already exists"]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x\"}] }, B { imports: [{stream: {account: A, subject: \"x\"}, prefix: \"p.*\"}] } }"),
        ["Error adding stream import \"x\": stream import prefix can not contain wildcard tokens"]
    );
    assert_eq!(
        err("accounts { A { exports: [{stream: \"x\"}] }, B { imports: [{stream: {account: A, subject: \"x\"}, prefix: \"p\", to: \"q\"}] } }"),
        ["Stream import can not have a 'prefix' and a 'to' property"]
    );
    assert_eq!(
        err("accounts { A { exports: [{service: \"x\"}] }, B { imports: [{service: {account: A, subject: \"x\"}}, {service: {account: A, subject: \"x\"}}] } }"),
        ["Duplicate service import subject \"x\", previously used in import for account \"A\", subject \"x\""]
    );
    assert_eq!(
        err("accounts { A { exports: [{service: \"a.b\"}] }, B { imports: [{service: {account: A, subject: \"a.c\"}}] } }"),
        ["Error adding service import \"a.c\": service import not authorized"]
    );
}

#[test]
fn self_import_is_accepted_as_the_original_does() {
    let cfg = decode(
        r#"accounts { A { users: [ {user: a, password: a} ], exports: [{stream: "x.>"}], imports: [{stream: {account: A, subject: "x.>"}, prefix: p}] } }"#,
    )
    .unwrap();
    assert_eq!(cfg.accounts[0].imports[0].local_subject, "p.x.>");
}

#[test]
fn account_token_position_requires_the_importers_name() {
    let base = r#"accounts { A { exports: [{service: "acct.*.info", account_token_position: 2}] }, B { imports: [{service: {account: A, subject: "SUBJ"}}] } }"#;
    assert!(decode(&base.replace("SUBJ", "acct.B.info")).is_ok());
    assert_eq!(
        err(&base.replace("SUBJ", "acct.C.info")),
        ["Error adding service import \"acct.C.info\": service import not authorized"]
    );
}

#[test]
fn service_import_cycles_are_refused() {
    // [V] text.
    assert_eq!(
        err(r#"accounts {
            A { exports: [{service: "a.x"}], imports: [{service: {account: B, subject: "b.x"}, to: "a.x"}] }
            B { exports: [{service: "b.x"}], imports: [{service: {account: A, subject: "a.x"}, to: "b.x"}] }
        }"#),
        ["Error adding service import \"a.x\": import forms a cycle"]
    );
}

#[test]
fn stream_import_cycles_are_refused() {
    let e = err(r#"accounts {
        A { exports: [{stream: "a.>"}], imports: [{stream: {account: B, subject: "b.>"}, to: "a.>"}] }
        B { exports: [{stream: "b.>"}], imports: [{stream: {account: A, subject: "a.>"}, to: "b.>"}] }
    }"#);
    assert_eq!(
        e,
        ["Error adding stream import \"a.>\": import forms a cycle"]
    );
}

#[test]
fn no_auth_user_and_system_account_must_exist() {
    // [V] texts (start-up checks in the original).
    assert_eq!(
        err("no_auth_user: bob\nauthorization { users: [ {user: alice, password: a} ] }"),
        ["no_auth_user: \"bob\" not present as user or nkey in authorization block or account configuration"]
    );
    assert_eq!(
        err("system_account: NOPE\naccounts { A { users: [ {user: a, password: a} ] } }"),
        ["error resolving system account: account missing"]
    );
    let cfg = decode(
        "system_account: SYS\nno_auth_user: a\naccounts { SYS {}, A { users: [{user: a}] } }",
    )
    .unwrap();
    assert_eq!(cfg.system_account.as_deref(), Some("SYS"));
    assert_eq!(cfg.no_auth_user.as_deref(), Some("a"));
}

#[test]
fn errors_carry_file_line_and_column() {
    let map =
        rnats_conf::parse_str("authorization {\n  users: 5\n}\n", Path::new("x.conf")).unwrap();
    let e = decode_auth_config(&map).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.conf:2:10: Expected users field to be an array, got 5"
    );
}

#[test]
fn all_errors_are_collected() {
    let e = err("authorization { users: [{user: a, password: a, permissions: {publish: {allow: [\"a..b\"]}, subscribe: 3}}], bogus: 1 }");
    assert_eq!(e.len(), 3, "{e:?}");
}

#[test]
fn mutual_imports_of_disjoint_subjects_are_not_cycles() {
    // [V]: accepted by nats-server 2.15.1.
    let cfg = decode(
        r#"accounts {
          A { exports: [{stream: "a.>"}, {service: "sa"}], imports: [{stream: {account: B, subject: "b.>"}}, {service: {account: B, subject: "sb"}}] }
          B { exports: [{stream: "b.>"}, {service: "sb"}], imports: [{stream: {account: A, subject: "a.>"}}, {service: {account: A, subject: "sa"}}] }
        }"#,
    )
    .unwrap();
    assert_eq!(cfg.accounts[0].imports.len(), 2);
    assert_eq!(cfg.accounts[1].imports.len(), 2);
}
