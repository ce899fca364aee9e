//! The on-disk store, laid out as nsc lays it out so either tool can open the other's files.
//!
//! ```text
//! <config>/nsc.json                       current store root, operator, account
//! <stores>/<O>/.nsc                       {"managed":false,"name":"O","kind":"operator","version":"1"}
//! <stores>/<O>/<O>.jwt                    operator JWT
//! <stores>/<O>/accounts/<A>/<A>.jwt       account JWT
//! <stores>/<O>/accounts/<A>/users/<u>.jwt user JWT
//! <keys>/keys/<K>/<XY>/<PUBKEY>.nk        seed; K = 1st letter, XY = 2nd and 3rd letters
//! <keys>/creds/<O>/<A>/<u>.creds          creds file
//! ```
//!
//! Every file is written to a temporary sibling and renamed into place, directories 0700,
//! files 0600.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use nkeys::KeyPair;
use rnats_auth::jwt::{
    self, AccountClaims, ActivationClaims, AnyClaims, OperatorClaims, UserClaims,
};
use serde::{Deserialize, Serialize};

use crate::args::Global;

/// Where the three directories are.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub stores: PathBuf,
    pub keys: PathBuf,
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn xdg(name: &str, fallback: &[&str]) -> PathBuf {
    env_dir(name).unwrap_or_else(|| fallback.iter().fold(home(), |p, s| p.join(s)))
}

impl Dirs {
    /// Flags first, then the deprecated env vars, then XDG locations with nsc's legacy
    /// fallbacks (`~/.nsc`, `~/.nkeys`) when only those exist.
    pub fn resolve(global: &Global) -> Self {
        let all = global.all_dirs.clone();
        let config_home = xdg("XDG_CONFIG_HOME", &[".config"]).join("nats/nsc");
        let data_home = xdg("XDG_DATA_HOME", &[".local", "share"]).join("nats/nsc");
        let legacy = |new: PathBuf, old: PathBuf, probe: &str| {
            if !new.join(probe).exists() && old.join(probe).exists() {
                old
            } else {
                new
            }
        };
        let config = global
            .config_dir
            .clone()
            .or_else(|| all.as_ref().map(|d| d.join("config")))
            .or_else(|| env_dir("NSC_HOME"))
            .unwrap_or_else(|| legacy(config_home, home().join(".nsc"), "nsc.json"));
        let stores = global
            .data_dir
            .clone()
            .or_else(|| all.as_ref().map(|d| d.join("stores")))
            .or_else(|| {
                let ctx = Context::load(&config);
                (!ctx.store_root.is_empty()).then(|| PathBuf::from(ctx.store_root))
            })
            .unwrap_or_else(|| {
                let new = data_home.join("stores");
                let old = home().join(".nsc/nats");
                if !new.exists() && old.exists() {
                    old
                } else {
                    new
                }
            });
        let keys = global
            .keystore_dir
            .clone()
            .or_else(|| all.as_ref().map(|d| d.join("keys")))
            .or_else(|| env_dir("NKEYS_PATH"))
            .unwrap_or_else(|| {
                let new = data_home.join("keys");
                let old = home().join(".nkeys");
                if !new.exists() && old.exists() {
                    old
                } else {
                    new
                }
            });
        Self {
            config,
            stores,
            keys,
        }
    }
}

