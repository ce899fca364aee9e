//! User claims (`nats.type = "user"`) and the permission/limit types accounts share with them.

use serde::{Deserialize, Deserializer, Serialize};

use super::claims::{is_false, is_zero, ClaimBody, ClaimType, GenericFields, KeyRole};

/// Unlimited, for `subs`, `data`, `payload` and the account limits.
pub const NO_LIMIT: i64 = -1;

/// Allow and deny subject lists. Subscribe entries may be `"subject queue"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

impl Permission {
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }
}

/// `allow_responses`: how many replies and for how long.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsePermission {
    /// Replies allowed per request.
    #[serde(default)]
    pub max: i64,
    /// Validity in **nanoseconds** (a Go `time.Duration`).
    #[serde(default)]
    pub ttl: i64,
}

/// Publish/subscribe/response permissions (user claims and account `default_permissions`).
/// `pub` and `sub` are always written, as `{}` when empty, as the Go library does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    #[serde(default, rename = "pub")]
    pub publish: Permission,
    #[serde(default, rename = "sub")]
    pub subscribe: Permission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp: Option<ResponsePermission>,
}

impl Permissions {
    pub fn is_empty(&self) -> bool {
        self.publish.is_empty() && self.subscribe.is_empty() && self.resp.is_none()
    }
}

/// A daily connect window, `HH:MM:SS` each; may cross midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub start: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub end: String,
}

/// What a user may do: the user claim's body minus its account and generic fields, and the
/// `template` of a scoped signing key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPermissionLimits {
    #[serde(default, rename = "pub")]
    pub publish: Permission,
    #[serde(default, rename = "sub")]
    pub subscribe: Permission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp: Option<ResponsePermission>,
    /// Allowed client networks (CIDRs). Also read from a comma-separated string.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "cidr_list"
    )]
    pub src: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<TimeRange>,
    /// IANA zone for `times`.
    #[serde(
        default,
        rename = "times_location",
        skip_serializing_if = "String::is_empty"
    )]
    pub locale: String,
    /// Max subscriptions; −1 unlimited; absent = 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subs: i64,
    /// Max bytes; −1 unlimited.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub data: i64,
    /// Max message payload; −1 unlimited; absent = 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub payload: i64,
    /// Connect without signing the nonce.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bearer_token: bool,
    /// `STANDARD`, `WEBSOCKET`, `LEAFNODE`, `LEAFNODE_WS`, `MQTT`, `MQTT_WS`, `IN_PROCESS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_connection_types: Vec<String>,
    /// Must come through a trusted proxy.
    #[serde(default, skip_serializing_if = "is_false")]
    pub proxy_required: bool,
}

impl UserPermissionLimits {
    /// nsc's defaults for a new user: no restrictions, unlimited subs/data/payload.
    pub fn unlimited() -> Self {
        Self {
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            ..Self::default()
        }
    }

    /// Nothing set at all (what a user signed by a scoped key must carry).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The permission part.
    pub fn permissions(&self) -> Permissions {
        Permissions {
            publish: self.publish.clone(),
            subscribe: self.subscribe.clone(),
            resp: self.resp,
        }
    }
}

/// The body of a user JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    #[serde(flatten)]
    pub limits: UserPermissionLimits,
    /// The account's public key when a signing key of that account issued this user.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issuer_account: String,
    #[serde(flatten)]
    pub generic: GenericFields,
}

impl ClaimBody for User {
    fn claim_type() -> ClaimType {
        ClaimType::User
    }
    fn issuer_roles() -> &'static [KeyRole] {
        &[KeyRole::Account]
    }
    fn subject_role() -> Option<KeyRole> {
        Some(KeyRole::User)
    }
    fn fresh() -> Self {
        Self {
            limits: UserPermissionLimits::unlimited(),
            ..Self::default()
        }
    }
    fn generic(&self) -> &GenericFields {
        &self.generic
    }
    fn generic_mut(&mut self) -> &mut GenericFields {
        &mut self.generic
    }
}

/// Reads `src` as an array of strings or as one comma-separated string (both are accepted by
/// the Go library).
fn cidr_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
        Null(()),
    }
    Ok(match Form::deserialize(d)? {
        Form::List(v) => v,
        Form::Text(s) => s
            .split(',')
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect(),
        Form::Null(()) => Vec::new(),
    })
}
