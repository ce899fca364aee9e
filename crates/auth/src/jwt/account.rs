//! Account claims (`nats.type = "account"`): limits, exports, imports, signing keys,
//! revocations, default permissions and mappings.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::claims::{is_false, is_zero, ClaimBody, ClaimType, GenericFields, KeyRole};
use super::user::{Permissions, UserPermissionLimits, NO_LIMIT};

/// Public key (or `"*"` for all) → Unix seconds: JWTs issued at or before are revoked.
pub type RevocationList = BTreeMap<String, i64>;

/// The key in a [`RevocationList`] that revokes everyone.
pub const REVOKE_ALL: &str = "*";

/// Whether `public_key`'s JWT issued at `issued_at` is revoked by `list`.
pub fn is_revoked(list: &RevocationList, public_key: &str, issued_at: i64) -> bool {
    let hit = |k: &str| list.get(k).is_some_and(|&t| t >= issued_at);
    hit(public_key) || hit(REVOKE_ALL)
}

/// Stream or service, for exports, imports and activations. `Unknown` is what an absent or
/// empty `type` decodes to; it is not written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ExportType {
    #[default]
    Unknown,
    Stream,
    Service,
}

impl ExportType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Stream => "stream",
            Self::Service => "service",
        }
    }
}

impl std::fmt::Display for ExportType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ExportType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown => Err(serde::ser::Error::custom("unknown export type")),
            other => s.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for ExportType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "stream" => Ok(Self::Stream),
            "service" => Ok(Self::Service),
            _ => Err(D::Error::custom(format!("unknown export type {s:?}"))),
        }
    }
}

/// Service latency sampling: a percentage 1–100, or only requests carrying trace headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sampling {
    Percent(i64),
    Headers,
}

impl Default for Sampling {
    fn default() -> Self {
        Self::Percent(0)
    }
}

impl Serialize for Sampling {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Percent(n) => s.serialize_i64(*n),
            Self::Headers => s.serialize_str("headers"),
        }
    }
}

impl<'de> Deserialize<'de> for Sampling {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => Ok(Self::Percent(n.as_i64().unwrap_or(0))),
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("headers") => Ok(Self::Headers),
            other => Err(D::Error::custom(format!("invalid sampling {other}"))),
        }
    }
}

/// `service_latency` of a service export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLatency {
    #[serde(default)]
    pub sampling: Sampling,
    /// Subject the latency events are published on.
    #[serde(default)]
    pub results: String,
}

/// One export of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(default, rename = "type", skip_serializing_if = "is_zero")]
    pub export_type: ExportType,
    /// Private: importers need an activation token.
    #[serde(default, skip_serializing_if = "is_false")]
    pub token_req: bool,
    /// Importing account key (or `"*"`) → activations issued at or before are revoked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revocations: RevocationList,
    /// `Singleton` (default), `Stream` or `Chunked`; services only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub response_type: String,
    /// Nanoseconds; services only.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub response_threshold: i64,
    #[serde(
        default,
        rename = "service_latency",
        skip_serializing_if = "Option::is_none"
    )]
    pub latency: Option<ServiceLatency>,
    /// 1-based token of `subject` (a `*`) that must hold the importer's account key.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub account_token_position: u32,
    #[serde(default, skip_serializing_if = "is_false")]
    pub advertise: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_trace: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub info_url: String,
}

impl Export {
    /// Whether `importer`'s activation issued at `issued_at` is revoked for this export.
    pub fn is_revoked(&self, importer: &str, issued_at: i64) -> bool {
        is_revoked(&self.revocations, importer, issued_at)
    }
}

/// One import of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The subject in the exporter's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// The exporting account's public key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account: String,
    /// Activation JWT for a private export.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Deprecated; see the spec for its type-dependent meaning.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub to: String,
    /// The local subject (may use `$n`); empty = `subject`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_subject: String,
    #[serde(default, rename = "type", skip_serializing_if = "is_zero")]
    pub import_type: ExportType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub share: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_trace: bool,
}

/// JetStream limits (flat or per tier).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JetStreamLimits {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mem_storage: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disk_storage: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub streams: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub consumer: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_ack_pending: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mem_max_stream_bytes: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disk_max_stream_bytes: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub max_bytes_required: bool,
}

