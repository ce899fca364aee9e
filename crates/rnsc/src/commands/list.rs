//! `list keys|accounts|users|operators`.

use anyhow::Result;

use crate::args::ListCommand;
use crate::store::Store;
use crate::tables::Table;

pub(crate) fn list(store: &Store, cmd: ListCommand) -> Result<()> {
    let text = match cmd {
        ListCommand::Operators => {
            let mut t = Table::new("Operators").headers(&["Name", "Public Key"]);
            for name in store.operator_names() {
                let key = store.operator_dir(&name).join(format!("{name}.jwt"));
                let key = crate::store::read_jwt_file(&key)
                    .map(|(_, c)| c.common().sub.to_string())
                    .unwrap_or_default();
                t.row(&[name, key]);
            }
            t.render()
        }
        ListCommand::Accounts => {
            let (op, _) = store.load_operator()?;
            let mut t = Table::new("Accounts").headers(&["Name", "Public Key"]);
            let names = store.account_names(&op);
            if names.is_empty() {
                t.row(&["No entries defined", ""]);
            }
            for name in names {
                let c = store.load_account(&op, &name)?;
                t.row(&[display_name(&name, &c.name), c.sub]);
            }
            t.render()
        }
        ListCommand::Users { account } => {
            let op = store.current_operator()?;
            let account = store.resolve_account(&op, account.as_deref())?;
            let mut t = Table::new("Users").headers(&["Name", "Public Key"]);
            let names = store.user_names(&op, &account);
            if names.is_empty() {
                t.row(&["No entries defined", ""]);
            }
            for name in names {
                let (c, _) = store.load_user(&op, &account, &name)?;
                t.row(&[display_name(&name, &c.name), c.sub]);
            }
            t.render()
        }
        ListCommand::Keys {
            account,
            show_seeds,
        } => keys(store, account.as_deref(), show_seeds)?,
    };
    print!("{text}");
    Ok(())
}

fn display_name(file: &str, claim: &str) -> String {
    if file == claim.trim() {
        file.to_string()
    } else {
        format!("{file} ({claim})")
    }
}

fn keys(store: &Store, only: Option<&str>, show_seeds: bool) -> Result<String> {
    let (op_name, op) = store.load_operator()?;
    let mut rows: Vec<(String, String, bool)> = Vec::new();
    rows.push((op_name.clone(), op.sub.clone(), false));
    for sk in &op.nats.signing_keys {
        rows.push((op_name.clone(), sk.clone(), true));
    }
    for name in store.account_names(&op_name) {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let a = store.load_account(&op_name, &name)?;
        rows.push((format!(" {name}"), a.sub.clone(), false));
        for sk in a.nats.signing_keys.keys() {
            rows.push((format!(" {name}"), sk.to_string(), true));
        }
        for user in store.user_names(&op_name, &name) {
            let (u, _) = store.load_user(&op_name, &name, &user)?;
            rows.push((format!("  {user}"), u.sub, false));
        }
    }
    let star = |b: bool| if b { "*" } else { "" };
    if show_seeds {
        let mut t = Table::new("Seeds Keys").headers(&["Entity", "Private Key", "Signing Key"]);
        for (entity, key, signing) in rows {
            let seed = store
                .key(&key)
                .ok()
                .and_then(|k| k.seed().ok())
                .unwrap_or_else(|| "[!]".to_string());
            t.row(&[entity, seed, star(signing).to_string()]);
        }
        return Ok(t.render());
    }
    let mut t = Table::new("Keys").headers(&["Entity", "Key", "Signing Key", "Stored"]);
    for (entity, key, signing) in rows {
        let stored = star(store.has_key(&key)).to_string();
        t.row(&[entity, key, star(signing).to_string(), stored]);
    }
    Ok(t.render())
}
