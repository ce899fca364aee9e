//! One module per verb. Shared here: signing, time and permission flags.

mod add;
mod delete;
mod describe;
mod edit;
mod env;
mod generate;
mod init;
mod list;
mod remote;
mod revocations;

use std::path::Path;

use anyhow::{anyhow, bail, Context as _, Result};
use nkeys::KeyPair;
use rnats_auth::jwt::{
    self, AccountClaims, Claims, KeyRole, OperatorClaims, Permissions, ResponsePermission,
};

use crate::args::{Cli, Command, Global, PermissionArgs, ValidityArgs};
use crate::store::{now, Store};

pub(crate) fn dispatch(cli: Cli) -> Result<()> {
    let Cli { global, command } = cli;
    let mut store = Store::open(&global);
    match command {
        Command::Init(a) => init::init(&mut store, &global, a),
        Command::Env(a) => env::env(&mut store, a),
        Command::Add(a) => add::add(&mut store, &global, a),
        Command::Edit(a) => edit::edit(&store, &global, a),
        Command::Delete(a) => delete::delete(&mut store, &global, a),
        Command::Describe(a) => describe::describe(&store, a),
        Command::List(a) => list::list(&store, a),
        Command::Generate(a) => generate::generate(&store, &global, a),
        Command::Push(a) => remote::push(&store, &global, a),
        Command::Pull(a) => remote::pull(&store, &global, a),
        Command::Revocations(a) => revocations::revocations(&store, &global, a),
        Command::Tool(t) => remote::tool(&store, t),
        Command::Pub(a) => remote::tool(&store, crate::args::ToolCommand::Pub(a)),
        Command::Sub(a) => remote::tool(&store, crate::args::ToolCommand::Sub(a)),
        Command::Req(a) => remote::tool(&store, crate::args::ToolCommand::Req(a)),
        Command::Reply(a) => remote::tool(&store, crate::args::ToolCommand::Reply(a)),
    }
}

/// Reads `-K`: a seed, a file holding a seed, or a public key whose seed is in the keystore.
fn private_key_flag(store: &Store, value: &str) -> Result<KeyPair> {
    let value = value.trim();
    if value.starts_with('S') {
        return KeyPair::from_seed(value).map_err(|e| anyhow!("invalid seed: {e}"));
    }
    let path = Path::new(value);
    if path.exists() {
        let text = std::fs::read_to_string(path)?;
        let seed = jwt::parse_creds(&text)
            .map(|(_, s)| s)
            .unwrap_or_else(|_| text.trim().to_string());
        return KeyPair::from_seed(&seed)
            .map_err(|e| anyhow!("invalid seed in {}: {e}", path.display()));
    }
    store.key(value)
}

/// The key that signs accounts: `-K` if given (must be the operator or one of its signing
/// keys); else the operator key unless signing keys are required, then a stored signing key.
pub(crate) fn operator_signer(
    store: &Store,
    global: &Global,
    op: &OperatorClaims,
) -> Result<KeyPair> {
    if let Some(k) = &global.private_key {
        let kp = private_key_flag(store, k)?;
        let pk = kp.public_key();
        if pk != op.sub && !op.nats.signing_keys.contains(&pk) {
            bail!("{pk} is not the operator's key or one of its signing keys");
        }
        if pk == op.sub && op.nats.strict_signing_key_usage {
            bail!("operator requires signing keys - use one of its signing keys");
        }
        return Ok(kp);
    }
    if !op.nats.strict_signing_key_usage && store.has_key(&op.sub) {
        return store.key(&op.sub);
    }
    for sk in &op.nats.signing_keys {
        if store.has_key(sk) {
            return store.key(sk);
        }
    }
    if op.nats.strict_signing_key_usage {
        bail!("operator requires signing keys and none is in the keystore");
    }
    bail!("the operator's key {} is not in the keystore", op.sub)
}