/// The account's `limits`: one flat object; −1 = unlimited, absent = 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorLimits {
    /// Max subscriptions per connection.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subs: i64,
    /// Max bytes (informational).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub data: i64,
    /// Max message payload.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub payload: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub imports: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub exports: i64,
    /// Wildcard exports allowed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub wildcards: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub disallow_bearer: bool,
    /// Max client connections.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conn: i64,
    /// Max leafnode connections.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub leaf: i64,
    #[serde(flatten)]
    pub jetstream: JetStreamLimits,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tiered_limits: BTreeMap<String, JetStreamLimits>,
}

impl OperatorLimits {
    /// nsc's defaults for a new account: everything unlimited, wildcards allowed, no JetStream.
    pub fn unlimited() -> Self {
        Self {
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            imports: NO_LIMIT,
            exports: NO_LIMIT,
            wildcards: true,
            conn: NO_LIMIT,
            leaf: NO_LIMIT,
            ..Self::default()
        }
    }

    /// JetStream enabled (a tier or the flat limits allow memory or disk).
    pub fn jetstream_enabled(&self) -> bool {
        let on = |l: &JetStreamLimits| l.mem_storage != 0 || l.disk_storage != 0;
        if self.tiered_limits.is_empty() {
            on(&self.jetstream)
        } else {
            self.tiered_limits.values().any(on)
        }
    }
}

/// A scoped signing key: users it signs get `template` instead of their own permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserScope {
    /// `user_scope`.
    #[serde(default)]
    pub kind: String,
    /// The signing key (A…).
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub template: UserPermissionLimits,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// The `kind` of a [`UserScope`].
pub const USER_SCOPE_KIND: &str = "user_scope";

impl UserScope {
    /// A scope for `key` with nsc's template defaults (unlimited subs/data/payload).
    pub fn new(key: impl Into<String>, role: impl Into<String>) -> Self {
        Self {
            kind: USER_SCOPE_KIND.to_string(),
            key: key.into(),
            role: role.into(),
            template: UserPermissionLimits::unlimited(),
            description: String::new(),
        }
    }
}

/// Account signing keys: key → its scope (`None` for a plain signing key). Written as a JSON
/// array of strings and scope objects, sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningKeys(pub BTreeMap<String, Option<UserScope>>);

impl SigningKeys {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
    /// The scope of `key`: `None` when absent, `Some(None)` when unscoped.
    pub fn get(&self, key: &str) -> Option<Option<&UserScope>> {
        self.0.get(key).map(Option::as_ref)
    }
    pub fn add(&mut self, key: impl Into<String>) {
        self.0.insert(key.into(), None);
    }
    pub fn add_scope(&mut self, scope: UserScope) {
        self.0.insert(scope.key.clone(), Some(scope));
    }
    pub fn remove(&mut self, key: &str) -> bool {
        self.0.remove(key).is_some()
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl Serialize for SigningKeys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (key, scope) in &self.0 {
            match scope {
                Some(scope) => seq.serialize_element(scope)?,
                None => seq.serialize_element(key)?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for SigningKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default();
        let mut keys = BTreeMap::new();
        for item in items {
            match item {
                serde_json::Value::String(k) => {
                    keys.insert(k, None);
                }
                serde_json::Value::Object(ref map) => {
                    let kind = map.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                    // `user_template` is the name older library versions wrote.
                    if kind != USER_SCOPE_KIND && kind != "user_template" {
                        return Err(D::Error::custom(format!(
                            "unknown signing key scope {kind:?}"
                        )));
                    }
                    let scope: UserScope =
                        serde_json::from_value(item.clone()).map_err(D::Error::custom)?;
                    keys.insert(scope.key.clone(), Some(scope));
                }
                other => {
                    return Err(D::Error::custom(format!("invalid signing key {other}")));
                }
            }
        }
        Ok(Self(keys))
    }
}

/// One destination of a subject mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedMapping {
    #[serde(default)]
    pub subject: String,
    /// 1–100; 0 means 100.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: u8,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
}

/// Auth callout settings. Always written (as `{}` when unset), as the Go library does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalAuthorization {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_accounts: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub xkey: String,
}

/// Message tracing destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgTrace {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dest: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sampling: i64,
}

