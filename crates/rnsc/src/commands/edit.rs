//! `edit operator|account|user`: change claims and re-sign with the right key.

use anyhow::{bail, Result};
use rnats_auth::jwt::{self, KeyRole};

use super::{
    account_signer, apply_permissions, apply_validity, ok_msg, save_account, signing_key_arg,
};
use crate::args::{EditAccountArgs, EditCommand, EditOperatorArgs, EditUserArgs, Global};
use crate::store::{now, Store};

pub(crate) fn edit(store: &Store, global: &Global, cmd: EditCommand) -> Result<()> {
    match cmd {
        EditCommand::Operator(a) => edit_operator(store, global, a),
        EditCommand::Account(a) => edit_account(store, global, a),
        EditCommand::User(a) => edit_user(store, global, a),
    }
}

fn check_service_url(url: &str) -> Result<()> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| anyhow::anyhow!("service URL {url:?} needs a scheme (nats://host:port)"))?;
    if !matches!(scheme, "nats" | "tls" | "ws" | "wss") {
        bail!("service URL {url:?} must use nats, tls, ws or wss");
    }
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        bail!("service URL {url:?} must be scheme://host:port, without path or credentials");
    }
    Ok(())
}

fn edit_operator(store: &Store, global: &Global, a: EditOperatorArgs) -> Result<()> {
    let (name, mut op) = store.load_operator()?;
    for sk in &a.sk {
        let pk = signing_key_arg(store, sk, KeyRole::Operator)?;
        if !op.nats.signing_keys.contains(&pk) {
            op.nats.signing_keys.push(pk);
        }
    }
    for sk in &a.rm_sk {
        if !op.nats.signing_keys.contains(sk) {
            bail!("{sk} is not a signing key of operator {name:?}");
        }
        op.nats.signing_keys.retain(|k| k != sk);
    }
    for url in &a.service_url {
        check_service_url(url)?;
        if !op.nats.operator_service_urls.contains(url) {
            op.nats.operator_service_urls.push(url.clone());
        }
    }
    op.nats
        .operator_service_urls
        .retain(|u| !a.rm_service_url.contains(u));
    if let Some(url) = &a.account_jwt_server_url {
        if !url.contains("://") {
            bail!("account JWT server URL {url:?} needs a scheme");
        }
        op.nats.account_server_url = url.clone();
    }
    if a.rm_account_jwt_server_url {
        op.nats.account_server_url.clear();
    }
    if let Some(sys) = &a.system_account {
        op.nats.system_account = super::add::resolve_account_key(store, &name, sys)?;
    }
    if a.require_signing_keys {
        if op.nats.signing_keys.is_empty() {
            bail!("add a signing key (--sk generate) before requiring signing keys");
        }
        op.nats.strict_signing_key_usage = true;
    }
    apply_validity(&mut op, &a.validity)?;
    // The operator signs itself with its identity key.
    let key = store.key(&op.sub)?;
    let token = jwt::encode(&mut op, &key, now())?;
    store.write_operator(&name, &token)?;
    let _ = global;
    ok_msg(format!("edited operator {name:?}"));
    Ok(())
}