/// The key that signs users and activations of `account`: `-K` if given (the account key or
/// one of its signing keys), else the account key, else an unscoped stored signing key.
/// Returns the key and whether it is a signing key (then `issuer_account` must be set).
pub(crate) fn account_signer(
    store: &Store,
    global: &Global,
    account: &AccountClaims,
) -> Result<(KeyPair, bool)> {
    if let Some(k) = &global.private_key {
        let kp = private_key_flag(store, k)?;
        let pk = kp.public_key();
        if pk == account.sub {
            return Ok((kp, false));
        }
        if account.nats.signing_keys.contains(&pk) {
            return Ok((kp, true));
        }
        bail!("{pk} is not a key of account {:?}", account.name);
    }
    if store.has_key(&account.sub) {
        return Ok((store.key(&account.sub)?, false));
    }
    for (key, scope) in &account.nats.signing_keys.0 {
        if scope.is_none() && store.has_key(key) {
            return Ok((store.key(key)?, true));
        }
    }
    bail!(
        "the key of account {:?} ({}) is not in the keystore",
        account.name,
        account.sub
    )
}

/// Signs and writes an account JWT.
pub(crate) fn save_account(
    store: &Store,
    global: &Global,
    op_name: &str,
    op: &OperatorClaims,
    name: &str,
    claims: &mut AccountClaims,
) -> Result<String> {
    check_account(claims)?;
    let signer = operator_signer(store, global, op)?;
    claims.nats.sort();
    let token = jwt::encode(claims, &signer, now())?;
    store.write_account(op_name, name, &token)?;
    Ok(token)
}

/// The checks the Go library's validation makes that matter for what we write.
fn check_account(claims: &AccountClaims) -> Result<()> {
    let exports = &claims.nats.exports;
    for (i, a) in exports.iter().enumerate() {
        for (j, b) in exports.iter().enumerate() {
            if i != j
                && a.export_type == b.export_type
                && jwt::subject_is_contained_in(&a.subject, &b.subject)
            {
                bail!(
                    "{} export subject {:?} already exports {:?}",
                    b.export_type,
                    b.subject,
                    a.subject
                );
            }
        }
    }
    let limits = &claims.nats.limits;
    if limits.exports >= 0 && exports.len() as i64 > limits.exports {
        bail!("the account contains more exports than allowed by the operator");
    }
    if limits.imports >= 0 && claims.nats.imports.len() as i64 > limits.imports {
        bail!("the account contains more imports than allowed by the operator");
    }
    if !limits.wildcards && exports.iter().any(|e| jwt::has_wildcards(&e.subject)) {
        bail!("the account contains wildcard exports that are not allowed by the operator");
    }
    Ok(())
}

/// Parses `--start`/`--expiry`: `0` (none), `yyyy-mm-dd`, `yyyy-mm-dd hh:mm:ss[ UTC]`, RFC 3339,
/// Unix seconds, or `<n><unit>` relative to now with m = minutes, h, d, w, M = months, y.
pub(crate) fn parse_time(value: &str) -> Result<i64> {
    let v = value.trim();
    if v.is_empty() || v == "0" {
        return Ok(0);
    }
    if let Some((num, unit)) = v.split_at_checked(v.len() - 1) {
        if let Ok(n) = num.parse::<i64>() {
            let secs = match unit {
                "s" => Some(1),
                "m" => Some(60),
                "h" => Some(3600),
                "d" => Some(86_400),
                "w" => Some(7 * 86_400),
                "M" => Some(30 * 86_400),
                "y" => Some(365 * 86_400),
                _ => None,
            };
            if let Some(s) = secs {
                return Ok(now() + n * s);
            }
        }
    }
    if let Ok(n) = v.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(d.timestamp());
    }
    let stripped = v.trim_end_matches(" UTC");
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(stripped, "%Y-%m-%d %H:%M:%S") {
        return Ok(d.and_utc().timestamp());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(stripped, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc().timestamp());
        }
    }
    bail!("invalid time {value:?} - use 0, yyyy-mm-dd, yyyy-mm-dd hh:mm:ss or a relative time like 2d")
}

pub(crate) fn apply_validity<T>(claims: &mut Claims<T>, v: &ValidityArgs) -> Result<()> {
    if let Some(s) = &v.start {
        claims.nbf = parse_time(s)?;
    }
    if let Some(e) = &v.expiry {
        claims.exp = parse_time(e)?;
    }
    if claims.exp != 0 && claims.nbf != 0 && claims.exp <= claims.nbf {
        bail!("expiry must be after the start");
    }
    Ok(())
}

