//! `delete account|user|export|import`.

use anyhow::{bail, Result};

use super::{ok_msg, save_account};
use crate::args::{DeleteCommand, Global};
use crate::store::{now, Store};

pub(crate) fn delete(store: &mut Store, global: &Global, cmd: DeleteCommand) -> Result<()> {
    let (op_name, op) = store.load_operator()?;
    match cmd {
        DeleteCommand::Account { name, rm_nkey } => {
            let claims = store.load_account(&op_name, &name)?;
            if claims.sub == op.nats.system_account {
                bail!("account {name:?} is the system account - it cannot be deleted");
            }
            let users: Vec<String> = store.user_names(&op_name, &name);
            let mut user_keys = Vec::new();
            for u in &users {
                if let Ok((c, _)) = store.load_user(&op_name, &name, u) {
                    user_keys.push(c.sub);
                }
            }
            store.delete_account(&op_name, &name)?;
            let creds_dir = store.creds_path(&op_name, &name, "x");
            if let Some(dir) = creds_dir.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
            if rm_nkey {
                store.remove_key(&claims.sub);
                for k in &user_keys {
                    store.remove_key(k);
                }
            }
            if store.ctx.account == name {
                store.ctx.account.clear();
                store.save_context()?;
            }
            ok_msg(format!("deleted account {name:?}"));
        }
        DeleteCommand::User {
            account,
            name,
            revoke,
            rm_nkey,
            rm_creds,
        } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let (claims, _) = store.load_user(&op_name, &account, &name)?;
            if revoke {
                let mut acct = store.load_account(&op_name, &account)?;
                acct.nats.revocations.insert(claims.sub.clone(), now());
                save_account(store, global, &op_name, &op, &account, &mut acct)?;
                ok_msg(format!("revoked user {:?}", claims.sub));
            }
            store.delete_user(&op_name, &account, &name)?;
            if rm_creds {
                let _ = std::fs::remove_file(store.creds_path(&op_name, &account, &name));
            }
            if rm_nkey {
                store.remove_key(&claims.sub);
            }
            ok_msg(format!("deleted user {name:?}"));
        }
        DeleteCommand::Export { account, subject } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let mut claims = store.load_account(&op_name, &account)?;
            let before = claims.nats.exports.len();
            claims.nats.exports.retain(|e| e.subject != subject);
            if claims.nats.exports.len() == before {
                bail!("account {account:?} has no export {subject:?}");
            }
            save_account(store, global, &op_name, &op, &account, &mut claims)?;
            ok_msg(format!("deleted export of {subject:?}"));
        }
        DeleteCommand::Import {
            account,
            subject,
            src_account,
        } => {
            let account = store.resolve_account(&op_name, account.as_deref())?;
            let mut claims = store.load_account(&op_name, &account)?;
            let src = match &src_account {
                Some(s) => Some(super::add::resolve_account_key(store, &op_name, s)?),
                None => None,
            };
            let before = claims.nats.imports.len();
            claims.nats.imports.retain(|i| {
                let hit = i.subject == subject || i.local_subject == subject;
                !(hit && src.as_ref().is_none_or(|s| *s == i.account))
            });
            match before - claims.nats.imports.len() {
                0 => bail!("account {account:?} has no import {subject:?}"),
                1 => {}
                _ if src.is_none() => {
                    bail!("several imports match {subject:?} - pick one with --src-account")
                }
                _ => {}
            }
            save_account(store, global, &op_name, &op, &account, &mut claims)?;
            ok_msg(format!("deleted import of {subject:?}"));
        }
    }
    Ok(())
}