/// The body of an account JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<Export>,
    #[serde(default)]
    pub limits: OperatorLimits,
    #[serde(default, skip_serializing_if = "SigningKeys::is_empty")]
    pub signing_keys: SigningKeys,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revocations: RevocationList,
    #[serde(default)]
    pub default_permissions: Permissions,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mappings: BTreeMap<String, Vec<WeightedMapping>>,
    #[serde(default)]
    pub authorization: ExternalAuthorization,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<MsgTrace>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster_traffic: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub info_url: String,
    #[serde(flatten)]
    pub generic: GenericFields,
}

impl Account {
    /// Whether a user JWT for `user` issued at `issued_at` is revoked.
    pub fn is_user_revoked(&self, user: &str, issued_at: i64) -> bool {
        is_revoked(&self.revocations, user, issued_at)
    }

    /// The export of `kind` whose subject contains `subject` (equal or wider).
    pub fn find_export(&self, kind: ExportType, subject: &str) -> Option<&Export> {
        self.exports
            .iter()
            .find(|e| e.export_type == kind && subject_is_contained_in(subject, &e.subject))
    }

    /// What makes this account JWT invalid under its own limits, in the Go library's words:
    /// more imports or exports than `limits.imports`/`limits.exports` allow (−1 = no limit),
    /// wildcard exports when `limits.wildcards` is false (only checked when `exports` is
    /// limited, as the Go library does), and weighted mappings whose weights pass 100 %.
    /// A server refuses an account JWT with any of these.
    pub fn limit_violations(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let limits = &self.limits;
        let over = |n: usize, limit: i64| {
            limit != NO_LIMIT && i64::try_from(n).unwrap_or(i64::MAX) > limit
        };
        // The Go library checks imports twice (once only when some limit is set), so the
        // error usually appears twice; kept, since it shows in the update reply.
        let imports_error = "the account contains more imports than allowed by the operator";
        if *limits != OperatorLimits::default()
            && limits.imports >= 0
            && over(self.imports.len(), limits.imports)
        {
            errors.push(imports_error.into());
        }
        if over(self.imports.len(), limits.imports) {
            errors.push(imports_error.into());
        }
        if limits.exports != NO_LIMIT {
            if over(self.exports.len(), limits.exports) {
                errors
                    .push("the account contains more exports than allowed by the operator".into());
            }
            if !limits.wildcards {
                for _ in self.exports.iter().filter(|e| has_wildcards(&e.subject)) {
                    errors.push(
                        "the account contains wildcard exports that are not allowed by the operator"
                            .into(),
                    );
                }
            }
        }
        for (from, dests) in &self.mappings {
            let mut total: u32 = 0;
            let mut per_cluster: BTreeMap<&str, u32> = BTreeMap::new();
            for d in dests {
                if d.cluster.is_empty() {
                    total += u32::from(if d.weight == 0 { 100 } else { d.weight });
                } else {
                    let t = per_cluster.entry(&d.cluster).or_default();
                    *t += u32::from(d.weight);
                    if *t > 100 {
                        errors.push(format!(
                            "Mapping {from:?} in cluster {:?} exceeds 100% among all of it's weighted to mappings",
                            d.cluster
                        ));
                    }
                }
            }
            if total > 100 {
                errors.push(format!(
                    "Mapping {from:?} exceeds 100% among all of it's weighted to mappings"
                ));
            }
        }
        errors
    }

    /// Sorts exports and imports by subject, as the Go library does before signing.
    pub fn sort(&mut self) {
        self.exports.sort_by(|a, b| a.subject.cmp(&b.subject));
        self.imports.sort_by(|a, b| a.subject.cmp(&b.subject));
    }
}