/// Parses a Go-style duration (`500ms`, `1s`, `5m`, `1h`) into nanoseconds.
pub(crate) fn parse_duration_ns(value: &str) -> Result<i64> {
    let v = value.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow!("invalid duration {value:?}"))?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "" | "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => bail!("invalid duration {value:?}"),
    };
    Ok((n * scale) as i64)
}

pub(crate) fn validate_subject(s: &str, allow_queue: bool) -> Result<()> {
    let mut parts = s.split(' ');
    let subject = parts.next().unwrap_or("");
    let queue = parts.next();
    if parts.next().is_some() || (queue.is_some() && !allow_queue) {
        bail!("invalid subject {s:?}");
    }
    if subject.is_empty()
        || subject.starts_with('.')
        || subject.ends_with('.')
        || subject.contains("..")
        || subject.chars().any(char::is_whitespace)
    {
        bail!("invalid subject {s:?}");
    }
    Ok(())
}

fn push_unique(list: &mut Vec<String>, items: &[String]) {
    for i in items {
        if !list.contains(i) {
            list.push(i.clone());
        }
    }
}

/// Applies `--allow-*`/`--deny-*`/`--allow-pub-response`/`--response-ttl`.
pub(crate) fn apply_permissions(p: &mut Permissions, args: &PermissionArgs) -> Result<()> {
    for s in args
        .allow_pub
        .iter()
        .chain(&args.deny_pub)
        .chain(&args.allow_pubsub)
        .chain(&args.deny_pubsub)
    {
        validate_subject(s, false)?;
    }
    for s in args.allow_sub.iter().chain(&args.deny_sub) {
        validate_subject(s, true)?;
    }
    push_unique(&mut p.publish.allow, &args.allow_pub);
    push_unique(&mut p.publish.allow, &args.allow_pubsub);
    push_unique(&mut p.subscribe.allow, &args.allow_sub);
    push_unique(&mut p.subscribe.allow, &args.allow_pubsub);
    push_unique(&mut p.publish.deny, &args.deny_pub);
    push_unique(&mut p.publish.deny, &args.deny_pubsub);
    push_unique(&mut p.subscribe.deny, &args.deny_sub);
    push_unique(&mut p.subscribe.deny, &args.deny_pubsub);
    if let Some(max) = args.allow_pub_response {
        let resp = p.resp.get_or_insert(ResponsePermission { max, ttl: 0 });
        resp.max = max;
    }
    if let Some(ttl) = &args.response_ttl {
        let ttl = parse_duration_ns(ttl)?;
        let resp = p.resp.get_or_insert(ResponsePermission { max: 1, ttl: 0 });
        resp.ttl = ttl;
    }
    Ok(())
}

/// `--sk` values: `generate` (stored), a seed (stored), or a public key of `role`.
pub(crate) fn signing_key_arg(store: &Store, value: &str, role: KeyRole) -> Result<String> {
    let kp = match value {
        "generate" => match role {
            KeyRole::Operator => KeyPair::new_operator(),
            _ => KeyPair::new_account(),
        },
        v if v.starts_with('S') => {
            KeyPair::from_seed(v).map_err(|e| anyhow!("invalid seed: {e}"))?
        }
        v => {
            if KeyRole::of(v) != Some(role) {
                bail!("{v:?} is not a valid {} public key", role.name());
            }
            return Ok(v.to_string());
        }
    };
    let pk = kp.public_key();
    if KeyRole::of(&pk) != Some(role) {
        bail!("the signing key must be an {} key", role.name());
    }
    store.store_key(&kp)?;
    Ok(pk)
}

/// Prints text to stdout or writes it (atomically) to `file`.
pub(crate) fn output(file: Option<&Path>, text: &str) -> Result<()> {
    match file {
        Some(f) if f.as_os_str() != "--" => crate::store::write_atomic(f, text.as_bytes())
            .with_context(|| format!("writing {}", f.display())),
        _ => {
            print!("{text}");
            Ok(())
        }
    }
}

/// `[ OK ] …` status lines go to stderr, as nsc's do.
pub(crate) fn ok_msg(msg: impl AsRef<str>) {
    eprintln!("[ OK ] {}", msg.as_ref());
}
