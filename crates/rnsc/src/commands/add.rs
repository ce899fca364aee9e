//! `add operator|account|user|export|import`.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use nkeys::KeyPair;
use rnats_auth::jwt::{
    self, AccountClaims, Export, ExportType, Import, KeyRole, Sampling, ServiceLatency, UserClaims,
};

use super::{
    account_signer, apply_permissions, apply_validity, ok_msg, operator_signer, output,
    save_account,
};
use crate::args::{AddAccountArgs, AddCommand, AddExportArgs, AddImportArgs, AddUserArgs, Global};
use crate::store::{now, read_activation_file, safe_name, Store};

pub(crate) fn add(store: &mut Store, global: &Global, cmd: AddCommand) -> Result<()> {
    match cmd {
        AddCommand::Operator(a) => super::init::add_operator(store, global, a),
        AddCommand::Account(a) => add_account(store, global, a),
        AddCommand::User(a) => add_user(store, global, a),
        AddCommand::Export(a) => add_export(store, global, a),
        AddCommand::Import(a) => add_import(store, global, a),
    }
}

fn add_account(store: &mut Store, global: &Global, a: AddAccountArgs) -> Result<()> {
    let op = store.current_operator()?;
    let name = safe_name(&a.name);
    create_account(
        store,
        global,
        &op,
        &name,
        a.public_key.as_deref(),
        |claims| {
            apply_permissions(&mut claims.nats.default_permissions, &a.permissions)?;
            apply_validity(claims, &a.validity)
        },
    )?;
    store.ctx.operator = op;
    store.ctx.account = name;
    store.save_context()
}

/// Creates, signs and stores an account; `edit` adjusts the claims first.
pub(crate) fn create_account(
    store: &Store,
    global: &Global,
    op_name: &str,
    name: &str,
    public_key: Option<&str>,
    edit: impl FnOnce(&mut AccountClaims) -> Result<()>,
) -> Result<()> {
    if name.is_empty() {
        bail!("account name is required");
    }
    if store.account_exists(op_name, name) {
        bail!("account {name:?} already exists");
    }
    let (_, op) = store.load_operator()?;
    let (key, pk) = match public_key {
        Some(pk) => {
            if KeyRole::of(pk) != Some(KeyRole::Account) {
                bail!("{pk:?} is not a valid account public key");
            }
            (None, pk.to_string())
        }
        None => {
            let kp = KeyPair::new_account();
            let pk = kp.public_key();
            (Some(kp), pk)
        }
    };
    let mut claims = AccountClaims::new(pk.clone());
    claims.name = name.to_string();
    edit(&mut claims)?;
    // Sign before storing anything, so a refused signer leaves nothing behind.
    let signer = operator_signer(store, global, &op)?;
    claims.nats.sort();
    let token = jwt::encode(&mut claims, &signer, now())?;
    if let Some(kp) = &key {
        store.store_key(kp)?;
        ok_msg(format!("generated and stored account key {pk:?}"));
    }
    store.write_account(op_name, name, &token)?;
    ok_msg(format!("added account {name:?}"));
    Ok(())
}

fn add_user(store: &mut Store, global: &Global, a: AddUserArgs) -> Result<()> {
    let op = store.current_operator()?;
    let account = store.resolve_account(&op, a.account.as_deref())?;
    let name = safe_name(&a.name);
    create_user(
        store,
        global,
        &op,
        &account,
        &name,
        a.public_key.as_deref(),
        |u| {
            let mut perms = u.nats.limits.permissions();
            apply_permissions(&mut perms, &a.permissions)?;
            u.nats.limits.publish = perms.publish;
            u.nats.limits.subscribe = perms.subscribe;
            u.nats.limits.resp = perms.resp;
            u.nats.limits.bearer_token = a.bearer;
            for n in &a.source_network {
                let n = n.trim().to_lowercase();
                if !n.is_empty() && !u.nats.limits.src.contains(&n) {
                    u.nats.limits.src.push(n);
                }
            }
            for t in &a.tag {
                let t = t.trim().to_lowercase();
                if !t.is_empty() && !u.nats.generic.tags.contains(&t) {
                    u.nats.generic.tags.push(t);
                }
            }
            apply_validity(u, &a.validity)
        },
    )?;
    store.ctx.account = account;
    store.save_context()
}

