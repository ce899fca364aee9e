//! Creds files and decorated JWTs, as nsc writes and the Go clients read them.

use super::JwtError;

/// A creds file: the user JWT and the user's seed, in the exact layout nsc writes (five dashes
/// on `BEGIN` lines, six on `END` lines).
pub fn format_user_creds(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

/// A JWT between `BEGIN NATS <KIND> JWT` / `END NATS <KIND> JWT` lines (`kind` such as
/// `operator`, `account`, `activation`; upper-cased).
pub fn decorate_jwt(jwt: &str, kind: &str) -> String {
    let kind = kind.to_uppercase();
    format!("-----BEGIN NATS {kind} JWT-----\n{jwt}\n------END NATS {kind} JWT------\n")
}

fn is_dash_line(line: &str) -> bool {
    line.trim().starts_with("---")
}

fn is_token(line: &str) -> bool {
    !line.is_empty()
        && line
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '='))
}

/// The tokens found between dash lines, in order (the Go parsers' rule: a line of dashes, a
/// token line, a line of dashes).
fn blocks(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < lines.len() {
        if is_dash_line(lines[i]) && is_token(lines[i + 1]) && is_dash_line(lines[i + 2]) {
            found.push(lines[i + 1]);
            i += 3;
        } else {
            i += 1;
        }
    }
    found
}

/// The JWT of a decorated text (creds file, decorated JWT), or the text itself when it is a
/// bare token.
///
/// # Errors
/// [`JwtError::Creds`] when no token is found.
pub fn extract_jwt(text: &str) -> Result<String, JwtError> {
    if let Some(first) = blocks(text).first() {
        return Ok((*first).to_string());
    }
    let trimmed = text.trim();
    if is_token(trimmed) && trimmed.matches('.').count() == 2 {
        return Ok(trimmed.to_string());
    }
    Err(JwtError::Creds { what: "JWT" })
}

/// The user JWT and seed of a creds file.
///
/// # Errors
/// [`JwtError::Creds`] when either part is missing.
pub fn parse_creds(text: &str) -> Result<(String, String), JwtError> {
    let found = blocks(text);
    let jwt = found
        .first()
        .map(|s| s.to_string())
        .ok_or(JwtError::Creds { what: "JWT" })?;
    let seed = found
        .get(1)
        .map(|s| s.to_string())
        .or_else(|| {
            text.lines()
                .map(str::trim)
                .find(|l| l.starts_with("SO") || l.starts_with("SA") || l.starts_with("SU"))
                .map(str::to_string)
        })
        .ok_or(JwtError::Creds { what: "seed" })?;
    Ok((jwt, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creds_round_trip() {
        let text = format_user_creds("aa.bb.cc", "SUXYZ");
        assert!(text.starts_with(
            "-----BEGIN NATS USER JWT-----\naa.bb.cc\n------END NATS USER JWT------\n"
        ));
        assert_eq!(
            parse_creds(&text).unwrap(),
            ("aa.bb.cc".into(), "SUXYZ".into())
        );
        assert_eq!(extract_jwt(&text).unwrap(), "aa.bb.cc");
    }

    #[test]
    fn decorated_and_bare_jwts_are_extracted() {
        let d = decorate_jwt("x.y.z", "activation");
        assert!(d.starts_with("-----BEGIN NATS ACTIVATION JWT-----\n"));
        assert!(d.ends_with("------END NATS ACTIVATION JWT------\n"));
        assert_eq!(extract_jwt(&d).unwrap(), "x.y.z");
        assert_eq!(extract_jwt("  x.y.z\n").unwrap(), "x.y.z");
        assert!(extract_jwt("nothing here").is_err());
        assert!(parse_creds("nothing").is_err());
    }
}
