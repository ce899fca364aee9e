//! CONNECT credentials against an [`AuthConfig`] (auth.go `processClientOrLeafAuthentication`,
//! config part only; JWT/operator mode is not here).
//!
//! The order is the original's:
//! 1. nkey users exist and the client sent `nkey` → that nkey must be configured, and `sig` must
//!    be its signature of the nonce.
//! 2. users exist → `user` must name one and `pass` match it (plain, constant time, or bcrypt).
//! 3. else `token`, else the single `user`/`password`.
//!
//! A client that sends no `user`, `pass`, `auth_token` or `nkey` becomes `no_auth_user` (a user
//! or an nkey), without a password or signature check.
//!
//! # Nonce
//! The server makes the nonce: 11 random bytes, base64url without padding (15 characters), sent
//! in INFO. The client signs the nonce **text** (its ASCII bytes, not the decoded bytes) with
//! Ed25519; `sig` is base64url without padding, standard base64 is accepted too.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::{AuthConfig, AuthError, ConnectionType, Permissions, GLOBAL_ACCOUNT};

/// The credential fields of a CONNECT, plus what the server knows about the connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectCredentials<'a> {
    pub user: Option<&'a str>,
    pub pass: Option<&'a str>,
    pub auth_token: Option<&'a str>,
    pub nkey: Option<&'a str>,
    pub sig: Option<&'a str>,
    /// The nonce the server sent in INFO (empty if it sent none).
    pub nonce: &'a str,
    /// The listener the client came through; checked against `allowed_connection_types`.
    pub connection_type: ConnectionType,
}

/// Who the client is now.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthenticatedUser {
    /// How the client authenticated (username, nkey, token, or no auth configured).
    pub identity: Identity,
    /// The account to bind the connection to.
    pub account: String,
    /// `None`: everything allowed.
    pub permissions: Option<Permissions>,
}

/// How the client authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// No authentication configured.
    Anonymous,
    /// A configured username (from `users`, the single user, or `no_auth_user`).
    User(String),
    /// A configured nkey user.
    Nkey(String),
    /// `authorization { token }`.
    Token,
}

impl AuthenticatedUser {
    fn new(identity: Identity, account: &str, permissions: Option<&Permissions>) -> Self {
        AuthenticatedUser {
            identity,
            account: account.to_string(),
            permissions: permissions.cloned(),
        }
    }
}

