//! Operator claims (`nats.type = "operator"`).

use serde::{Deserialize, Serialize};

use super::claims::{is_false, ClaimBody, ClaimType, GenericFields, KeyRole};

/// The body of an operator JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Operator signing keys (O…); each may sign account JWTs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<String>,
    /// Account server URL tools push to and pull from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_server_url: String,
    /// Client URLs for tools (`nats://host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_service_urls: Vec<String>,
    /// The system account's public key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system_account: String,
    /// `major.minor.update` a server must be at least.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub assert_server_version: String,
    /// The identity key may not sign accounts; only signing keys may.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict_signing_key_usage: bool,
    #[serde(flatten)]
    pub generic: GenericFields,
}

impl ClaimBody for Operator {
    fn claim_type() -> ClaimType {
        ClaimType::Operator
    }
    fn issuer_roles() -> &'static [KeyRole] {
        &[KeyRole::Operator]
    }
    fn subject_role() -> Option<KeyRole> {
        Some(KeyRole::Operator)
    }
    fn generic(&self) -> &GenericFields {
        &self.generic
    }
    fn generic_mut(&mut self) -> &mut GenericFields {
        &mut self.generic
    }
}
