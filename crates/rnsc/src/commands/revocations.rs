//! `revocations add-user|delete-user|list-users`.

use anyhow::{anyhow, bail, Result};
use rnats_auth::jwt::{KeyRole, REVOKE_ALL};

use super::{ok_msg, save_account};
use crate::args::{Global, RevocationsCommand};
use crate::store::{now, Store};
use crate::tables::{date, Table};

fn user_key(
    store: &Store,
    op: &str,
    account: &str,
    name: Option<&str>,
    key: Option<&str>,
) -> Result<String> {
    match (name, key) {
        (_, Some(k)) => {
            if k != REVOKE_ALL && KeyRole::of(k) != Some(KeyRole::User) {
                bail!("{k:?} is not a valid user public key");
            }
            Ok(k.to_string())
        }
        (Some(n), None) => Ok(store.load_user(op, account, n)?.0.sub),
        (None, None) => bail!("specify the user with --name (-n) or --user-public-key (-u)"),
    }
}

fn parse_at(value: Option<&str>) -> Result<i64> {
    match value.map(str::trim) {
        None | Some("0") | Some("") => Ok(now()),
        Some(v) => v
            .parse::<i64>()
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(v).map(|d| d.timestamp()))
            .map_err(|_| anyhow!("invalid time {v:?} - use RFC 3339 or Unix seconds")),
    }
}

pub(crate) fn revocations(store: &Store, global: &Global, cmd: RevocationsCommand) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    match cmd {
        RevocationsCommand::AddUser {
            account,
            name,
            user_public_key,
            at,
        } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let key = user_key(
                store,
                &op_name,
                &account,
                name.as_deref(),
                user_public_key.as_deref(),
            )?;
            let at = parse_at(at.as_deref())?;
            let mut claims = store.load_account(&op_name, &account)?;
            let entry = claims.nats.revocations.entry(key.clone()).or_insert(at);
            *entry = (*entry).max(at);
            save_account(store, global, &op_name, &op, &account, &mut claims)?;
            ok_msg(format!(
                "revoked user {key:?} for credentials issued before {}",
                date(at)
            ));
        }
        RevocationsCommand::DeleteUser {
            account,
            name,
            user_public_key,
        } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let key = user_key(
                store,
                &op_name,
                &account,
                name.as_deref(),
                user_public_key.as_deref(),
            )?;
            let mut claims = store.load_account(&op_name, &account)?;
            if claims.nats.revocations.remove(&key).is_none() {
                bail!("user {key} is not revoked in account {account:?}");
            }
            save_account(store, global, &op_name, &op, &account, &mut claims)?;
            ok_msg(format!("removed revocation of user {key:?}"));
        }
        RevocationsCommand::ListUsers { account } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let claims = store.load_account(&op_name, &account)?;
            let mut t = Table::new(format!("Revoked Users for {account}"))
                .headers(&["Public Key", "Revoke Credentials Before"]);
            for (k, at) in &claims.nats.revocations {
                t.row(&[k.clone(), date(*at)]);
            }
            print!("{}", t.render());
        }
    }
    Ok(())
}