/// Decide whether a CONNECT may proceed, and as whom.
///
/// # Errors
/// [`AuthError`] for every refusal; the client is told only [`AuthError::client_text`].
pub fn authenticate(
    cfg: &AuthConfig,
    creds: &ConnectCredentials<'_>,
) -> Result<AuthenticatedUser, AuthError> {
    if !cfg.auth_required() {
        return Ok(AuthenticatedUser::new(
            Identity::Anonymous,
            GLOBAL_ACCOUNT,
            None,
        ));
    }
    let given = |s: Option<&str>| s.is_some_and(|s| !s.is_empty());
    let conn = creds.connection_type;
    let allowed = |types: &[ConnectionType]| types.is_empty() || types.contains(&conn);

    let no_credentials =
        !given(creds.user) && !given(creds.pass) && !given(creds.auth_token) && !given(creds.nkey);
    if no_credentials {
        if let Some(name) = &cfg.no_auth_user {
            if let Some(u) = cfg.users.iter().find(|u| &u.username == name) {
                if !allowed(&u.allowed_connection_types) {
                    return Err(AuthError::ConnectionTypeNotAllowed(conn));
                }
                let id = Identity::User(u.username.clone());
                return Ok(AuthenticatedUser::new(
                    id,
                    &u.account,
                    u.permissions.as_ref(),
                ));
            }
            if let Some(u) = cfg.nkey_users.iter().find(|u| &u.nkey == name) {
                if !allowed(&u.allowed_connection_types) {
                    return Err(AuthError::ConnectionTypeNotAllowed(conn));
                }
                let id = Identity::Nkey(u.nkey.clone());
                return Ok(AuthenticatedUser::new(
                    id,
                    &u.account,
                    u.permissions.as_ref(),
                ));
            }
        }
    }

    if let (false, Some(nkey)) = (
        cfg.nkey_users.is_empty(),
        creds.nkey.filter(|k| !k.is_empty()),
    ) {
        let user = cfg
            .nkey_users
            .iter()
            .find(|u| u.nkey == nkey)
            .ok_or(AuthError::UnknownUser)?;
        if !allowed(&user.allowed_connection_types) {
            return Err(AuthError::ConnectionTypeNotAllowed(conn));
        }
        verify_nonce_signature(nkey, creds.nonce, creds.sig)?;
        let id = Identity::Nkey(user.nkey.clone());
        return Ok(AuthenticatedUser::new(
            id,
            &user.account,
            user.permissions.as_ref(),
        ));
    }

    if !cfg.users.is_empty() {
        let name = creds
            .user
            .filter(|u| !u.is_empty())
            .ok_or(AuthError::UnknownUser)?;
        let user = cfg
            .users
            .iter()
            .find(|u| u.username == name)
            .ok_or(AuthError::UnknownUser)?;
        if !allowed(&user.allowed_connection_types) {
            return Err(AuthError::ConnectionTypeNotAllowed(conn));
        }
        if !user.password.verify(creds.pass.unwrap_or("")) {
            return Err(AuthError::BadPassword);
        }
        let id = Identity::User(user.username.clone());
        return Ok(AuthenticatedUser::new(
            id,
            &user.account,
            user.permissions.as_ref(),
        ));
    }

    if let Some(token) = &cfg.token {
        return if token.verify(creds.auth_token.unwrap_or("")) {
            Ok(AuthenticatedUser::new(
                Identity::Token,
                GLOBAL_ACCOUNT,
                None,
            ))
        } else {
            Err(AuthError::BadPassword)
        };
    }
    if let Some(single) = &cfg.single_user {
        if creds.user != Some(single.username.as_str()) {
            return Err(AuthError::UnknownUser);
        }
        return if single.password.verify(creds.pass.unwrap_or("")) {
            let id = Identity::User(single.username.clone());
            Ok(AuthenticatedUser::new(id, GLOBAL_ACCOUNT, None))
        } else {
            Err(AuthError::BadPassword)
        };
    }
    Err(AuthError::UnknownUser)
}