fn edit_account(store: &Store, global: &Global, a: EditAccountArgs) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    let account = store.resolve_account(&op_name, a.name.as_deref())?;
    let mut claims = store.load_account(&op_name, &account)?;
    for sk in &a.sk {
        let pk = signing_key_arg(store, sk, KeyRole::Account)?;
        if pk == claims.sub {
            bail!("the account key cannot be its own signing key");
        }
        claims.nats.signing_keys.add(pk);
    }
    for sk in &a.rm_sk {
        if !claims.nats.signing_keys.remove(sk) {
            bail!("{sk} is not a signing key of account {account:?}");
        }
    }
    let l = &mut claims.nats.limits;
    let set = |field: &mut i64, v: Option<i64>| {
        if let Some(v) = v {
            *field = v;
        }
    };
    set(&mut l.conn, a.conns);
    set(&mut l.leaf, a.leaf_conns);
    set(&mut l.data, a.data);
    set(&mut l.payload, a.payload);
    set(&mut l.subs, a.subscriptions);
    set(&mut l.imports, a.imports);
    set(&mut l.exports, a.exports);
    if let Some(w) = a.wildcard_exports {
        l.wildcards = w;
    }
    if let Some(b) = a.disallow_bearer {
        l.disallow_bearer = b;
    }
    if let Some(d) = &a.description {
        claims.nats.description = d.clone();
    }
    apply_permissions(&mut claims.nats.default_permissions, &a.permissions)?;
    apply_validity(&mut claims, &a.validity)?;
    save_account(store, global, &op_name, &op, &account, &mut claims)?;
    ok_msg(format!("edited account {account:?}"));
    Ok(())
}

fn edit_user(store: &Store, global: &Global, a: EditUserArgs) -> Result<()> {
    let op_name = store.current_operator()?;
    let account = store.resolve_account(&op_name, a.account.as_deref())?;
    let user = store.resolve_user(&op_name, &account, a.name.as_deref())?;
    let acct = store.load_account(&op_name, &account)?;
    let (mut claims, _) = store.load_user(&op_name, &account, &user)?;
    let mut perms = claims.nats.limits.permissions();
    apply_permissions(&mut perms, &a.permissions)?;
    for list in [
        &mut perms.publish.allow,
        &mut perms.publish.deny,
        &mut perms.subscribe.allow,
        &mut perms.subscribe.deny,
    ] {
        list.retain(|s| !a.rm.contains(s));
    }
    let l = &mut claims.nats.limits;
    l.publish = perms.publish;
    l.subscribe = perms.subscribe;
    l.resp = perms.resp;
    if let Some(b) = a.bearer {
        if b && acct.nats.limits.disallow_bearer {
            bail!("account {account:?} disallows bearer tokens");
        }
        l.bearer_token = b;
    }
    for n in &a.source_network {
        let n = n.trim().to_lowercase();
        if !n.is_empty() && !l.src.contains(&n) {
            l.src.push(n);
        }
    }
    l.src.retain(|s| !a.rm_source_network.contains(s));
    const TYPES: [&str; 7] = [
        "STANDARD",
        "WEBSOCKET",
        "LEAFNODE",
        "LEAFNODE_WS",
        "MQTT",
        "MQTT_WS",
        "IN_PROCESS",
    ];
    for t in &a.conn_type {
        let t = t.trim().to_uppercase();
        if !TYPES.contains(&t.as_str()) {
            bail!(
                "unknown connection type {t:?} - use one of {}",
                TYPES.join(", ")
            );
        }
        if !l.allowed_connection_types.contains(&t) {
            l.allowed_connection_types.push(t);
        }
    }
    l.allowed_connection_types
        .retain(|t| !a.rm_conn_type.iter().any(|r| r.eq_ignore_ascii_case(t)));
    if let Some(v) = a.subs {
        l.subs = v;
    }
    if let Some(v) = a.data {
        l.data = v;
    }
    if let Some(v) = a.payload {
        l.payload = v;
    }
    apply_validity(&mut claims, &a.validity)?;
    let (signer, is_sk) = account_signer(store, global, &acct)?;
    if is_sk {
        claims.nats.issuer_account = acct.sub.clone();
    } else {
        claims.nats.issuer_account.clear();
    }
    let token = jwt::encode(&mut claims, &signer, now())?;
    store.write_user(&op_name, &account, &user, &token)?;
    // Keep the stored creds in step with the new JWT.
    let creds = store.creds_path(&op_name, &account, &user);
    if store.has_key(&claims.sub) {
        let seed = store.key(&claims.sub)?.seed()?;
        super::output(Some(&creds), &jwt::format_user_creds(&token, &seed))?;
    }
    ok_msg(format!("edited user {user:?}"));
    Ok(())
}
