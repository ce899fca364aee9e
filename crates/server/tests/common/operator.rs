//! Shared by the operator-mode test binaries: an operator with a system account, and helpers
//! to mint accounts, users, creds and activations.
#![allow(dead_code)] // each binary uses its own subset

use nkeys::KeyPair;
use rnats_auth::jwt::{
    self, Account, AccountClaims, Activation, ActivationClaims, Claims, ExportType, Operator, User,
    UserClaims,
};

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An operator with a system account, and helpers to mint accounts and users.
pub struct Op {
    pub key: KeyPair,
    pub jwt: String,
    pub sys: Acct,
}

pub struct Acct {
    pub key: KeyPair,
    pub claims: AccountClaims,
    /// The JWT the operator last signed for it ([`Op::sign`]); empty until then.
    pub jwt: String,
}

impl Acct {
    pub fn public(&self) -> String {
        self.key.public_key()
    }
}

impl Op {
    pub fn new() -> Self {
        let key = KeyPair::new_operator();
        let mut sys = Acct::new("SYS");
        let mut op = Claims::<Operator>::new(key.public_key());
        op.name = "O".into();
        op.nats.system_account = sys.public();
        let jwt = jwt::encode(&mut op, &key, now()).unwrap();
        sys.jwt = jwt::encode(&mut sys.claims, &key, now()).unwrap();
        Self { key, jwt, sys }
    }

    /// Signs `acct`'s claims as they are now; the JWT is also kept in `acct.jwt`.
    pub fn sign(&self, acct: &mut Acct) -> String {
        acct.jwt = jwt::encode(&mut acct.claims, &self.key, now()).unwrap();
        acct.jwt.clone()
    }

    /// A new account, signed.
    pub fn account(&self, name: &str) -> Acct {
        let mut acct = Acct::new(name);
        self.sign(&mut acct);
        acct
    }

    pub fn sys_jwt(&self) -> String {
        self.sys.jwt.clone()
    }

    /// `operator` and `system_account`, then `rest`.
    pub fn config(&self, rest: &str) -> String {
        format!(
            "operator: \"{}\"\nsystem_account: {}\n{rest}\n",
            self.jwt,
            self.sys.public()
        )
    }

    /// A MEMORY resolver preloading the system account and the account JWTs `jwts`, then
    /// `rest`.
    pub fn memory_preloading(&self, jwts: &[&str], rest: &str) -> String {
        let mut preload = format!("  {}: \"{}\"\n", self.sys.public(), self.sys.jwt);
        for jwt in jwts {
            let sub = jwt::decode_account(jwt).unwrap().sub;
            preload.push_str(&format!("  {sub}: \"{jwt}\"\n"));
        }
        self.config(&format!(
            "resolver: MEMORY\nresolver_preload: {{\n{preload}}}\n{rest}"
        ))
    }

    /// A config with a MEMORY resolver preloading `accounts` (plus the system account).
    pub fn memory_config(&self, accounts: &[&str]) -> String {
        self.memory_preloading(accounts, "")
    }

    /// [`Op::memory_preloading`] for signed accounts.
    pub fn memory(&self, accounts: &[&Acct], rest: &str) -> String {
        let jwts: Vec<&str> = accounts.iter().map(|a| a.jwt.as_str()).collect();
        self.memory_preloading(&jwts, rest)
    }
}

impl Acct {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::new_account();
        let mut claims = Claims::<Account>::new(key.public_key());
        claims.name = name.into();
        Self {
            key,
            claims,
            jwt: String::new(),
        }
    }

    pub fn user(&self, edit: impl FnOnce(&mut UserClaims)) -> (KeyPair, String) {
        let user = KeyPair::new_user();
        let mut claims = Claims::<User>::new(user.public_key());
        claims.name = "u".into();
        edit(&mut claims);
        let jwt = jwt::encode(&mut claims, &self.key, now()).unwrap();
        (user, jwt)
    }

    pub fn creds(&self) -> String {
        let (key, jwt) = self.user(|_| {});
        jwt::format_user_creds(&jwt, &key.seed().unwrap())
    }

    /// A bearer user's JWT (no nonce signature needed).
    pub fn bearer(&self) -> String {
        self.user(|u| u.nats.limits.bearer_token = true).1
    }

    pub fn activation(&self, importer: &str, subject: &str) -> String {
        let mut act = Claims::<Activation>::new(importer);
        act.nats.import_subject = subject.into();
        act.nats.import_type = ExportType::Stream;
        let _: &ActivationClaims = &act;
        jwt::encode(&mut act, &self.key, now()).unwrap()
    }
}
