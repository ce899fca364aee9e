//! Activation claims (`nats.type = "activation"`): an exporter's grant of a private export to
//! one importing account (`sub`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::account::ExportType;
use super::claims::{is_zero, ClaimBody, ClaimType, GenericFields, KeyRole};

/// The body of an activation JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// The export subject granted (may be narrower than the export).
    #[serde(default, rename = "subject", skip_serializing_if = "String::is_empty")]
    pub import_subject: String,
    /// Stream or service.
    #[serde(default, rename = "kind", skip_serializing_if = "is_zero")]
    pub import_type: ExportType,
    /// The exporting account when one of its signing keys issued the activation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issuer_account: String,
    #[serde(flatten)]
    pub generic: GenericFields,
}

impl ClaimBody for Activation {
    fn claim_type() -> ClaimType {
        ClaimType::Activation
    }
    fn issuer_roles() -> &'static [KeyRole] {
        &[KeyRole::Account, KeyRole::Operator]
    }
    fn subject_role() -> Option<KeyRole> {
        Some(KeyRole::Account)
    }
    fn generic(&self) -> &GenericFields {
        &self.generic
    }
    fn generic_mut(&mut self) -> &mut GenericFields {
        &mut self.generic
    }
}

/// The activation "hash id" account servers file activations under: base32 (standard
/// alphabet, padded) of SHA-256 over `<iss>.<sub>.<subject up to its first wildcard>` (`_` when
/// the subject starts with one).
pub fn activation_hash_id(issuer: &str, subject: &str, import_subject: &str) -> String {
    let mut prefix = Vec::new();
    for token in import_subject.split('.') {
        if token == "*" || token == ">" {
            break;
        }
        prefix.push(token);
    }
    let prefix = if prefix.is_empty() {
        "_".to_string()
    } else {
        prefix.join(".")
    };
    let digest = Sha256::digest(format!("{issuer}.{subject}.{prefix}").as_bytes());
    data_encoding::BASE32.encode(&digest)
}
