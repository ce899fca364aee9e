//! `verify_and_map`: who a client certificate names, and which configured user that is.
//!
//! The original's order: each SAN e-mail address, then each SAN DNS name, then each SAN URI
//! is looked up as a username; then the subject, first as a parsed distinguished name (same
//! attributes in the same order), then as the RFC 2253 text Go prints (`CN=..,OU=..,O=..`,
//! most specific first), then as a parsed DN whose attributes appear in the certificate in
//! any order.

use rnats_auth::User;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// One attribute of a distinguished name: its short type name (or dotted OID) and value.
type Attribute = (String, String);

/// What a client certificate says about who its holder is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertIdentity {
    pub emails: Vec<String>,
    pub dns_names: Vec<String>,
    pub uris: Vec<String>,
    /// The subject as Go's `pkix.Name.ToRDNSequence().String()` prints it.
    pub subject: String,
    /// The subject's RDNs, most specific first (the order of the text form).
    rdns: Vec<Vec<Attribute>>,
}

/// Go's names for the attribute types it knows; others print as dotted OIDs.
const GO_NAMES: &[(&str, &str)] = &[
    ("2.5.4.6", "C"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
];

/// Names a parsed DN may use besides Go's.
const LDAP_NAMES: &[(&str, &str)] = &[
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("1.2.840.113549.1.9.1", "EMAILADDRESS"),
];

fn short_name(oid: &str) -> Option<&'static str> {
    GO_NAMES
        .iter()
        .chain(LDAP_NAMES)
        .find(|(o, _)| *o == oid)
        .map(|(_, n)| *n)
}

impl CertIdentity {
    /// Reads a DER certificate; `None` if it does not parse.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let mut identity = Self::default();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::RFC822Name(s) => identity.emails.push((*s).to_string()),
                    GeneralName::DNSName(s) => identity.dns_names.push((*s).to_string()),
                    GeneralName::URI(s) => identity.uris.push((*s).to_string()),
                    _ => {}
                }
            }
        }
        let mut go_rdns = Vec::new();
        for rdn in cert.subject().iter() {
            let mut go_parts = Vec::new();
            let mut attrs = Vec::new();
            for atv in rdn.iter() {
                let oid = atv.attr_type().to_id_string();
                let value = atv.as_str().ok().map(str::to_string);
                let go_name = GO_NAMES.iter().find(|(o, _)| *o == oid).map(|(_, n)| *n);
                go_parts.push(match (go_name, &value) {
                    (Some(name), Some(v)) => format!("{name}={}", escape(v)),
                    _ => format!("{oid}=#{}", hex(atv.attr_value().data)),
                });
                let name = short_name(&oid).map_or(oid.clone(), str::to_string);
                attrs.push((name, value.unwrap_or_default()));
            }
            go_rdns.push(go_parts.join("+"));
            identity.rdns.push(attrs);
        }
        go_rdns.reverse();
        identity.rdns.reverse();
        identity.subject = go_rdns.join(",");
        Some(identity)
    }

    /// The configured user this certificate maps to, among those `allowed` (connection
    /// types); with what matched, for the log.
    pub fn find_user<'u>(
        &self,
        users: &'u [User],
        allowed: impl Fn(&User) -> bool,
    ) -> Option<(&'u User, String)> {
        let by_name = |name: &str| {
            users
                .iter()
                .find(|u| u.username == name && allowed(u))
                .map(|u| (u, name.to_string()))
        };
        let sans = self.emails.iter().chain(&self.dns_names).chain(&self.uris);
        for name in sans {
            if let Some(found) = by_name(name) {
                return Some(found);
            }
        }
        if self.rdns.is_empty() {
            return None;
        }
        let parsed: Vec<(&User, Vec<Vec<Attribute>>)> = users
            .iter()
            .filter(|u| allowed(u))
            .filter_map(|u| parse_dn(&u.username).map(|dn| (u, dn)))
            .collect();
        if let Some((u, _)) = parsed.iter().find(|(_, dn)| dn_equal(dn, &self.rdns)) {
            return Some((u, u.username.clone()));
        }
        if let Some(found) = by_name(&self.subject) {
            return Some(found);
        }
        parsed
            .iter()
            .find(|(_, dn)| dn_subset(dn, &self.rdns))
            .map(|(u, _)| (*u, u.username.clone()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's escaping of an attribute value in a DN string.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == ' ' || c == '#'))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn attr_equal(a: &Attribute, b: &Attribute) -> bool {
    a.0.eq_ignore_ascii_case(&b.0) && a.1 == b.1
}

fn rdn_equal(a: &[Attribute], b: &[Attribute]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| attr_equal(x, y)))
}

