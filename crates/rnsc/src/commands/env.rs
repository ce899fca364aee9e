//! `env`: show or set the current store, operator and account.

use anyhow::{bail, Result};

use crate::args::EnvArgs;
use crate::store::Store;
use crate::tables::Table;

pub(crate) fn env(store: &mut Store, a: EnvArgs) -> Result<()> {
    let mut changed = false;
    if let Some(dir) = &a.store {
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        store.dirs.stores = dir.clone();
        changed = true;
    }
    if let Some(op) = &a.operator {
        if !store.operator_dir(op).join(".nsc").exists() {
            bail!(
                "operator {op:?} not found in {}",
                store.dirs.stores.display()
            );
        }
        store.ctx.operator = op.clone();
        store.ctx.account.clear();
        changed = true;
    }
    if let Some(acct) = &a.account {
        let op = store.current_operator()?;
        if !store.account_exists(&op, acct) {
            bail!("account {acct:?} not found in operator {op:?}");
        }
        store.ctx.operator = op;
        store.ctx.account = acct.clone();
        changed = true;
    }
    if changed {
        store.save_context()?;
    }
    let var = |name: &str| std::env::var(name).ok();
    let mut t = Table::new("NSC Environment").headers(&["Setting", "Set", "Effective Value"]);
    for (label, name, effective) in [
        ("$XDG_CONFIG_HOME", "XDG_CONFIG_HOME", None),
        ("$XDG_DATA_HOME", "XDG_DATA_HOME", None),
        ("$NSC_CWD_ONLY", "NSC_CWD_ONLY", None),
        ("$NSC_NO_GIT_IGNORE", "NSC_NO_GIT_IGNORE", None),
        (
            "$NKEYS_PATH (deprecated)",
            "NKEYS_PATH",
            Some(store.dirs.keys.display().to_string()),
        ),
        (
            "$NSC_HOME (deprecated)",
            "NSC_HOME",
            Some(store.dirs.config.display().to_string()),
        ),
        ("$NATS_CA", "NATS_CA", None),
        ("$NATS_KEY", "NATS_KEY", None),
        ("$NATS_CERT", "NATS_CERT", None),
    ] {
        let set = var(name);
        let shown = effective.or(set.clone()).unwrap_or_default();
        t.row(&[
            label,
            if set.is_some() { "Yes" } else { "No" },
            shown.as_str(),
        ]);
    }
    t.separator();
    let op = store.current_operator().unwrap_or_default();
    let acct = if op.is_empty() {
        String::new()
    } else {
        store.resolve_account(&op, None).unwrap_or_default()
    };
    t.row(&["From CWD", "", "No"]);
    t.row(&[
        "Default Stores Dir",
        "",
        &store.dirs.stores.display().to_string(),
    ]);
    t.row(&[
        "Current Store Dir",
        "",
        &store.dirs.stores.display().to_string(),
    ]);
    t.row(&["Current Operator", "", &op]);
    t.row(&["Current Account", "", &acct]);
    t.row(&["Root CAs to trust", "", "Default: System Trust Store"]);
    print!("{}", t.render());
    Ok(())
}
