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
}

impl Acct {
    pub fn public(&self) -> String {
        self.key.public_key()
    }
}

impl Op {
    pub fn new() -> Self {
        let key = KeyPair::new_operator();
        let sys = Acct::new("SYS");
        let mut op = Claims::<Operator>::new(key.public_key());
        op.name = "O".into();
        op.nats.system_account = sys.public();
        let jwt = jwt::encode(&mut op, &key, now()).unwrap();
        Self { key, jwt, sys }
    }

    pub fn sign(&self, acct: &mut Acct) -> String {
        jwt::encode(&mut acct.claims, &self.key, now()).unwrap()
    }

    pub fn sys_jwt(&self) -> String {
        let mut claims = self.sys.claims.clone();
        jwt::encode(&mut claims, &self.key, now()).unwrap()
    }

    /// A config with a MEMORY resolver preloading `accounts` (plus the system account).
    pub fn memory_config(&self, accounts: &[&str]) -> String {
        let mut preload = format!("  {}: \"{}\"\n", self.sys.public(), self.sys_jwt());
        for jwt in accounts {
            let sub = jwt::decode_account(jwt).unwrap().sub;
            preload.push_str(&format!("  {sub}: \"{jwt}\"\n"));
        }
        format!(
            "operator: \"{}\"\nsystem_account: {}\nresolver: MEMORY\nresolver_preload: {{\n{preload}}}\n",
            self.jwt,
            self.sys.public()
        )
    }
}

impl Acct {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::new_account();
        let mut claims = Claims::<Account>::new(key.public_key());
        claims.name = name.into();
        Self { key, claims }
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

    pub fn activation(&self, importer: &str, subject: &str) -> String {
        let mut act = Claims::<Activation>::new(importer);
        act.nats.import_subject = subject.into();
        act.nats.import_type = ExportType::Stream;
        let _: &ActivationClaims = &act;
        jwt::encode(&mut act, &self.key, now()).unwrap()
    }
}