/// `nsc.json`: the current context.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Context {
    #[serde(default)]
    pub store_root: String,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub account: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub github_updates: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_update: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Context {
    fn load(config: &Path) -> Self {
        fs::read_to_string(config.join("nsc.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }
}

/// Writes `bytes` to `path` via a temporary sibling and a rename, creating parents (0700) and
/// leaving the file 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent directory", path.display()))?;
    create_dir(parent)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        fs::write(&tmp, bytes)?;
        set_mode(&tmp, 0o600)?;
        fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

fn create_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    set_mode(dir, 0o700)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

/// The current Unix time.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An opened store: directories plus the current context.
pub struct Store {
    pub dirs: Dirs,
    pub ctx: Context,
}

/// Names as nsc derives them from the `name` claim.
pub fn safe_name(name: &str) -> String {
    name.trim().to_string()
}

impl Store {
    pub fn open(global: &Global) -> Self {
        let dirs = Dirs::resolve(global);
        let ctx = Context::load(&dirs.config);
        Self { dirs, ctx }
    }

    /// Records the current operator/account in `nsc.json`.
    pub fn save_context(&mut self) -> Result<()> {
        self.ctx.store_root = self.dirs.stores.to_string_lossy().into_owned();
        let text = serde_json::to_string_pretty(&self.ctx)?;
        write_atomic(&self.dirs.config.join("nsc.json"), text.as_bytes())
    }

    // ---- operators

    pub fn operator_dir(&self, name: &str) -> PathBuf {
        self.dirs.stores.join(name)
    }

    pub fn operator_names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dirs.stores)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join(".nsc").exists())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The operator to work on: the context's, or the only one in the store.
    pub fn current_operator(&self) -> Result<String> {
        if !self.ctx.operator.is_empty() && self.operator_dir(&self.ctx.operator).exists() {
            return Ok(self.ctx.operator.clone());
        }
        let names = self.operator_names();
        match names.as_slice() {
            [only] => Ok(only.clone()),
            [] => bail!(
                "no operator found in {} - run `rnsc init` or `rnsc add operator`",
                self.dirs.stores.display()
            ),
            _ => bail!("set an operator with `rnsc env -o <name>`"),
        }
    }

    pub fn load_operator(&self) -> Result<(String, OperatorClaims)> {
        let name = self.current_operator()?;
        let path = self.operator_dir(&name).join(format!("{name}.jwt"));
        let token = read_token(&path)?;
        let claims =
            jwt::decode_operator(&token).with_context(|| format!("reading {}", path.display()))?;
        Ok((name, claims))
    }

    pub fn write_operator(&self, name: &str, token: &str) -> Result<()> {
        let dir = self.operator_dir(name);
        if !dir.join(".nsc").exists() {
            let marker =
                format!(r#"{{"managed":false,"name":"{name}","kind":"operator","version":"1"}}"#);
            write_atomic(&dir.join(".nsc"), marker.as_bytes())?;
        }
        write_atomic(&dir.join(format!("{name}.jwt")), token.as_bytes())
    }

    // ---- accounts

    fn accounts_dir(&self, op: &str) -> PathBuf {
        self.operator_dir(op).join("accounts")
    }

    pub fn account_names(&self, op: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.accounts_dir(op))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let n = e.file_name();
                e.path()
                    .join(format!("{}.jwt", n.to_string_lossy()))
                    .exists()
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    pub fn account_exists(&self, op: &str, name: &str) -> bool {
        self.account_path(op, name).exists()
    }

    fn account_path(&self, op: &str, name: &str) -> PathBuf {
        self.accounts_dir(op).join(name).join(format!("{name}.jwt"))
    }

    pub fn load_account(&self, op: &str, name: &str) -> Result<AccountClaims> {
        let path = self.account_path(op, name);
        if !path.exists() {
            bail!("account {name:?} not found in operator {op:?}");
        }
        let token = read_token(&path)?;
        jwt::decode_account(&token).with_context(|| format!("reading {}", path.display()))
    }

    pub fn account_token(&self, op: &str, name: &str) -> Result<String> {
        read_token(&self.account_path(op, name))
    }

    pub fn write_account(&self, op: &str, name: &str, token: &str) -> Result<()> {
        write_atomic(&self.account_path(op, name), token.as_bytes())
    }

    pub fn delete_account(&self, op: &str, name: &str) -> Result<()> {
        let dir = self.accounts_dir(op).join(name);
        fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))
    }

    /// `-a NAME`, else the context's account, else the only account.
    pub fn resolve_account(&self, op: &str, flag: Option<&str>) -> Result<String> {
        if let Some(name) = flag {
            if !self.account_exists(op, name) {
                bail!("account {name:?} not found in operator {op:?}");
            }
            return Ok(name.to_string());
        }
        if !self.ctx.account.is_empty() && self.account_exists(op, &self.ctx.account) {
            return Ok(self.ctx.account.clone());
        }
        match self.account_names(op).as_slice() {
            [only] => Ok(only.clone()),
            [] => bail!("operator {op:?} has no accounts - add one with `rnsc add account`"),
            _ => bail!("specify an account with --account (-a)"),
        }
    }

    /// The account named `name_or_key`, or the one whose public key it is.
    pub fn find_account(&self, op: &str, name_or_key: &str) -> Option<(String, AccountClaims)> {
        if self.account_exists(op, name_or_key) {
            return self
                .load_account(op, name_or_key)
                .ok()
                .map(|c| (name_or_key.to_string(), c));
        }
        self.account_names(op).into_iter().find_map(|n| {
            let c = self.load_account(op, &n).ok()?;
            (c.sub == name_or_key).then_some((n, c))
        })
    }

    // ---- users

    fn users_dir(&self, op: &str, account: &str) -> PathBuf {
        self.accounts_dir(op).join(account).join("users")
    }

    fn user_path(&self, op: &str, account: &str, name: &str) -> PathBuf {
        self.users_dir(op, account).join(format!("{name}.jwt"))
    }

    pub fn user_names(&self, op: &str, account: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.users_dir(op, account))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".jwt").map(str::to_string)
            })
            .collect();
        names.sort();
        names
    }

    pub fn user_exists(&self, op: &str, account: &str, name: &str) -> bool {
        self.user_path(op, account, name).exists()
    }

    pub fn load_user(&self, op: &str, account: &str, name: &str) -> Result<(UserClaims, String)> {
        let path = self.user_path(op, account, name);
        if !path.exists() {
            bail!("user {name:?} not found in account {account:?}");
        }
        let token = read_token(&path)?;
        let claims =
            jwt::decode_user(&token).with_context(|| format!("reading {}", path.display()))?;
        Ok((claims, token))
    }

    pub fn write_user(&self, op: &str, account: &str, name: &str, token: &str) -> Result<()> {
        write_atomic(&self.user_path(op, account, name), token.as_bytes())
    }

    pub fn delete_user(&self, op: &str, account: &str, name: &str) -> Result<()> {
        let path = self.user_path(op, account, name);
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))
    }

    /// `-n NAME`, else the only user of the account.
    pub fn resolve_user(&self, op: &str, account: &str, flag: Option<&str>) -> Result<String> {
        if let Some(name) = flag {
            if !self.user_exists(op, account, name) {
                bail!("user {name:?} not found in account {account:?}");
            }
            return Ok(name.to_string());
        }
        match self.user_names(op, account).as_slice() {
            [only] => Ok(only.clone()),
            [] => bail!("account {account:?} has no users"),
            _ => bail!("specify a user with --name (-n)"),
        }
    }

    // ---- keystore

    fn key_path(&self, public_key: &str) -> PathBuf {
        let kind = &public_key[..1];
        let shard = &public_key[1..3.min(public_key.len())];
        self.dirs
            .keys
            .join("keys")
            .join(kind)
            .join(shard)
            .join(format!("{public_key}.nk"))
    }

    fn ensure_gitignore(&self) -> Result<()> {
        let path = self.dirs.keys.join(".gitignore");
        if !path.exists() && std::env::var_os("NSC_NO_GIT_IGNORE").is_none() {
            write_atomic(
                &path,
                b"# ignore all nk files\n**/*.nk\n\n# ignore all creds files\n**/*.creds\n",
            )?;
        }
        Ok(())
    }

    /// Stores the seed of `kp` under its public key.
    pub fn store_key(&self, kp: &KeyPair) -> Result<()> {
        let seed = kp
            .seed()
            .map_err(|e| anyhow!("key {} has no seed: {e}", kp.public_key()))?;
        self.ensure_gitignore()?;
        write_atomic(&self.key_path(&kp.public_key()), seed.as_bytes())
    }

    pub fn has_key(&self, public_key: &str) -> bool {
        public_key.len() > 3 && self.key_path(public_key).exists()
    }

    /// The key pair of `public_key` from the keystore.
    pub fn key(&self, public_key: &str) -> Result<KeyPair> {
        if public_key.len() < 4 {
            bail!("{public_key:?} is not a public key");
        }
        let path = self.key_path(public_key);
        let seed = fs::read_to_string(&path)
            .with_context(|| format!("no seed for {public_key} in the keystore"))?;
        let kp = KeyPair::from_seed(seed.trim())
            .map_err(|e| anyhow!("bad seed in {}: {e}", path.display()))?;
        if kp.public_key() != public_key {
            bail!("seed in {} is not for {public_key}", path.display());
        }
        Ok(kp)
    }

    pub fn creds_path(&self, op: &str, account: &str, user: &str) -> PathBuf {
        self.dirs
            .keys
            .join("creds")
            .join(op)
            .join(account)
            .join(format!("{user}.creds"))
    }

    pub fn remove_key(&self, public_key: &str) {
        let _ = fs::remove_file(self.key_path(public_key));
    }
}

fn read_token(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(jwt::extract_jwt(&text)
        .with_context(|| format!("reading {}", path.display()))?
        .to_string())
}

/// Reads a JWT from a file (raw or decorated) and decodes it.
pub fn read_jwt_file(path: &Path) -> Result<(String, AnyClaims)> {
    let token = read_token(path)?;
    let claims = jwt::decode(&token).with_context(|| format!("decoding {}", path.display()))?;
    Ok((token, claims))
}

/// Reads an activation token from a file (raw or decorated).
pub fn read_activation_file(path: &Path) -> Result<(String, ActivationClaims)> {
    let token = read_token(path)?;
    let claims = jwt::decode_activation(&token)
        .with_context(|| format!("decoding activation {}", path.display()))?;
    Ok((token, claims))
}
