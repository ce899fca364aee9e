//! The `CONNECT` body.

use serde::Deserialize;

/// What a client says about itself in `CONNECT`. Absent fields take the original's defaults:
/// `verbose`, `pedantic` and `echo` are true unless the client says otherwise.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Connect {
    pub verbose: bool,
    pub pedantic: bool,
    pub tls_required: bool,
    pub auth_token: Option<String>,
    pub user: Option<String>,
    pub pass: Option<String>,
    pub nkey: Option<String>,
    pub sig: Option<String>,
    pub jwt: Option<String>,
    pub name: String,
    pub lang: String,
    pub version: String,
    pub protocol: i64,
    pub echo: bool,
    pub headers: bool,
    pub no_responders: bool,
    pub account: Option<serde_json::Value>,
    pub new_account: Option<serde_json::Value>,
}

impl Default for Connect {
    fn default() -> Self {
        Self {
            verbose: true,
            pedantic: true,
            tls_required: false,
            auth_token: None,
            user: None,
            pass: None,
            nkey: None,
            sig: None,
            jwt: None,
            name: String::new(),
            lang: String::new(),
            version: String::new(),
            protocol: 0,
            echo: true,
            headers: false,
            no_responders: false,
            account: None,
            new_account: None,
        }
    }
}

impl Connect {
    /// Decodes the JSON of a `CONNECT` on top of the defaults.
    ///
    /// # Errors
    /// Invalid JSON; the server closes the connection without a reply.
    pub fn from_json(json: &[u8]) -> Result<Self, serde_json::Error> {
        // Clients send `null` for fields they leave unset. As in the original, that leaves the
        // default in place (so `"verbose":null` is still verbose).
        let mut fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json)?;
        fields.retain(|_, v| !v.is_null());
        serde_json::from_value(serde_json::Value::Object(fields))
    }
}

/// Secrets never print.
impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Connect")
            .field("verbose", &self.verbose)
            .field("pedantic", &self.pedantic)
            .field("user", &self.user)
            .field("pass", &redact(&self.pass))
            .field("auth_token", &redact(&self.auth_token))
            .field("nkey", &self.nkey)
            .field("jwt", &redact(&self.jwt))
            .field("name", &self.name)
            .field("lang", &self.lang)
            .field("version", &self.version)
            .field("protocol", &self.protocol)
            .field("echo", &self.echo)
            .field("headers", &self.headers)
            .field("no_responders", &self.no_responders)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_connect_takes_verbose_pedantic_echo_defaults() {
        let c = Connect::from_json(b"{}").unwrap();
        assert!(c.verbose && c.pedantic && c.echo);
        assert!(!c.headers);
    }

    #[test]
    fn unknown_fields_are_ignored_and_debug_redacts_secrets() {
        let c = Connect::from_json(br#"{"verbose":false,"pass":"s3cret","whatever":1}"#).unwrap();
        assert!(!c.verbose);
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn null_fields_take_defaults() {
        let c =
            Connect::from_json(br#"{"name":null,"lang":"rust","echo":true,"user":null}"#).unwrap();
        assert_eq!(c.name, "");
        assert_eq!(c.lang, "rust");
        let c = Connect::from_json(br#"{"verbose":null}"#).unwrap();
        assert!(c.verbose);
    }

    #[test]
    fn invalid_json_is_an_error() {
        assert!(Connect::from_json(b"{nope").is_err());
        assert!(Connect::from_json(b"").is_err());
    }
}
