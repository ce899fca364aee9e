//! `init` and `add operator`, including the system account nsc creates with `--sys`.

use anyhow::{bail, Result};
use nkeys::KeyPair;
use rnats_auth::jwt::{self, AccountClaims, Export, ExportType, OperatorClaims, UserClaims};

use super::{apply_validity, output};
use crate::args::{AddOperatorArgs, Global, InitArgs, ValidityArgs};
use crate::store::{now, safe_name, Store};

/// Name of the system account and its user.
pub(crate) const SYS_ACCOUNT: &str = "SYS";
pub(crate) const SYS_USER: &str = "sys";

use super::ok_msg as ok;

pub(crate) fn init(store: &mut Store, global: &Global, args: InitArgs) -> Result<()> {
    if let Some(dir) = &args.dir {
        store.dirs.stores = dir.clone();
    }
    let name = safe_name(&args.name);
    if name.is_empty() {
        bail!("a name is required");
    }
    if store.operator_dir(&name).exists() {
        bail!(
            "operator {name:?} already exists in {}",
            store.dirs.stores.display()
        );
    }
    let op_args = AddOperatorArgs {
        name: name.clone(),
        generate_signing_key: false,
        sys: true,
        force: false,
        validity: ValidityArgs::default(),
    };
    add_operator(store, global, op_args)?;
    let op_jwt_dir = store.operator_dir(&name);
    // The account and user of the same name.
    super::add::create_account(store, global, &name, &name, None, |_| Ok(()))?;
    let creds = super::add::create_user(store, global, &name, &name, &name, None, |_| Ok(()))?;
    ok(format!(
        "project jwt files created in `{}`",
        op_jwt_dir.display()
    ));
    if let Some(path) = creds {
        ok(format!("user creds file stored in `{}`", path.display()));
    }
    eprintln!("> to run a local server using this configuration, enter:");
    eprintln!(">   rnsc generate config --mem-resolver --config-file <path/server.conf>");
    eprintln!("> then start a nats-server using the generated config:");
    eprintln!(">   nats-server -c <path/server.conf>");
    eprintln!("all jobs succeeded");
    Ok(())
}

pub(crate) fn add_operator(
    store: &mut Store,
    global: &Global,
    args: AddOperatorArgs,
) -> Result<()> {
    let name = safe_name(&args.name);
    if name.is_empty() {
        bail!("operator name is required");
    }
    if store.operator_dir(&name).exists() && !args.force {
        bail!("operator {name:?} already exists - use --force to replace it");
    }
    let key = KeyPair::new_operator();
    let mut op = OperatorClaims::new(key.public_key());
    op.name = name.clone();
    apply_validity(&mut op, &args.validity)?;
    let mut signing = None;
    if args.generate_signing_key {
        let sk = KeyPair::new_operator();
        op.nats.signing_keys.push(sk.public_key());
        signing = Some(sk);
    }

    // Everything is built before anything is written.
    let sys = if args.sys {
        Some(build_system_account(&key, &mut op)?)
    } else {
        None
    };
    let token = jwt::encode(&mut op, &key, now())?;

    store.store_key(&key)?;
    ok(format!(
        "generated and stored operator key {:?}",
        key.public_key()
    ));
    if let Some(sk) = &signing {
        store.store_key(sk)?;
        ok(format!(
            "generated and stored operator signing key {:?}",
            sk.public_key()
        ));
    }
    store.write_operator(&name, &token)?;
    ok(format!("added operator {name:?}"));
    store.ctx.operator = name.clone();
    store.ctx.account.clear();
    if let Some(sys) = sys {
        for kp in [&sys.account_key, &sys.signing_key, &sys.user_key] {
            store.store_key(kp)?;
        }
        store.write_account(&name, SYS_ACCOUNT, &sys.account_jwt)?;
        ok(format!(
            "created system_account: name:{SYS_ACCOUNT} id:{}",
            sys.account_key.public_key()
        ));
        store.write_user(&name, SYS_ACCOUNT, SYS_USER, &sys.user_jwt)?;
        ok(format!(
            "created system account user: name:{SYS_USER} id:{}",
            sys.user_key.public_key()
        ));
        let creds = store.creds_path(&name, SYS_ACCOUNT, SYS_USER);
        let seed = sys.user_key.seed()?;
        output(Some(&creds), &jwt::format_user_creds(&sys.user_jwt, &seed))?;
        ok(format!(
            "system account user creds file stored in `{}`",
            creds.display()
        ));
    }
    store.save_context()?;
    let _ = global;
    Ok(())
}

struct SystemAccount {
    account_key: KeyPair,
    signing_key: KeyPair,
    user_key: KeyPair,
    account_jwt: String,
    user_jwt: String,
}

/// The system account as nsc makes it: a signing key, the two account-monitoring exports,
/// and user `sys` issued by the signing key. Sets the operator's `system_account`.
fn build_system_account(op_key: &KeyPair, op: &mut OperatorClaims) -> Result<SystemAccount> {
    let account_key = KeyPair::new_account();
    let signing_key = KeyPair::new_account();
    let user_key = KeyPair::new_user();
    let mut acct = AccountClaims::new(account_key.public_key());
    acct.name = SYS_ACCOUNT.to_string();
    acct.nats.signing_keys.add(signing_key.public_key());
    acct.nats.exports = vec![
        Export {
            name: "account-monitoring-services".into(),
            subject: "$SYS.REQ.ACCOUNT.*.*".into(),
            export_type: ExportType::Service,
            response_type: "Stream".into(),
            account_token_position: 4,
            description: "Request account specific monitoring services for: SUBSZ, CONNZ, LEAFZ, JSZ and INFO".into(),
            info_url: "https://docs.nats.io/nats-server/configuration/sys_accounts".into(),
            ..Export::default()
        },
        Export {
            name: "account-monitoring-streams".into(),
            subject: "$SYS.ACCOUNT.*.>".into(),
            export_type: ExportType::Stream,
            account_token_position: 3,
            description: "Account specific monitoring stream".into(),
            info_url: "https://docs.nats.io/nats-server/configuration/sys_accounts".into(),
            ..Export::default()
        },
    ];
    acct.nats.sort();
    let account_jwt = jwt::encode(&mut acct, op_key, now())?;
    let mut user = UserClaims::new(user_key.public_key());
    user.name = SYS_USER.to_string();
    user.nats.issuer_account = account_key.public_key();
    let user_jwt = jwt::encode(&mut user, &signing_key, now())?;
    op.nats.system_account = account_key.public_key();
    Ok(SystemAccount {
        account_key,
        signing_key,
        user_key,
        account_jwt,
        user_jwt,
    })
}
