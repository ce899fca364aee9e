//! The envelope every NATS JWT shares: registered claims plus a type-specific `nats` object.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::JwtError;

/// The `nats.type` of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClaimType {
    Operator,
    Account,
    User,
    Activation,
    /// Any other type (`authorization_request`, a generic claim, …), kept as written.
    Other(String),
}

impl ClaimType {
    /// The string in `nats.type`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Operator => "operator",
            Self::Account => "account",
            Self::User => "user",
            Self::Activation => "activation",
            Self::Other(s) => s,
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "operator" => Self::Operator,
            "account" => Self::Account,
            "user" => Self::User,
            "activation" => Self::Activation,
            other => Self::Other(other.to_string()),
        }
    }
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of entity a public nkey names, from its first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    Operator,
    Account,
    User,
    Server,
    Cluster,
    Curve,
}

impl KeyRole {
    /// The role of a valid public nkey; `None` when it is not one (bad checksum, a seed, or a
    /// non-NATS kind such as the nkeys crate's `M`odule keys).
    pub fn of(public_key: &str) -> Option<Self> {
        let kp = nkeys::KeyPair::from_public_key(public_key).ok()?;
        match kp.key_pair_type() {
            nkeys::KeyPairType::Operator => Some(Self::Operator),
            nkeys::KeyPairType::Account => Some(Self::Account),
            nkeys::KeyPairType::User => Some(Self::User),
            nkeys::KeyPairType::Server => Some(Self::Server),
            nkeys::KeyPairType::Cluster => Some(Self::Cluster),
            nkeys::KeyPairType::Curve => Some(Self::Curve),
            _ => None,
        }
    }

    /// Lower-case name, as in messages (`account public key`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Account => "account",
            Self::User => "user",
            Self::Server => "server",
            Self::Cluster => "cluster",
            Self::Curve => "curve",
        }
    }
}

/// `tags`, `type` and `version`, which close every `nats` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericFields {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub claim_type: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
}

/// A decoded NATS JWT payload: the registered claims and the type-specific body `T`.
///
/// Field order is the order nats-io/jwt writes them, so an encoded token is byte-for-byte what
/// the Go library would produce for the same claims and `iat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Claims<T> {
    /// Audience (auth callout uses it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aud: String,
    /// Expiry, Unix seconds; 0 = never.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub exp: i64,
    /// ID: hash of the registered claims, set by [`super::encode`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jti: String,
    /// Issued-at, Unix seconds, set by [`super::encode`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub iat: i64,
    /// Issuer public nkey, set by [`super::encode`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub iss: String,
    /// Friendly name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Not-before, Unix seconds; 0 = always.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub nbf: i64,
    /// Subject public nkey: the operator, account or user itself; the importing account for
    /// an activation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub: String,
    /// The type-specific body.
    #[serde(default)]
    pub nats: T,
}

/// A claim body: which type it is and who may sign it.
pub trait ClaimBody: Serialize + DeserializeOwned + Default + Clone + fmt::Debug {
    /// `nats.type`.
    fn claim_type() -> ClaimType;
    /// Roles whose keys may sign this claim type (checked on encode and decode).
    fn issuer_roles() -> &'static [KeyRole];
    /// Role the `sub` must have (checked on encode); `None` = anything.
    fn subject_role() -> Option<KeyRole>;
    /// The body a fresh claim starts with (nsc's defaults: unlimited limits).
    fn fresh() -> Self {
        Self::default()
    }
    fn generic(&self) -> &GenericFields;
    fn generic_mut(&mut self) -> &mut GenericFields;
}

impl<T: ClaimBody> Claims<T> {
    /// A claim about `subject` with the body's defaults (unlimited limits for accounts and
    /// users, as nsc writes them).
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            sub: subject.into(),
            nats: T::fresh(),
            ..Self::default()
        }
    }

    /// `exp`/`nbf` against `now` (Unix seconds).
    ///
    /// # Errors
    /// [`JwtError::Expired`] when `now > exp > 0`; [`JwtError::NotYetValid`] when `nbf > now`.
    pub fn check_times(&self, now: i64) -> Result<(), JwtError> {
        check_times(self.exp, self.nbf, now)
    }

    /// The claim as indented JSON (what `nsc describe --json` prints).
    pub fn to_json_pretty(&self) -> String {
        super::codec::go_escape(serde_json::to_string_pretty(self).unwrap_or_default())
    }
}

pub(crate) fn check_times(exp: i64, nbf: i64, now: i64) -> Result<(), JwtError> {
    if exp > 0 && now > exp {
        return Err(JwtError::Expired { exp });
    }
    if nbf > 0 && nbf > now {
        return Err(JwtError::NotYetValid { nbf });
    }
    Ok(())
}

pub(crate) fn is_zero<N: Default + PartialEq>(n: &N) -> bool {
    *n == N::default()
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
