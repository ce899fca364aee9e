//! Account JWTs by public key: `resolver: MEMORY` (with `resolver_preload`), `resolver:
//! URL("http://…/")` (fetched over HTTP when first needed, see [`super::fetch`]) and the
//! NATS-based `resolver { type: full | cache, dir, ... }` that keeps one file `<dir>/<A…>.jwt`
//! per account.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use rnats_auth::jwt;
use rnats_conf::{Value, ValueKind};

/// Which resolver the config asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolverKind {
    /// `MEMORY`/`MEM`: preloaded JWTs only; updates apply to known accounts.
    Memory,
    /// `full`: stores every pushed account, serves lookups and lists.
    Full,
    /// `cache`: stores accounts it already knows; no deletes.
    Cache,
    /// `URL(<base>)`: read-only; an unknown account is fetched with `GET <base><A…>`.
    Url,
}

/// Where account JWTs are kept.
#[derive(Debug)]
pub struct Resolver {
    pub kind: ResolverKind,
    pub dir: Option<PathBuf>,
    pub allow_delete: bool,
    pub hard_delete: bool,
    /// Most accounts stored (`limit`); `None` = unlimited.
    pub limit: Option<usize>,
    /// The URL resolver's base, ending in `/`.
    pub url: Option<String>,
    /// `resolver_tls { ca_file }`: the CAs an `https://` URL resolver trusts (else the
    /// system's).
    pub ca_file: Option<PathBuf>,
    jwts: Mutex<BTreeMap<String, String>>,
}

/// Why a store refused a JWT.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    /// A MEMORY or cache resolver only updates accounts it has.
    Skipped,
    /// A full resolver at its `limit`.
    Full,
    Io(String),
}

impl Resolver {
    /// Decodes `resolver: MEMORY` or `resolver { type, dir, allow_delete, hard_delete, interval,
    /// timeout, ttl, limit }`.
    ///
    /// # Errors
    /// An unknown or unsupported resolver, or a bad field.
    pub fn from_config(v: &Value) -> Result<Self, String> {
        let mut resolver = Self {
            kind: ResolverKind::Memory,
            dir: None,
            allow_delete: false,
            hard_delete: false,
            limit: None,
            url: None,
            ca_file: None,
            jwts: Mutex::new(BTreeMap::new()),
        };
        match &v.kind {
            ValueKind::Str(s) => match s.to_ascii_uppercase().as_str() {
                "MEM" | "MEMORY" => {}
                upper if upper.starts_with("URL") => {
                    resolver.kind = ResolverKind::Url;
                    resolver.url = Some(url_base(s)?);
                }
                _ => return Err(format!("resolver: unknown resolver type {s:?}")),
            },
            ValueKind::Map(m) => {
                let mut dir = "./jwt".to_string();
                for entry in m {
                    let v = &entry.value;
                    match entry.key.name.to_ascii_lowercase().as_str() {
                        "type" => {
                            resolver.kind = match v.as_str().map(str::to_ascii_lowercase).as_deref()
                            {
                                Some("full") => ResolverKind::Full,
                                Some("cache") => ResolverKind::Cache,
                                _ => {
                                    return Err(format!(
                                        "resolver: type must be full or cache, got {v:?}"
                                    ))
                                }
                            }
                        }
                        "dir" => dir = v.as_str().unwrap_or_default().to_string(),
                        "allow_delete" => {
                            resolver.allow_delete = matches!(v.kind, ValueKind::Bool(true));
                        }
                        "hard_delete" => {
                            resolver.hard_delete = matches!(v.kind, ValueKind::Bool(true));
                        }
                        "limit" => {
                            if let ValueKind::Int(n) = v.kind {
                                resolver.limit = usize::try_from(n).ok().filter(|n| *n > 0);
                            }
                        }
                        // Peer sync and fetch timing: there are no peers to sync with.
                        "interval" | "timeout" | "ttl" => {}
                        other => return Err(format!("resolver: unknown field {other:?}")),
                    }
                }
                if resolver.kind == ResolverKind::Memory {
                    return Err("resolver: missing type (full or cache)".into());
                }
                if resolver.kind == ResolverKind::Cache && resolver.allow_delete {
                    return Err(
                        "resolver: allow_delete is not supported by the cache resolver".into(),
                    );
                }
                if resolver.kind == ResolverKind::Cache && resolver.limit.is_none() {
                    resolver.limit = Some(1000);
                }
                resolver.dir = Some(PathBuf::from(dir));
            }
            _ => return Err("resolver: expected a string or a map".into()),
        }
        Ok(resolver)
    }

    /// `resolver_preload { A…: "<jwt>" }`: each must decode as an account JWT for its key.
    ///
    /// # Errors
    /// `invalid account JWT` and why.
    pub fn preload(&self, v: &Value) -> Result<(), String> {
        if self.kind == ResolverKind::Url {
            return Err(
                "resolver preloads only available for writeable resolver types MEM/DIR/CACHE_DIR"
                    .into(),
            );
        }
        let Some(m) = v.as_map() else {
            return Err("resolver_preload: expected a map".into());
        };
        for entry in m {
            let token = entry.value.as_str().unwrap_or_default();
            let claims =
                jwt::decode_account(token).map_err(|e| format!("invalid account JWT: {e}"))?;
            if claims.sub != entry.key.name {
                return Err(format!(
                    "invalid account JWT: subject {} does not match key {}",
                    claims.sub, entry.key.name
                ));
            }
            self.save_if_newer(&claims.sub, token, claims.iat)
                .map_err(|e| format!("resolver_preload: {e:?}"))?;
        }
        Ok(())
    }

