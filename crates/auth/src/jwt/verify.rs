//! The trust chain: operator → account → user / activation. All take `now` (Unix seconds).

use super::account::{subject_is_contained_in, Account, ExportType, UserScope};
use super::activation::Activation;
use super::claims::{ClaimType, Claims};
use super::operator::Operator;
use super::user::User;
use super::JwtError;

/// Checks an account JWT against the trusted operators: `iss` must be an operator's identity
/// key (unless it has `strict_signing_key_usage`) or one of its signing keys, and the account
/// must be within its `exp`/`nbf`. Returns the operator that vouches for it.
///
/// # Errors
/// [`JwtError::Untrusted`], [`JwtError::Expired`], [`JwtError::NotYetValid`].
pub fn verify_account<'a>(
    account: &Claims<Account>,
    operators: &'a [Claims<Operator>],
    now: i64,
) -> Result<&'a Claims<Operator>, JwtError> {
    let operator = operators
        .iter()
        .find(|op| {
            (op.sub == account.iss && !op.nats.strict_signing_key_usage)
                || op.nats.signing_keys.contains(&account.iss)
        })
        .ok_or_else(|| JwtError::Untrusted {
            kind: ClaimType::Account,
            issuer: account.iss.clone(),
        })?;
    account.check_times(now)?;
    Ok(operator)
}

/// Who signed a user, once [`verify_user`] accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSigner<'a> {
    /// The account's identity key.
    Account,
    /// An unscoped account signing key.
    SigningKey,
    /// A scoped signing key: apply its template instead of the user's own permissions.
    Scoped(&'a UserScope),
}

/// Checks a user JWT against its account: the account is `issuer_account` if set, else `iss`,
/// and must be `account`; `iss` must be the account key or one of its signing keys; a user of a
/// scoped key carries no permissions or limits; user and account are within their times; the
/// account has not revoked the user. The nonce signature, bearer, `src`, `times` and connection
/// type checks belong to the connection and are not done here.
///
/// # Errors
/// [`JwtError::WrongAccount`], [`JwtError::Untrusted`], [`JwtError::ScopedUserHasLimits`],
/// [`JwtError::Expired`], [`JwtError::NotYetValid`], [`JwtError::Revoked`].
pub fn verify_user<'a>(
    user: &Claims<User>,
    account: &'a Claims<Account>,
    now: i64,
) -> Result<UserSigner<'a>, JwtError> {
    let claimed = if user.nats.issuer_account.is_empty() {
        &user.iss
    } else {
        &user.nats.issuer_account
    };
    if *claimed != account.sub {
        return Err(JwtError::WrongAccount {
            kind: ClaimType::User,
            claimed: claimed.clone(),
            account: account.sub.clone(),
        });
    }
    let signer = if user.iss == account.sub {
        UserSigner::Account
    } else {
        match account.nats.signing_keys.get(&user.iss) {
            None => {
                return Err(JwtError::Untrusted {
                    kind: ClaimType::User,
                    issuer: user.iss.clone(),
                })
            }
            Some(None) => UserSigner::SigningKey,
            Some(Some(scope)) => {
                if !user.nats.limits.is_empty() {
                    return Err(JwtError::ScopedUserHasLimits);
                }
                UserSigner::Scoped(scope)
            }
        }
    };
    user.check_times(now)?;
    account.check_times(now)?;
    if account.nats.is_user_revoked(&user.sub, user.iat) {
        return Err(JwtError::Revoked {
            kind: ClaimType::User,
            subject: user.sub.clone(),
        });
    }
    Ok(signer)
}

/// Checks an activation token presented by `importer` for an import of `kind` on
/// `import_subject` from `exporter`: issued by the exporter (or its signing key with
/// `issuer_account`), for `importer`, of the same kind, covering the subject, within its times
/// and not revoked by the export.
///
/// # Errors
/// [`JwtError::Untrusted`], [`JwtError::ActivationMismatch`], [`JwtError::Expired`],
/// [`JwtError::NotYetValid`], [`JwtError::Revoked`].
pub fn verify_activation(
    activation: &Claims<Activation>,
    exporter: &Claims<Account>,
    importer: &str,
    kind: ExportType,
    import_subject: &str,
    now: i64,
) -> Result<(), JwtError> {
    let by_exporter = activation.iss == exporter.sub
        || (activation.nats.issuer_account == exporter.sub
            && exporter.nats.signing_keys.contains(&activation.iss));
    if !by_exporter {
        return Err(JwtError::Untrusted {
            kind: ClaimType::Activation,
            issuer: activation.iss.clone(),
        });
    }
    if activation.sub != importer {
        return Err(JwtError::ActivationMismatch {
            reason: format!("it is for {}, not {importer}", activation.sub),
        });
    }
    if activation.nats.import_type != kind {
        return Err(JwtError::ActivationMismatch {
            reason: format!("it is for a {}, not a {kind}", activation.nats.import_type),
        });
    }
    if !subject_is_contained_in(import_subject, &activation.nats.import_subject) {
        return Err(JwtError::ActivationMismatch {
            reason: format!(
                "subject {import_subject:?} is not covered by {:?}",
                activation.nats.import_subject
            ),
        });
    }
    activation.check_times(now)?;
    if let Some(export) = exporter.nats.find_export(kind, import_subject) {
        if export.is_revoked(importer, activation.iat) {
            return Err(JwtError::Revoked {
                kind: ClaimType::Activation,
                subject: importer.to_string(),
            });
        }
    }
    Ok(())
}