fn dn_equal(a: &[Vec<Attribute>], b: &[Vec<Attribute>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| rdn_equal(x, y))
}

/// Every RDN of `a` is in `b`, in any order.
fn dn_subset(a: &[Vec<Attribute>], b: &[Vec<Attribute>]) -> bool {
    !a.is_empty() && a.iter().all(|x| b.iter().any(|y| rdn_equal(x, y)))
}

/// Parses an RFC 4514 distinguished name (`CN=a,O=b+OU=c`); `None` if it is not one.
fn parse_dn(text: &str) -> Option<Vec<Vec<Attribute>>> {
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut name = String::new();
        for c in chars.by_ref() {
            if c == '=' {
                break;
            }
            name.push(c);
        }
        let name = name.trim().to_ascii_uppercase();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let mut value = String::new();
        let mut end = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars.next()?;
                    if next.is_ascii_hexdigit() && chars.peek().is_some_and(char::is_ascii_hexdigit)
                    {
                        let low = chars.next()?;
                        let byte = u8::from_str_radix(&format!("{next}{low}"), 16).ok()?;
                        value.push(char::from(byte));
                    } else {
                        value.push(next);
                    }
                }
                ',' | ';' | '+' => {
                    end = Some(c);
                    break;
                }
                _ => value.push(c),
            }
        }
        let value = value.trim().trim_matches('"').to_string();
        let name = LDAP_NAMES
            .iter()
            .chain(GO_NAMES)
            .find(|(oid, short)| name == *oid || name == *short)
            .map_or(name.clone(), |(_, short)| (*short).to_string());
        let name = if name == "E" {
            "EMAILADDRESS".into()
        } else {
            name
        };
        rdn.push((name, value));
        match end {
            Some('+') => {}
            Some(_) => rdns.push(std::mem::take(&mut rdn)),
            None => {
                rdns.push(rdn);
                return Some(rdns);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(list: &[&[(&str, &str)]]) -> Vec<Vec<Attribute>> {
        list.iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn parses_rfc4514_names_with_escapes_and_multi_valued_rdns() {
        assert_eq!(
            parse_dn("CN=example.com,OU=NATS.io+O=Synadia,dc=foo,L=Los\\, Angeles"),
            Some(attrs(&[
                &[("CN", "example.com")],
                &[("OU", "NATS.io"), ("O", "Synadia")],
                &[("DC", "foo")],
                &[("L", "Los, Angeles")],
            ]))
        );
        assert_eq!(parse_dn("not a dn"), None);
        assert_eq!(parse_dn("derek@nats.io"), None);
    }

    #[test]
    fn reordered_names_match_only_as_a_subset() {
        let cert = attrs(&[&[("CN", "a")], &[("O", "b")], &[("C", "US")]]);
        let user = parse_dn("O=b,CN=a,C=US").unwrap();
        assert!(!dn_equal(&user, &cert));
        assert!(dn_subset(&user, &cert));
        assert!(!dn_subset(&parse_dn("CN=a,O=c").unwrap(), &cert));
    }

    #[test]
    fn go_escaping_of_values() {
        assert_eq!(escape("a,b"), "a\\,b");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape("#1"), "\\#1");
    }
}