    /// Reads every `<dir>/<A…>.jwt` (creating the directory if needed).
    ///
    /// # Errors
    /// The directory cannot be created or read.
    pub fn load_dir(&self) -> Result<(), String> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("resolver: cannot create {}: {e}", dir.display()))?;
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("resolver: cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(key) = account_file_key(&path) else {
                continue;
            };
            let Ok(token) = std::fs::read_to_string(&path) else {
                continue;
            };
            let token = token.trim();
            if let Ok(claims) = jwt::decode_account(token) {
                if claims.sub == key {
                    self.jwts.lock().insert(key, token.to_string());
                }
            }
        }
        // Preloaded JWTs newer than the stored ones go to disk.
        let jwts = self.jwts.lock().clone();
        for (key, token) in jwts {
            self.write_file(&key, &token)
                .map_err(|e| format!("{e:?}"))?;
        }
        Ok(())
    }

    /// The store rule for preloads: keep whichever of the two was issued later.
    fn save_if_newer(&self, key: &str, token: &str, iat: i64) -> Result<(), StoreError> {
        let mut jwts = self.jwts.lock();
        if let Some(old) = jwts.get(key).and_then(|t| jwt::decode_account(t).ok()) {
            if old.iat > iat {
                return Ok(());
            }
        }
        jwts.insert(key.to_string(), token.to_string());
        Ok(())
    }

    fn write_file(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        std::fs::write(dir.join(format!("{key}.jwt")), token)
            .map_err(|e| StoreError::Io(e.to_string()))
    }

    /// Stores a pushed JWT (already validated). MEMORY and cache resolvers only update
    /// accounts they know.
    ///
    /// # Errors
    /// [`StoreError::Skipped`], [`StoreError::Full`], [`StoreError::Io`].
    pub fn store(&self, key: &str, token: &str) -> Result<(), StoreError> {
        {
            let mut jwts = self.jwts.lock();
            let known = jwts.contains_key(key);
            match self.kind {
                ResolverKind::Memory | ResolverKind::Cache | ResolverKind::Url if !known => {
                    return Err(StoreError::Skipped)
                }
                ResolverKind::Full if !known && self.limit.is_some_and(|l| jwts.len() >= l) => {
                    return Err(StoreError::Full)
                }
                _ => {}
            }
            jwts.insert(key.to_string(), token.to_string());
        }
        self.write_file(key, token)
    }

    /// Keeps a JWT fetched from the URL resolver (already verified).
    pub fn insert_fetched(&self, key: &str, token: &str) {
        self.jwts.lock().insert(key.to_string(), token.to_string());
    }

    /// The store hash peers compare in `$SYS.REQ.CLAIMS.PACK`: the XOR of the SHA-256 of
    /// every stored JWT (all zeros when empty).
    pub fn hash(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut hash = [0u8; 32];
        for token in self.jwts.lock().values() {
            for (h, d) in hash.iter_mut().zip(Sha256::digest(token.as_bytes())) {
                *h ^= d;
            }
        }
        hash
    }

    /// The `<A…>|<jwt>` lines of a pack, in key order, leaving out JWTs that have expired.
    pub fn pack(&self, now: i64) -> Vec<String> {
        self.jwts
            .lock()
            .iter()
            .filter(|(_, token)| {
                jwt::decode_account(token).map_or(true, |c| c.exp == 0 || c.exp >= now)
            })
            .map(|(key, token)| format!("{key}|{token}"))
            .collect()
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.jwts.lock().get(key).cloned()
    }

    /// Every stored account key, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.jwts.lock().keys().cloned().collect()
    }

    /// Every stored JWT by account key.
    pub fn all(&self) -> BTreeMap<String, String> {
        self.jwts.lock().clone()
    }

    /// Removes an account: its file is renamed to `.jwt.deleted` (or removed with
    /// `hard_delete`). Returns whether it was there.
    pub fn delete(&self, key: &str) -> bool {
        let existed = self.jwts.lock().remove(key).is_some();
        if let Some(dir) = &self.dir {
            let file = dir.join(format!("{key}.jwt"));
            if self.hard_delete {
                let _ = std::fs::remove_file(&file);
            } else {
                let _ = std::fs::rename(&file, dir.join(format!("{key}.jwt.deleted")));
            }
        }
        existed
    }
}

/// The base URL of `URL(http://…)` or `URL("http://…")`, ending in `/`.
fn url_base(spec: &str) -> Result<String, String> {
    let inner = spec[3..].trim();
    let inner = inner
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .map(|s| s.trim().trim_matches('"').trim())
        .unwrap_or_default();
    if inner.is_empty() {
        return Err(
            "error parsing account resolver, should be MEM or  URL(\"url\") or a map \
             containing dir and type state=[FULL|CACHE])"
                .into(),
        );
    }
    if !inner.starts_with("http://") && !inner.starts_with("https://") {
        return Err(format!(
            "error parsing account resolver url {inner:?}: expected http:// or https://"
        ));
    }
    let mut url = inner.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// `A….jwt` → `A…`.
fn account_file_key(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let key = name.strip_suffix(".jwt")?;
    (key.starts_with('A') && key.len() == 56).then(|| key.to_string())
}