/// Check that `sig` (base64url, or standard base64) is `nkey`'s Ed25519 signature of the nonce
/// text.
///
/// # Errors
/// [`AuthError::SignatureMissing`], [`AuthError::SignatureEncoding`], [`AuthError::BadNkey`] or
/// [`AuthError::SignatureInvalid`].
pub fn verify_nonce_signature(nkey: &str, nonce: &str, sig: Option<&str>) -> Result<(), AuthError> {
    let sig = sig
        .filter(|s| !s.is_empty())
        .ok_or(AuthError::SignatureMissing)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(sig)
        .or_else(|_| STANDARD.decode(sig))
        .map_err(|_| AuthError::SignatureEncoding)?;
    let key = nkeys::KeyPair::from_public_key(nkey).map_err(|_| AuthError::BadNkey)?;
    key.verify(nonce.as_bytes(), &bytes)
        .map_err(|_| AuthError::SignatureInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_auth_config;
    use std::path::Path;

    fn config(text: &str) -> AuthConfig {
        let map = rnats_conf::parse_str(text, Path::new("a.conf")).unwrap_or_default();
        decode_auth_config(&map).unwrap_or_else(|e| panic!("{e}"))
    }

    fn creds<'a>(user: &'a str, pass: &'a str) -> ConnectCredentials<'a> {
        ConnectCredentials {
            user: Some(user),
            pass: Some(pass),
            ..Default::default()
        }
    }

    #[test]
    fn no_auth_configured_lets_anyone_in_to_the_global_account() {
        let who = authenticate(&AuthConfig::default(), &creds("x", "y")).unwrap();
        assert_eq!(who.identity, Identity::Anonymous);
        assert_eq!(who.account, GLOBAL_ACCOUNT);
    }

    #[test]
    fn users_need_the_right_password() {
        let cfg = config(
            r#"accounts { A { users: [ {user: a, password: pw, permissions: {publish: "x"}} ] } }"#,
        );
        let who = authenticate(&cfg, &creds("a", "pw")).unwrap();
        assert_eq!(who.account, "A");
        assert!(who.permissions.is_some());
        assert_eq!(
            authenticate(&cfg, &creds("a", "nope")),
            Err(AuthError::BadPassword)
        );
        assert_eq!(
            authenticate(&cfg, &creds("b", "pw")),
            Err(AuthError::UnknownUser)
        );
        let none = ConnectCredentials::default();
        assert_eq!(authenticate(&cfg, &none), Err(AuthError::UnknownUser));
        assert_eq!(
            AuthError::BadPassword.client_text(),
            "Authorization Violation"
        );
    }

    #[test]
    fn bcrypt_passwords() {
        // The hash of "bar" from nats-server's srv_a_bcrypt.conf.
        let cfg = config(
            r#"authorization { users: [ {user: u, password: "$2a$10$LoRPzN3GtF2pNX5QgCBBHeUr6/zVN./RVGOu5U8SpHyg2sfzvfXji"} ] }"#,
        );
        assert!(authenticate(&cfg, &creds("u", "bar")).is_ok());
        assert_eq!(
            authenticate(&cfg, &creds("u", "baz")),
            Err(AuthError::BadPassword)
        );
        assert!(!cfg.has_plaintext_passwords());
    }

    #[test]
    fn token_and_single_user() {
        let cfg = config("authorization { token: s3cr3t }");
        let tok = |t: &'static str| ConnectCredentials {
            auth_token: Some(t),
            ..Default::default()
        };
        assert_eq!(
            authenticate(&cfg, &tok("s3cr3t")).map(|u| u.identity),
            Ok(Identity::Token)
        );
        assert_eq!(
            authenticate(&cfg, &tok("s3cr3")),
            Err(AuthError::BadPassword)
        );

        let cfg = config("authorization { user: derek, password: T0pS3cr3t }");
        assert!(authenticate(&cfg, &creds("derek", "T0pS3cr3t")).is_ok());
        assert_eq!(
            authenticate(&cfg, &creds("derek", "x")),
            Err(AuthError::BadPassword)
        );
        assert_eq!(
            authenticate(&cfg, &creds("dere", "T0pS3cr3t")),
            Err(AuthError::UnknownUser)
        );
    }

    #[test]
    fn no_auth_user_is_used_only_without_credentials() {
        let cfg = config(
            "no_auth_user: guest\naccounts { P { users: [ {user: guest, password: g}, {user: a, password: a} ] } }",
        );
        let who = authenticate(&cfg, &ConnectCredentials::default()).unwrap();
        assert_eq!(who.identity, Identity::User("guest".into()));
        assert_eq!(who.account, "P");
        assert_eq!(
            authenticate(&cfg, &creds("a", "wrong")),
            Err(AuthError::BadPassword)
        );
    }

    #[test]
    fn connection_types_are_enforced() {
        let cfg = config(
            r#"authorization { users: [ {user: a, password: a, allowed_connection_types: ["WEBSOCKET"]} ] }"#,
        );
        assert_eq!(
            authenticate(&cfg, &creds("a", "a")),
            Err(AuthError::ConnectionTypeNotAllowed(
                ConnectionType::Standard
            ))
        );
        let ws = ConnectCredentials {
            connection_type: ConnectionType::Websocket,
            ..creds("a", "a")
        };
        assert!(authenticate(&cfg, &ws).is_ok());
    }

    fn nkey_setup() -> (nkeys::KeyPair, AuthConfig) {
        let kp = nkeys::KeyPair::new_user();
        let text = format!(
            "accounts {{ N {{ users: [ {{nkey: {}, permissions: {{subscribe: \"s\"}}}} ] }} }}",
            kp.public_key()
        );
        let cfg = config(&text);
        (kp, cfg)
    }

    #[test]
    fn nkey_users_sign_the_nonce() {
        let (kp, cfg) = nkey_setup();
        let nonce = "Zm9vYmFyYmF6cXV4"; // any text; the client signs its bytes
        let sig = kp.sign(nonce.as_bytes()).unwrap_or_default();
        let pk = kp.public_key();
        let mut c = ConnectCredentials {
            nkey: Some(&pk),
            nonce,
            ..Default::default()
        };
        let raw = URL_SAFE_NO_PAD.encode(&sig);
        c.sig = Some(&raw);
        let who = authenticate(&cfg, &c).unwrap();
        assert_eq!(who.identity, Identity::Nkey(pk.clone()));
        assert_eq!(who.account, "N");

        let std = STANDARD.encode(&sig);
        c.sig = Some(&std);
        assert!(
            authenticate(&cfg, &c).is_ok(),
            "standard base64 is accepted too"
        );

        c.sig = None;
        assert_eq!(authenticate(&cfg, &c), Err(AuthError::SignatureMissing));
        c.sig = Some("!!!");
        assert_eq!(authenticate(&cfg, &c), Err(AuthError::SignatureEncoding));
        let other = URL_SAFE_NO_PAD.encode(kp.sign(b"another nonce").unwrap_or_default());
        c.sig = Some(&other);
        assert_eq!(authenticate(&cfg, &c), Err(AuthError::SignatureInvalid));
    }

    #[test]
    fn unknown_nkeys_are_refused() {
        let (_, cfg) = nkey_setup();
        let stranger = nkeys::KeyPair::new_user();
        let pk = stranger.public_key();
        let sig = URL_SAFE_NO_PAD.encode(stranger.sign(b"n").unwrap_or_default());
        let c = ConnectCredentials {
            nkey: Some(&pk),
            sig: Some(&sig),
            nonce: "n",
            ..Default::default()
        };
        assert_eq!(authenticate(&cfg, &c), Err(AuthError::UnknownUser));
    }

    #[test]
    fn no_auth_user_may_name_an_nkey() {
        let kp = nkeys::KeyPair::new_user();
        let text = format!(
            "no_auth_user: {pk}\nauthorization {{ users: [ {{nkey: {pk}}} ] }}",
            pk = kp.public_key()
        );
        let cfg = config(&text);
        let who = authenticate(&cfg, &ConnectCredentials::default()).unwrap();
        assert_eq!(who.identity, Identity::Nkey(kp.public_key()));
    }

    #[test]
    fn the_nkey_test_vector_from_the_spec_verifies() {
        let kp =
            nkeys::KeyPair::from_seed("SUAP277QP7U4JMFFPVZHLJYEQJ2UHOTYVEIZJYAWRJXQLP4FRSEHYZJJOU")
                .unwrap_or_else(|_| nkeys::KeyPair::new_user());
        assert_eq!(
            kp.public_key(),
            "UBO2MQV67TQTVIRV3XFTEZOACM4WLOCMCDMAWN5QVN5PI2N6JHTVDRON"
        );
        let sig = URL_SAFE_NO_PAD.encode(kp.sign(b"abc").unwrap_or_default());
        assert_eq!(
            verify_nonce_signature(&kp.public_key(), "abc", Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_nonce_signature("UABC", "abc", Some(&sig)),
            Err(AuthError::BadNkey)
        );
    }
}