/// Creates, signs and stores a user and its creds; returns the creds path when the seed is
/// known.
pub(crate) fn create_user(
    store: &Store,
    global: &Global,
    op_name: &str,
    account: &str,
    name: &str,
    public_key: Option<&str>,
    edit: impl FnOnce(&mut UserClaims) -> Result<()>,
) -> Result<Option<PathBuf>> {
    if name.is_empty() {
        bail!("user name is required");
    }
    if store.user_exists(op_name, account, name) {
        bail!("user {name:?} already exists in account {account:?}");
    }
    let acct = store.load_account(op_name, account)?;
    let (key, pk) = match public_key {
        Some(pk) => {
            if KeyRole::of(pk) != Some(KeyRole::User) {
                bail!("{pk:?} is not a valid user public key");
            }
            (None, pk.to_string())
        }
        None => {
            let kp = KeyPair::new_user();
            let pk = kp.public_key();
            (Some(kp), pk)
        }
    };
    let mut claims = UserClaims::new(pk.clone());
    claims.name = name.to_string();
    edit(&mut claims)?;
    let (signer, is_signing_key) = account_signer(store, global, &acct)?;
    if is_signing_key {
        claims.nats.issuer_account = acct.sub.clone();
        if let Some(Some(_)) = acct.nats.signing_keys.get(&signer.public_key()) {
            // Scoped keys impose their template; the user must carry nothing itself.
            claims.nats.limits = Default::default();
        }
    }
    let token = jwt::encode(&mut claims, &signer, now())?;
    if let Some(kp) = &key {
        store.store_key(kp)?;
        ok_msg(format!("generated and stored user key {pk:?}"));
    }
    store.write_user(op_name, account, name, &token)?;
    let creds = match &key {
        Some(kp) => {
            let path = store.creds_path(op_name, account, name);
            output(Some(&path), &jwt::format_user_creds(&token, &kp.seed()?))?;
            ok_msg(format!("generated user creds file `{}`", path.display()));
            Some(path)
        }
        None => None,
    };
    ok_msg(format!("added user {name:?} to account {account:?}"));
    Ok(creds)
}

fn add_export(store: &mut Store, global: &Global, a: AddExportArgs) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    let account = store.resolve_account(&op_name, a.account.as_deref())?;
    let mut claims = store.load_account(&op_name, &account)?;
    super::validate_subject(&a.subject, false)?;
    let kind = if a.service {
        ExportType::Service
    } else {
        ExportType::Stream
    };
    if claims
        .nats
        .exports
        .iter()
        .any(|e| e.subject == a.subject && e.export_type == kind)
    {
        bail!(
            "{kind} export {:?} already exists in account {account:?}",
            a.subject
        );
    }
    let mut export = Export {
        name: a.name.clone().unwrap_or_else(|| a.subject.clone()),
        subject: a.subject.clone(),
        export_type: kind,
        token_req: a.private,
        ..Export::default()
    };
    if let Some(rt) = &a.response_type {
        if !a.service {
            bail!("response type is only valid for services");
        }
        export.response_type = match rt.to_lowercase().as_str() {
            "singleton" => "Singleton",
            "stream" => "Stream",
            "chunked" => "Chunked",
            _ => bail!("response type must be Singleton, Stream or Chunked, not {rt:?}"),
        }
        .to_string();
    }
    if let Some(pos) = a.account_token_position {
        let tokens: Vec<&str> = a.subject.split('.').collect();
        match tokens.get((pos as usize).wrapping_sub(1)) {
            Some(&"*") => export.account_token_position = pos,
            Some(t) => bail!(
                "Account Token Position {pos} matches '{t}' but must match a * in: {}",
                a.subject
            ),
            None => bail!(
                "Account Token Position {pos} exceeds length of subject '{}'",
                a.subject
            ),
        }
    }
    if a.latency.is_some() || a.sampling.is_some() {
        if !a.service {
            bail!("latency tracking is only permitted for services");
        }
        let results = a
            .latency
            .clone()
            .ok_or_else(|| anyhow!("--latency <results subject> is required with --sampling"))?;
        let sampling = match a.sampling.as_deref().unwrap_or("100") {
            s if s.eq_ignore_ascii_case("headers") => Sampling::Headers,
            s => match s.trim_end_matches('%').parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => Sampling::Percent(n),
                _ => bail!("sampling must be 1-100 or headers, not {s:?}"),
            },
        };
        export.latency = Some(ServiceLatency { sampling, results });
    }
    claims.nats.exports.push(export);
    save_account(store, global, &op_name, &op, &account, &mut claims)?;
    let visibility = if a.private { "private" } else { "public" };
    ok_msg(format!("added {visibility} {kind} export {:?}", a.subject));
    Ok(())
}

