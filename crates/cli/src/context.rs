//! Saved connection contexts, stored like the original `nats` CLI's:
//! `$XDG_CONFIG_HOME/nats/context/<name>.json` (default `~/.config`), with the selected
//! context's name in `$XDG_CONFIG_HOME/nats/context.txt`. Field names match the original
//! so both tools can share one directory; unknown fields are kept on rewrite.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};

/// One context file. Every field is a string (empty when unset), as the original writes them.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct ContextSettings {
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) socks_proxy: String,
    #[serde(default)]
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) user: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) creds: String,
    #[serde(default)]
    pub(crate) nkey: String,
    #[serde(default)]
    pub(crate) cert: String,
    #[serde(default)]
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) ca: String,
    #[serde(default)]
    pub(crate) nsc: String,
    #[serde(default)]
    pub(crate) jetstream_domain: String,
    #[serde(default)]
    pub(crate) jetstream_api_prefix: String,
    #[serde(default)]
    pub(crate) jetstream_event_prefix: String,
    #[serde(default)]
    pub(crate) inbox_prefix: String,
    #[serde(default)]
    pub(crate) user_jwt: String,
    #[serde(default)]
    pub(crate) color_scheme: String,
    #[serde(default)]
    pub(crate) tls_first: bool,
    /// Fields this version does not know, written back unchanged.
    #[serde(flatten)]
    pub(crate) other: serde_json::Map<String, serde_json::Value>,
}

/// Secrets never print, not even in debug output.
impl std::fmt::Debug for ContextSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |s: &str| if s.is_empty() { "" } else { "*****" };
        f.debug_struct("ContextSettings")
            .field("description", &self.description)
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &redact(&self.password))
            .field("token", &redact(&self.token))
            .field("creds", &self.creds)
            .field("nkey", &self.nkey)
            .finish_non_exhaustive()
    }
}

/// The directory holding `context/` and `context.txt`.
#[derive(Debug, Clone)]
pub(crate) struct ContextStore {
    root: PathBuf,
}

impl ContextStore {
    /// Uses `$XDG_CONFIG_HOME/nats`, else `$HOME/.config/nats`.
    ///
    /// # Errors
    /// Fails when neither variable is set.
    pub(crate) fn from_env() -> Result<Self> {
        let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                Some(home) => PathBuf::from(home).join(".config"),
                None => {
                    bail!("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")
                }
            },
        };
        Ok(Self {
            root: base.join("nats"),
        })
    }

    fn context_dir(&self) -> PathBuf {
        self.root.join("context")
    }

    fn selected_file(&self) -> PathBuf {
        self.root.join("context.txt")
    }

    /// Path of a context's JSON file.
    ///
    /// # Errors
    /// Fails for names that are empty or could escape the directory.
    pub(crate) fn path_of(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.context_dir().join(format!("{name}.json")))
    }

    /// The selected context's name, if one is selected.
    pub(crate) fn selected(&self) -> Option<String> {
        let text = fs::read_to_string(self.selected_file()).ok()?;
        let name = text.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    /// Marks `name` as selected; it must exist.
    ///
    /// # Errors
    /// Fails for unknown contexts or on I/O errors.
    pub(crate) fn select(&self, name: &str) -> Result<()> {
        if !self.path_of(name)?.exists() {
            bail!("unknown context {name:?}");
        }
        fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))?;
        fs::write(self.selected_file(), name)
            .with_context(|| format!("writing {}", self.selected_file().display()))
    }

    /// Loads a context by name.
    ///
    /// # Errors
    /// Fails for unknown contexts or unreadable files.
    pub(crate) fn load(&self, name: &str) -> Result<ContextSettings> {
        let path = self.path_of(name)?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                bail!("unknown context {name:?}")
            }
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Loads a context when it exists.
    ///
    /// # Errors
    /// Fails for unreadable or invalid files.
    pub(crate) fn load_if_exists(&self, name: &str) -> Result<Option<ContextSettings>> {
        if self.path_of(name)?.exists() {
            self.load(name).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Writes a context (mode 0600 on Unix: it may hold secrets).
    ///
    /// # Errors
    /// Fails on I/O errors.
    pub(crate) fn save(&self, name: &str, settings: &ContextSettings) -> Result<()> {
        let path = self.path_of(name)?;
        let dir = self.context_dir();
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let json = serde_json::to_string_pretty(settings)?;
        write_private(&path, json.as_bytes()).with_context(|| format!("writing {}", path.display()))
    }

    /// Removes a context, and the selection if it pointed at it.
    ///
    /// # Errors
    /// Fails for unknown contexts or on I/O errors.
    pub(crate) fn remove(&self, name: &str) -> Result<()> {
        let path = self.path_of(name)?;
        if !path.exists() {
            bail!("unknown context {name:?}");
        }
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        if self.selected().as_deref() == Some(name) {
            let _ = fs::remove_file(self.selected_file());
        }
        Ok(())
    }

    /// Names of all contexts, sorted.
    ///
    /// # Errors
    /// Fails when the directory exists but cannot be read.
    pub(crate) fn names(&self) -> Result<Vec<String>> {
        let dir = self.context_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err).with_context(|| format!("reading {}", dir.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                name.strip_suffix(".json").map(str::to_string)
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) || name.contains("..")
    {
        bail!("invalid context name {name:?}");
    }
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    fs::write(path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_escape_the_directory_are_refused() {
        for bad in ["", "../x", "a/b", ".hidden", "a\\b"] {
            assert!(validate_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_name("local-dev_1").is_ok());
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"url":"nats://x:4222","windows_cert_store":"user"}"#;
        let settings: ContextSettings = serde_json::from_str(text).unwrap();
        assert_eq!(settings.url, "nats://x:4222");
        let out = serde_json::to_string(&settings).unwrap();
        assert!(out.contains(r#""windows_cert_store":"user""#));
        assert!(out.contains(r#""nkey":"""#));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = ContextSettings {
            password: "hunter2".into(),
            token: "s3cret".into(),
            ..Default::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("s3cret"));
    }
}
