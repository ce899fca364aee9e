//! Token layout: `base64url(header).base64url(payload).base64url(signature)`, no padding.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha512_256};

use super::account::Account;
use super::activation::Activation;
use super::claims::{ClaimBody, ClaimType, Claims, KeyRole};
use super::operator::Operator;
use super::user::User;
use super::JwtError;

/// Largest token accepted by [`decode`] (1 MiB, as the Go library).
pub const MAX_TOKEN_SIZE: usize = 1024 * 1024;

/// The header every v2 token carries.
pub const HEADER: &str = r#"{"typ":"JWT","alg":"ed25519-nkey"}"#;

/// The base64url engine: no padding written; none accepted; trailing bits tolerated as Go's
/// `RawURLEncoding` does.
const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// A claim payload of a type this crate does not model: the raw JSON object.
pub type GenericClaims = Claims<serde_json::Map<String, serde_json::Value>>;

/// Any decoded NATS JWT.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyClaims {
    Operator(Box<Claims<Operator>>),
    Account(Box<Claims<Account>>),
    User(Box<Claims<User>>),
    Activation(Box<Claims<Activation>>),
    /// Another `nats.type` (auth callout request/response, generic claims).
    Generic(Box<GenericClaims>),
}

impl AnyClaims {
    pub fn claim_type(&self) -> ClaimType {
        match self {
            Self::Operator(_) => ClaimType::Operator,
            Self::Account(_) => ClaimType::Account,
            Self::User(_) => ClaimType::User,
            Self::Activation(_) => ClaimType::Activation,
            Self::Generic(g) => ClaimType::Other(
                g.nats
                    .get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or("generic")
                    .to_string(),
            ),
        }
    }

    /// Issuer, subject, name, iat, exp, nbf, jti — the part all claims share.
    pub fn common(&self) -> CommonClaims<'_> {
        macro_rules! common {
            ($c:expr) => {
                CommonClaims {
                    jti: &$c.jti,
                    iat: $c.iat,
                    iss: &$c.iss,
                    name: &$c.name,
                    sub: &$c.sub,
                    exp: $c.exp,
                    nbf: $c.nbf,
                    aud: &$c.aud,
                }
            };
        }
        match self {
            Self::Operator(c) => common!(c),
            Self::Account(c) => common!(c),
            Self::User(c) => common!(c),
            Self::Activation(c) => common!(c),
            Self::Generic(c) => common!(c),
        }
    }

    /// The claims as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        match self {
            Self::Operator(c) => c.to_json_pretty(),
            Self::Account(c) => c.to_json_pretty(),
            Self::User(c) => c.to_json_pretty(),
            Self::Activation(c) => c.to_json_pretty(),
            Self::Generic(c) => go_escape(serde_json::to_string_pretty(c).unwrap_or_default()),
        }
    }
}

/// Borrowed registered claims of any claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommonClaims<'a> {
    pub aud: &'a str,
    pub exp: i64,
    pub jti: &'a str,
    pub iat: i64,
    pub iss: &'a str,
    pub name: &'a str,
    pub nbf: i64,
    pub sub: &'a str,
}

/// The registered claims in the order and form the ID hash is computed over.
#[derive(Serialize)]
struct HashInput<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    aud: &'a str,
    #[serde(skip_serializing_if = "is_zero_i64")]
    exp: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    iat: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    iss: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "is_zero_i64")]
    nbf: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    sub: &'a str,
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

/// The `jti` nats-io/jwt v2 computes: base32 (standard alphabet, no padding) of SHA-512/256
/// over the compact JSON of the registered claims without `jti`.
pub fn claim_id<T>(claims: &Claims<T>) -> String {
    let input = HashInput {
        aud: &claims.aud,
        exp: claims.exp,
        iat: claims.iat,
        iss: &claims.iss,
        name: &claims.name,
        nbf: claims.nbf,
        sub: &claims.sub,
    };
    let json = go_escape(serde_json::to_string(&input).unwrap_or_default());
    let digest = Sha512_256::digest(json.as_bytes());
    data_encoding::BASE32_NOPAD.encode(&digest)
}

