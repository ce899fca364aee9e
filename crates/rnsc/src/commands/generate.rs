//! `generate activation|creds|config`.

use anyhow::{bail, Result};
use rnats_auth::jwt::{self, ActivationClaims, KeyRole};

use super::{account_signer, apply_validity, ok_msg, output};
use crate::args::{GenerateCommand, Global};
use crate::store::{now, Store};

pub(crate) fn generate(store: &Store, global: &Global, cmd: GenerateCommand) -> Result<()> {
    match cmd {
        GenerateCommand::Activation {
            account,
            target_account,
            subject,
            output_file,
            validity,
        } => {
            let op = store.current_operator()?;
            let account = store.resolve_account(&op, account.as_deref())?;
            let exporter = store.load_account(&op, &account)?;
            if KeyRole::of(&target_account) != Some(KeyRole::Account) {
                bail!("{target_account:?} is not a valid account public key");
            }
            if target_account == exporter.sub {
                bail!("an account cannot activate its own export");
            }
            super::validate_subject(&subject, false)?;
            let export = exporter
                .nats
                .exports
                .iter()
                .find(|e| jwt::subject_is_contained_in(&subject, &e.subject))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "subject {subject:?} is not covered by any export of account {account:?}"
                    )
                })?;
            if !export.token_req {
                bail!(
                    "export {:?} of account {account:?} is public - it needs no activation",
                    export.subject
                );
            }
            let mut act = ActivationClaims::new(target_account.clone());
            act.name = subject.clone();
            act.nats.import_subject = subject.clone();
            act.nats.import_type = export.export_type;
            apply_validity(&mut act, &validity)?;
            let (signer, is_sk) = account_signer(store, global, &exporter)?;
            if is_sk {
                act.nats.issuer_account = exporter.sub.clone();
            }
            let token = jwt::encode(&mut act, &signer, now())?;
            output(
                output_file.as_deref(),
                &jwt::decorate_jwt(&token, "activation"),
            )?;
            if output_file.is_some() {
                ok_msg(format!(
                    "generated {:?} activation for account {target_account:?}",
                    subject
                ));
            }
            Ok(())
        }
        GenerateCommand::Creds {
            account,
            name,
            output_file,
        } => {
            let op = store.current_operator()?;
            let account = store.resolve_account(&op, account.as_deref())?;
            let user = store.resolve_user(&op, &account, name.as_deref())?;
            let (claims, token) = store.load_user(&op, &account, &user)?;
            let seed = store.key(&claims.sub)?.seed()?;
            output(
                output_file.as_deref(),
                &jwt::format_user_creds(&token, &seed),
            )
        }
        GenerateCommand::Config {
            mem_resolver,
            nats_resolver,
            nats_resolver_cache,
            sys_account,
            config_file,
        } => {
            let text = match (mem_resolver, nats_resolver, nats_resolver_cache) {
                (true, false, false) => mem_config(store, sys_account.as_deref())?,
                (false, true, false) => nats_config(store, sys_account.as_deref(), false)?,
                (false, false, true) => nats_config(store, sys_account.as_deref(), true)?,
                _ => bail!(
                    "specify exactly one of --mem-resolver, --nats-resolver or --nats-resolver-cache"
                ),
            };
            output(config_file.as_deref(), &text)?;
            if let Some(f) = config_file {
                ok_msg(format!("wrote server configuration to `{}`", f.display()));
            }
            Ok(())
        }
    }
}

fn operator_token(store: &Store, name: &str) -> Result<String> {
    let path = store.operator_dir(name).join(format!("{name}.jwt"));
    Ok(crate::store::read_jwt_file(&path)?.0)
}

fn system_account(
    store: &Store,
    op_name: &str,
    default: &str,
    flag: Option<&str>,
) -> Result<Option<(String, String)>> {
    let key = match flag {
        Some(f) => super::add::resolve_account_key(store, op_name, f)?,
        None if default.is_empty() => return Ok(None),
        None => default.to_string(),
    };
    let name = store
        .find_account(op_name, &key)
        .map(|(n, _)| n)
        .unwrap_or_default();
    Ok(Some((key, name)))
}

