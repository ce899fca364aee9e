//! Secrets: passwords and tokens that never print, compared in constant time or with bcrypt.

use std::fmt;

use subtle::ConstantTimeEq;

/// A password or token from the config. `Debug` prints `Secret(<redacted>)`, and there is no
/// `Display`: a secret reaches a log only if someone calls [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The stored text (for a reload diff, or to print a config back). Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the stored value is a bcrypt hash (`$2a$`, `$2b$`, `$2x$`, `$2y$` then two
    /// digits and `$`), the test nats-server uses to choose bcrypt over a plain comparison.
    pub fn is_bcrypt(&self) -> bool {
        let b = self.0.as_bytes();
        b.len() >= 7
            && b.starts_with(b"$2")
            && matches!(b[2], b'a' | b'b' | b'x' | b'y')
            && b[3] == b'$'
            && b[4].is_ascii_digit()
            && b[5].is_ascii_digit()
            && b[6] == b'$'
    }

    /// Whether `offered` (from the client's CONNECT) matches: bcrypt verification when the stored
    /// value is a hash, otherwise a constant-time byte comparison.
    pub fn verify(&self, offered: &str) -> bool {
        if self.is_bcrypt() {
            // The `bcrypt` crate knows `$2a$`, `$2b$`, `$2x$`, `$2y$`; any failure is a mismatch.
            bcrypt::verify(offered, &self.0).unwrap_or(false)
        } else {
            self.0.as_bytes().ct_eq(offered.as_bytes()).into()
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn plain_secrets_compare_exactly() {
        let s = Secret::new("pw");
        assert!(s.verify("pw"));
        assert!(!s.verify("pw "));
        assert!(!s.verify(""));
        assert!(!s.is_bcrypt());
    }

    #[test]
    fn bcrypt_hashes_are_verified_not_compared() {
        let hash = bcrypt::hash("s3cret", 4).unwrap_or_default();
        let s = Secret::new(hash.clone());
        assert!(s.is_bcrypt());
        assert!(s.verify("s3cret"));
        assert!(!s.verify("wrong"));
        assert!(!s.verify(&hash), "the hash itself is not the password");
    }

    #[test]
    fn bcrypt_hash_from_nats_server_tests_verifies() {
        // srv_a_bcrypt.conf in nats-server's tests: "bcrypt version of 'bar'".
        let s = Secret::new("$2a$10$LoRPzN3GtF2pNX5QgCBBHeUr6/zVN./RVGOu5U8SpHyg2sfzvfXji");
        assert!(s.is_bcrypt());
        assert!(s.verify("bar"));
        assert!(!s.verify("foo"));
    }

    #[test]
    fn almost_bcrypt_prefixes_are_plain() {
        for s in ["$2a$1$x", "$2c$11$x", "$3a$11$x", "2a$11$"] {
            assert!(!Secret::new(s).is_bcrypt(), "{s}");
        }
    }
}