/// Go's `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; those
/// characters can only occur inside strings, so replacing them everywhere is exact.
pub(crate) fn go_escape(json: String) -> String {
    if !json
        .chars()
        .any(|c| matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}'))
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn role_allowed(key: &str, roles: &[KeyRole]) -> bool {
    KeyRole::of(key).is_some_and(|r| roles.contains(&r))
}

/// Signs `claims` with `signer`: sets `iss` to the signer's public key, `iat` to `now`, the
/// `jti`, `nats.type` and `nats.version = 2`; exports and imports of an account are written as
/// they are (call [`Account::sort`] first to match the Go library's order).
///
/// # Errors
/// The subject is not a key of the claim's subject kind, the signer may not sign this claim
/// type, or the key pair has no seed.
pub fn encode<T: ClaimBody>(
    claims: &mut Claims<T>,
    signer: &nkeys::KeyPair,
    now: i64,
) -> Result<String, JwtError> {
    if let Some(role) = T::subject_role() {
        if KeyRole::of(&claims.sub) != Some(role) {
            return Err(JwtError::SubjectKind {
                subject: claims.sub.clone(),
                expected: role.name(),
            });
        }
    }
    let issuer = signer.public_key();
    if !role_allowed(&issuer, T::issuer_roles()) {
        return Err(JwtError::IssuerKind {
            issuer,
            kind: T::claim_type(),
        });
    }
    claims.iss = issuer;
    claims.iat = now;
    claims.jti = String::new();
    claims.jti = claim_id(claims);
    let generic = claims.nats.generic_mut();
    generic.claim_type = T::claim_type().as_str().to_string();
    generic.version = 2;
    sign_payload(claims, signer)
}

/// Serializes and signs as is, touching no field (for generic claims such as the resolver's
/// delete request).
///
/// # Errors
/// The claims do not serialize, or the key pair cannot sign.
pub fn sign_payload<T: Serialize>(claims: &T, signer: &nkeys::KeyPair) -> Result<String, JwtError> {
    let payload = serde_json::to_string(claims).map_err(|e| JwtError::Json {
        part: "payload",
        reason: e.to_string(),
    })?;
    let payload = go_escape(payload);
    let to_sign = format!("{}.{}", B64.encode(HEADER), B64.encode(payload));
    let sig = signer.sign(to_sign.as_bytes()).map_err(JwtError::key)?;
    Ok(format!("{to_sign}.{}", B64.encode(sig)))
}

fn b64(part: &'static str, text: &str) -> Result<Vec<u8>, JwtError> {
    B64.decode(text).map_err(|_| JwtError::Base64 { part })
}

fn check_header(bytes: &[u8]) -> Result<(), JwtError> {
    #[derive(serde::Deserialize)]
    struct Header {
        #[serde(default)]
        typ: String,
        #[serde(default)]
        alg: String,
    }
    let h: Header = serde_json::from_slice(bytes).map_err(|e| JwtError::Json {
        part: "header",
        reason: e.to_string(),
    })?;
    if !h.typ.eq_ignore_ascii_case("JWT") {
        return Err(JwtError::HeaderType { typ: h.typ });
    }
    let alg = h.alg.to_ascii_lowercase();
    if alg != "ed25519-nkey" && alg != "ed25519" {
        return Err(JwtError::HeaderAlgorithm { alg: h.alg });
    }
    Ok(())
}

/// Version 1 tokens keep `type`, `tags` and `issuer_account` at the top level and sign only the
/// payload; move those fields into `nats` so one set of types reads both.
fn normalize(
    mut payload: serde_json::Value,
) -> Result<(u8, ClaimType, serde_json::Value), JwtError> {
    let obj = payload.as_object_mut().ok_or_else(|| JwtError::Json {
        part: "payload",
        reason: "not a JSON object".into(),
    })?;
    let top_type = obj
        .get("type")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(kind) = top_type {
        let mut moved = serde_json::Map::new();
        for key in ["type", "tags", "issuer_account"] {
            if let Some(v) = obj.remove(key) {
                moved.insert(key.to_string(), v);
            }
        }
        let nats = obj
            .entry("nats")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if !nats.is_object() {
            *nats = serde_json::Value::Object(Default::default());
        }
        if let Some(nats) = nats.as_object_mut() {
            for (k, v) in moved {
                nats.entry(k).or_insert(v);
            }
            nats.insert("version".into(), 1.into());
        }
        return Ok((1, ClaimType::parse(&kind), payload));
    }
    let nats = obj.get("nats").and_then(|n| n.as_object());
    let version = nats
        .and_then(|n| n.get("version"))
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    if version > 2 {
        return Err(JwtError::NewerVersion { version });
    }
    let kind = nats
        .and_then(|n| n.get("type"))
        .and_then(|t| t.as_str())
        .unwrap_or("generic");
    let kind = ClaimType::parse(kind);
    Ok((if version <= 1 { 1 } else { 2 }, kind, payload))
}

fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, JwtError> {
    serde_json::from_value(v).map_err(|e| JwtError::Json {
        part: "payload",
        reason: e.to_string(),
    })
}

/// Decodes a token and checks its signature against `iss` and that `iss` is a key of a kind
/// allowed to sign the claim type — what nats-io/jwt's `Decode` does. Trust (is `iss` the
/// right operator or account?) and times are separate: see [`super::verify_account`],
/// [`super::verify_user`], [`super::verify_activation`] and [`Claims::check_times`].
///
/// Version 1 tokens (`alg: ed25519`, top-level `type`) are read too.
///
/// # Errors
/// Any malformed part, a bad signature or a wrong issuer kind.
pub fn decode(token: &str) -> Result<AnyClaims, JwtError> {
    if token.len() > MAX_TOKEN_SIZE {
        return Err(JwtError::TooLarge {
            len: token.len(),
            max: MAX_TOKEN_SIZE,
        });
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Chunks);
    };
    check_header(&b64("header", h)?)?;
    let payload_bytes = b64("payload", p)?;
    let payload: serde_json::Value =
        serde_json::from_slice(&payload_bytes).map_err(|e| JwtError::Json {
            part: "payload",
            reason: e.to_string(),
        })?;
    let (version, kind, payload) = normalize(payload)?;
    let sig = b64("signature", s)?;

    let claims = match kind {
        ClaimType::Operator => AnyClaims::Operator(from_value(payload)?),
        ClaimType::Account => AnyClaims::Account(from_value(payload)?),
        ClaimType::User => AnyClaims::User(from_value(payload)?),
        ClaimType::Activation => AnyClaims::Activation(from_value(payload)?),
        ClaimType::Other(_) => AnyClaims::Generic(from_value(payload)?),
    };
    let issuer = claims.common().iss;
    let signed = if version == 1 {
        p
    } else {
        &token[..h.len() + 1 + p.len()]
    };
    let key =
        nkeys::KeyPair::from_public_key(issuer).map_err(|_| JwtError::Signature { version })?;
    key.verify(signed.as_bytes(), &sig)
        .map_err(|_| JwtError::Signature { version })?;

    let roles: &[KeyRole] = match &claims {
        AnyClaims::Operator(_) => Operator::issuer_roles(),
        AnyClaims::Account(_) => Account::issuer_roles(),
        AnyClaims::User(_) => User::issuer_roles(),
        AnyClaims::Activation(_) => Activation::issuer_roles(),
        AnyClaims::Generic(_) => return Ok(claims),
    };
    if !role_allowed(issuer, roles) {
        return Err(JwtError::IssuerKind {
            issuer: issuer.to_string(),
            kind: claims.claim_type(),
        });
    }
    Ok(claims)
}

macro_rules! decode_as {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $body:ty) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// As [`decode`], or [`JwtError::WrongType`] for another claim type.
        pub fn $name(token: &str) -> Result<Claims<$body>, JwtError> {
            match decode(token)? {
                AnyClaims::$variant(c) => Ok(*c),
                other => Err(JwtError::WrongType {
                    expected: <$body as ClaimBody>::claim_type(),
                    found: other.claim_type(),
                }),
            }
        }
    };
}

decode_as!(
    /// [`decode`] an operator JWT.
    decode_operator, Operator, Operator
);
decode_as!(
    /// [`decode`] an account JWT.
    decode_account, Account, Account
);
decode_as!(
    /// [`decode`] a user JWT.
    decode_user, User, User
);
decode_as!(
    /// [`decode`] an activation JWT.
    decode_activation, Activation, Activation
);
