//! NATS JWT v2: operator, account, user and activation claims; encode, decode, verify.
//!
//! Token layout: `base64url(header).base64url(payload).base64url(signature)` with no padding;
//! header `{"typ":"JWT","alg":"ed25519-nkey"}`; the signature is Ed25519 by the issuer's nkey
//! over `header.payload`. The payload is the registered claims (`jti`, `iat`, `iss`, `sub`,
//! `name`, `exp`, `nbf`, `aud`) plus a `nats` object whose fields are named and typed as in
//! nats-io/jwt v2 and written in its order, with Go's `omitempty` rules (an absent limit is 0,
//! not unlimited, so fresh claims carry −1s as nsc's do).
//!
//! - [`encode`] signs a [`Claims<T>`] (sets `iss`, `iat`, `jti`, `nats.type`, `nats.version`).
//! - [`decode`] checks layout, header, signature and issuer kind, returning [`AnyClaims`];
//!   [`decode_operator`], [`decode_account`], [`decode_user`], [`decode_activation`] for one
//!   type. Version 1 tokens decode too.
//! - [`verify_account`], [`verify_user`], [`verify_activation`] check the trust chain, times
//!   and revocations against a `now` the caller passes (this crate reads no clock).
//! - [`format_user_creds`], [`parse_creds`], [`decorate_jwt`], [`extract_jwt`] for the
//!   file forms.
//!
//! ```
//! use rnats_auth::jwt::{self, Account, Claims, Operator, User};
//! let now = 1_700_000_000;
//! let op_key = nkeys::KeyPair::new_operator();
//! let acct_key = nkeys::KeyPair::new_account();
//! let user_key = nkeys::KeyPair::new_user();
//!
//! let mut op = Claims::<Operator>::new(op_key.public_key());
//! let op_jwt = jwt::encode(&mut op, &op_key, now).unwrap();
//! let mut acct = Claims::<Account>::new(acct_key.public_key());
//! acct.name = "A".into();
//! let acct_jwt = jwt::encode(&mut acct, &op_key, now).unwrap();
//! let mut user = Claims::<User>::new(user_key.public_key());
//! let user_jwt = jwt::encode(&mut user, &acct_key, now).unwrap();
//!
//! let op = jwt::decode_operator(&op_jwt).unwrap();
//! let acct = jwt::decode_account(&acct_jwt).unwrap();
//! let user = jwt::decode_user(&user_jwt).unwrap();
//! jwt::verify_account(&acct, std::slice::from_ref(&op), now).unwrap();
//! jwt::verify_user(&user, &acct, now).unwrap();
//! assert_eq!(user.nats.limits.subs, -1);
//! ```

mod account;
mod activation;
mod claims;
mod codec;
mod creds;
mod error;
mod operator;
mod user;
mod verify;

#[cfg(test)]
mod tests;

pub use account::{
    has_wildcards, is_revoked, subject_is_contained_in, Account, Export, ExportType,
    ExternalAuthorization, Import, JetStreamLimits, MsgTrace, OperatorLimits, RevocationList,
    Sampling, ServiceLatency, SigningKeys, UserScope, WeightedMapping, REVOKE_ALL, USER_SCOPE_KIND,
};
pub use activation::{activation_hash_id, Activation};
pub use claims::{ClaimBody, ClaimType, Claims, GenericFields, KeyRole};
pub use codec::{
    claim_id, decode, decode_account, decode_activation, decode_operator, decode_user, encode,
    sign_payload, AnyClaims, CommonClaims, GenericClaims, HEADER, MAX_TOKEN_SIZE,
};
pub use creds::{decorate_jwt, extract_jwt, format_user_creds, parse_creds};
pub use error::JwtError;
pub use operator::Operator;
pub use user::{
    Permission, Permissions, ResponsePermission, TimeRange, User, UserPermissionLimits, NO_LIMIT,
};
pub use verify::{verify_account, verify_activation, verify_user, UserSigner};

/// An operator JWT's claims.
pub type OperatorClaims = Claims<Operator>;
/// An account JWT's claims.
pub type AccountClaims = Claims<Account>;
/// A user JWT's claims.
pub type UserClaims = Claims<User>;
/// An activation JWT's claims.
pub type ActivationClaims = Claims<Activation>;