fn add_import(store: &mut Store, global: &Global, a: AddImportArgs) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    let account = store.resolve_account(&op_name, a.account.as_deref())?;
    let mut claims = store.load_account(&op_name, &account)?;

    let mut kind = if a.service {
        ExportType::Service
    } else {
        ExportType::Stream
    };
    let mut remote = a.remote_subject.clone();
    let mut src = a.src_account.clone();
    let mut token = String::new();
    if let Some(file) = &a.token {
        let (raw, act) = read_activation_file(file)?;
        if act.sub != claims.sub {
            bail!(
                "activation token is for account {}, not {account:?} ({})",
                act.sub,
                claims.sub
            );
        }
        act.check_times(now())
            .map_err(|e| anyhow!("activation token: {e}"))?;
        let issuer = if act.nats.issuer_account.is_empty() {
            act.iss.clone()
        } else {
            act.nats.issuer_account.clone()
        };
        match &src {
            Some(s) if resolve_account_key(store, &op_name, s)? != issuer => {
                bail!("activation token was issued by {issuer}, not by {s}")
            }
            _ => src = Some(issuer),
        }
        if a.service != (act.nats.import_type == ExportType::Service) && a.service {
            bail!(
                "activation token is for a {}, not a service",
                act.nats.import_type
            );
        }
        kind = act.nats.import_type;
        let granted = act.nats.import_subject.clone();
        match &remote {
            Some(r) if !jwt::subject_is_contained_in(r, &granted) => {
                bail!("remote subject {r:?} is not covered by the activation's {granted:?}")
            }
            Some(_) => {}
            None => remote = Some(granted),
        }
        token = raw;
    }
    let src = src.ok_or_else(|| anyhow!("--src-account is required"))?;
    let src_key = resolve_account_key(store, &op_name, &src)?;
    let remote = remote.ok_or_else(|| anyhow!("--remote-subject is required"))?;
    super::validate_subject(&remote, false)?;
    if src_key == claims.sub {
        bail!("export issuer is this account");
    }
    if kind == ExportType::Service && jwt::has_wildcards(&remote) {
        bail!("services cannot have wildcard subject: {remote:?}");
    }
    // When the exporter is in this store, the import must match one of its exports.
    if let Some((exporter_name, exporter)) = store.find_account(&op_name, &src_key) {
        let export = exporter.nats.find_export(kind, &remote).ok_or_else(|| {
            anyhow!("subject {remote:?} is not covered by any {kind} export of account {exporter_name:?}")
        })?;
        if export.token_req && token.is_empty() {
            bail!(
                "{kind} export {:?} of account {exporter_name:?} is private - an activation token is required (--token)",
                export.subject
            );
        }
        if !token.is_empty() {
            let act = jwt::decode_activation(&token)?;
            jwt::verify_activation(&act, &exporter, &claims.sub, kind, &remote, now())
                .map_err(|e| anyhow!("activation token: {e}"))?;
        }
    }
    let local = a.local_subject.clone().unwrap_or_default();
    if !local.is_empty() {
        super::validate_subject(&local, false)?;
        let tail = |s: &str| s == ">" || s.ends_with(".>");
        if tail(&local) != tail(&remote) {
            bail!("both, local subject and remote subject, need to end or not end in >");
        }
    }
    if claims
        .nats
        .imports
        .iter()
        .any(|i| i.account == src_key && i.subject == remote && i.import_type == kind)
    {
        bail!("{kind} import of {remote:?} from {src_key} already exists");
    }
    let local_name = if local.is_empty() { &remote } else { &local };
    if kind == ExportType::Service
        && claims.nats.imports.iter().any(|i| {
            i.import_type == ExportType::Service
                && (if i.local_subject.is_empty() {
                    &i.subject
                } else {
                    &i.local_subject
                }) == local_name
        })
    {
        bail!("a service import with local subject {local_name:?} already exists");
    }
    claims.nats.imports.push(Import {
        name: a.name.clone().unwrap_or_else(|| remote.clone()),
        subject: remote.clone(),
        account: src_key,
        token,
        local_subject: local,
        import_type: kind,
        share: a.share,
        ..Import::default()
    });
    save_account(store, global, &op_name, &op, &account, &mut claims)?;
    ok_msg(format!("added {kind} import {remote:?}"));
    Ok(())
}

/// An account public key, or the key of an account of that name in this store.
pub(crate) fn resolve_account_key(store: &Store, op: &str, value: &str) -> Result<String> {
    if KeyRole::of(value) == Some(KeyRole::Account) {
        return Ok(value.to_string());
    }
    if store.account_exists(op, value) {
        return Ok(store.load_account(op, value)?.sub);
    }
    bail!("{value:?} is not an account public key or an account of operator {op:?}")
}
