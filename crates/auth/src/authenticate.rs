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
    /// What identifies the user: username or nkey; `None` when no auth is required or for the
    /// token and single-user cases the original does not name.
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
