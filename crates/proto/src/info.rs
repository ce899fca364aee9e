//! The `INFO` body, field for field as the original sends it (same names, same order,
//! the same fields left out when empty).

use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub git_commit: String,
    pub go: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub auth_required: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub tls_required: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub tls_verify: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub tls_available: bool,
    pub max_payload: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub jetstream: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub client_id: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_ip: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ws_connect_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub ldm: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub connect_info: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remote_account: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub acc_is_sys: bool,
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub api_lvl: i32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub xkey: String,
}

fn is_zero_i32(n: &i32) -> bool {
    *n == 0
}

impl Info {
    /// The whole `INFO` line, with the trailing space the original puts before CRLF.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = b"INFO ".to_vec();
        // Serializing a struct of strings, numbers and bools cannot fail.
        line.extend_from_slice(&serde_json::to_vec(self).unwrap_or_default());
        line.extend_from_slice(b" \r\n");
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_line_omits_empty_fields_and_ends_with_space_crlf() {
        let info = Info {
            server_id: "NABC".into(),
            server_name: "n".into(),
            version: "2.15.1".into(),
            proto: 1,
            go: "rust".into(),
            host: "0.0.0.0".into(),
            port: 4222,
            headers: true,
            max_payload: 1048576,
            client_id: 5,
            ..Info::default()
        };
        let line = String::from_utf8(info.to_line()).unwrap();
        assert_eq!(
            line,
            "INFO {\"server_id\":\"NABC\",\"server_name\":\"n\",\"version\":\"2.15.1\",\"proto\":1,\
             \"go\":\"rust\",\"host\":\"0.0.0.0\",\"port\":4222,\"headers\":true,\
             \"max_payload\":1048576,\"client_id\":5} \r\n"
        );
    }
}