impl ClaimBody for Account {
    fn claim_type() -> ClaimType {
        ClaimType::Account
    }
    fn issuer_roles() -> &'static [KeyRole] {
        &[KeyRole::Account, KeyRole::Operator]
    }
    fn subject_role() -> Option<KeyRole> {
        Some(KeyRole::Account)
    }
    fn fresh() -> Self {
        Self {
            limits: OperatorLimits::unlimited(),
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

/// Token-wise containment as nats-io/jwt's `Subject.IsContainedIn`: `subject` is `other` or
/// narrower (`*` in `other` matches one token, a trailing `>` the rest).
pub fn subject_is_contained_in(subject: &str, other: &str) -> bool {
    let mine: Vec<&str> = subject.split('.').collect();
    let theirs: Vec<&str> = other.split('.').collect();
    let last_is_tail = theirs.last() == Some(&">");
    if mine.len() > theirs.len() && !last_is_tail {
        return false;
    }
    if mine.len() < theirs.len() {
        return false;
    }
    for (i, tok) in theirs.iter().enumerate() {
        if i == theirs.len() - 1 && *tok == ">" {
            return true;
        }
        if *tok != mine[i] && *tok != "*" {
            return false;
        }
    }
    true
}

/// Whether a subject has a wildcard token.
pub fn has_wildcards(subject: &str) -> bool {
    subject.split('.').any(|t| t == "*" || t == ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_follows_tokens() {
        assert!(subject_is_contained_in("a.b.c", "a.>"));
        assert!(subject_is_contained_in("a.b.c", "a.*.c"));
        assert!(subject_is_contained_in("a.>", "a.>"));
        assert!(!subject_is_contained_in("a.>", "a.b"));
        assert!(!subject_is_contained_in("a", "a.b"));
        assert!(!subject_is_contained_in("a.b.c", "a.b"));
        assert!(subject_is_contained_in("private.abc.AX", "private.abc.*"));
    }

    #[test]
    fn revocation_covers_earlier_and_equal_iat() {
        let mut list = RevocationList::new();
        list.insert("UA".into(), 100);
        assert!(is_revoked(&list, "UA", 100));
        assert!(is_revoked(&list, "UA", 99));
        assert!(!is_revoked(&list, "UA", 101));
        assert!(!is_revoked(&list, "UB", 1));
        list.insert(REVOKE_ALL.into(), 50);
        assert!(is_revoked(&list, "UB", 50));
    }

    #[test]
    fn signing_keys_read_strings_and_scopes_and_write_sorted() {
        let json = r#"["AB",{"kind":"user_scope","key":"AA","role":"r","template":{"pub":{"allow":["x"]},"sub":{}}}]"#;
        let sk: SigningKeys = serde_json::from_str(json).unwrap();
        assert_eq!(sk.get("AB"), Some(None));
        assert_eq!(sk.get("AA").unwrap().unwrap().template.publish.allow, ["x"]);
        let out = serde_json::to_string(&sk).unwrap();
        assert!(
            out.starts_with(r#"[{"kind":"user_scope","key":"AA""#),
            "{out}"
        );
        assert!(out.ends_with(r#","AB"]"#));
        let bad = serde_json::from_str::<SigningKeys>(r#"[{"kind":"nope","key":"A"}]"#);
        assert!(bad.is_err());
    }

    #[test]
    fn limit_violations_follow_the_go_library() {
        let export = |s: &str| Export {
            subject: s.into(),
            export_type: ExportType::Stream,
            ..Export::default()
        };
        let mut a = Account {
            limits: OperatorLimits::unlimited(),
            ..Account::default()
        };
        a.imports = vec![Import::default(), Import::default()];
        a.exports = vec![export("a.>"), export("b")];
        assert!(a.limit_violations().is_empty());
        a.limits.imports = 1;
        a.limits.exports = 1;
        assert_eq!(
            a.limit_violations(),
            [
                "the account contains more imports than allowed by the operator",
                "the account contains more imports than allowed by the operator",
                "the account contains more exports than allowed by the operator"
            ]
        );
        // Wildcard exports are only checked when the export count is limited.
        a.limits = OperatorLimits::unlimited();
        a.limits.wildcards = false;
        assert!(a.limit_violations().is_empty());
        a.limits.exports = 5;
        assert_eq!(
            a.limit_violations(),
            ["the account contains wildcard exports that are not allowed by the operator"]
        );
        // Limits absent decode as 0: no imports allowed (reported once).
        let empty = Account {
            imports: vec![Import::default()],
            ..Account::default()
        };
        assert_eq!(empty.limit_violations().len(), 1);
        let mut m = Account {
            limits: OperatorLimits::unlimited(),
            ..Account::default()
        };
        let dest = |s: &str, w: u8| WeightedMapping {
            subject: s.into(),
            weight: w,
            cluster: String::new(),
        };
        m.mappings
            .insert("x".into(), vec![dest("y", 60), dest("z", 50)]);
        assert_eq!(m.limit_violations().len(), 1);
        m.mappings
            .insert("x".into(), vec![dest("y", 60), dest("z", 40)]);
        assert!(m.limit_violations().is_empty());
    }

    #[test]
    fn unlimited_account_limits_serialize_as_nsc_writes_them() {
        let s = serde_json::to_string(&OperatorLimits::unlimited()).unwrap();
        assert_eq!(
            s,
            r#"{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1}"#
        );
    }
}