fn mem_config(store: &Store, sys: Option<&str>) -> Result<String> {
    let (op_name, op) = store.load_operator()?;
    let mut out = format!(
        "// Operator {:?}\noperator: {}\n\n",
        op.name,
        operator_token(store, &op_name)?
    );
    if let Some((key, _)) = system_account(store, &op_name, &op.nats.system_account, sys)? {
        out.push_str(&format!("system_account: {key}\n\n"));
    }
    out.push_str("resolver: MEMORY\n\nresolver_preload: {\n");
    let mut accounts = Vec::new();
    for name in store.account_names(&op_name) {
        let claims = store.load_account(&op_name, &name)?;
        let token = store.account_token(&op_name, &name)?;
        accounts.push((claims.sub, claims.name, token));
    }
    accounts.sort();
    for (key, name, token) in accounts {
        out.push_str(&format!("  // Account {name:?}\n  {key}: {token}\n\n"));
    }
    out.push_str("}\n");
    Ok(out)
}

fn nats_config(store: &Store, sys: Option<&str>, cache: bool) -> Result<String> {
    let (op_name, op) = store.load_operator()?;
    let Some((sys_key, sys_name)) = system_account(store, &op_name, &op.nats.system_account, sys)?
    else {
        bail!("a system account is required for a NATS resolver - set one with --sys-account or `rnsc edit operator --system-account`");
    };
    let Some((file_name, _)) = store.find_account(&op_name, &sys_key) else {
        bail!("system account {sys_key} is not in the store");
    };
    let sys_token = store.account_token(&op_name, &file_name)?;
    let resolver = if cache {
        "resolver {\n    type: cache\n    dir: './jwt'\n    ttl: \"1h\"\n    timeout: \"1.9s\"\n}\n"
    } else {
        "resolver {\n    type: full\n    # Directory in which account jwt will be stored\n    dir: './jwt'\n    # In order to support jwt deletion, set to true\n    # If the resolver type is full delete will rename the jwt.\n    # This is to allow manual restoration in case of inadvertent deletion.\n    # To restore a jwt, remove the added suffix .delete and restart or send a reload signal.\n    # To free up storage you must manually delete files with the suffix .delete.\n    allow_delete: false\n    # Interval at which a nats-server with a nats based account resolver will compare\n    # it's state with one random nats based account resolver in the cluster and if needed,\n    # exchange jwt and converge on the same set of jwt.\n    interval: \"2m\"\n    # Timeout for lookup requests in case an account does not exist locally.\n    timeout: \"1.9s\"\n}\n"
    };
    Ok(format!(
        "# Operator named {}\noperator: {}\n# System Account named {sys_name}\nsystem_account: {sys_key}\n\n\
         # configuration of the nats based account resolver\n{resolver}\n\n\
         # Preload the nats based resolver with the system account jwt.\n\
         # This is not necessary but avoids a bootstrapping system account.\n\
         # This only applies to the system account. Therefore other account jwt are not included here.\n\
         # To populate the resolver:\n\
         # 1) make sure that your operator has the account server URL pointing at your nats servers.\n\
         #    The url must start with: \"nats://\"\n\
         #    nsc edit operator --account-jwt-server-url nats://localhost:4222\n\
         # 2) push your accounts using: nsc push --all\n\
         #    The argument to push -u is optional if your account server url is set as described.\n\
         # 3) to prune accounts use: nsc push --prune\n\
         #    In order to enable prune you must set above allow_delete to true\n\
         # Later changes to the system account take precedence over the system account jwt listed here.\n\
         resolver_preload: {{\n\t{sys_key}: {sys_token},\n}}\n",
        op.name,
        operator_token(store, &op_name)?
    ))
}
