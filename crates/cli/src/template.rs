//! Body and header templates, a small subset of the original CLI's Go templates:
//! `{{Count}}`, `{{ID}}`, `{{TimeStamp}}` (RFC 3339), `{{Time}}` (3:04PM), `{{Unix}}`,
//! `{{UnixNano}}`, `{{Random min max}}` (that many random letters) and, for replies,
//! `{{Request}}`. Text without `{{` passes through untouched.

use anyhow::{bail, Result};
use rand::Rng;

/// Values a template can draw on for one message.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TemplateVars<'a> {
    /// 1-based message number.
    pub(crate) count: u64,
    /// The request body, for `reply`.
    pub(crate) request: Option<&'a str>,
}

/// Expands every `{{ ... }}` in `text`.
///
/// # Errors
/// Fails on an unknown function, bad arguments or an unclosed `{{`.
pub(crate) fn render(text: &str, vars: TemplateVars<'_>) -> Result<String> {
    if !text.contains("{{") {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("unclosed template action in {text:?}");
        };
        out.push_str(&expand(after[..end].trim(), vars)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn expand(action: &str, vars: TemplateVars<'_>) -> Result<String> {
    let mut words = action.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    let now = chrono::Local::now();
    Ok(match (name, args.as_slice()) {
        ("Count" | ".Count", []) => vars.count.to_string(),
        ("ID" | ".ID", []) => nuid::next().to_string(),
        ("TimeStamp" | ".TimeStamp", []) => now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        ("Time" | ".Time", []) => now.format("%-I:%M%p").to_string(),
        ("Unix" | ".Unix", []) => now.timestamp().to_string(),
        ("UnixNano" | ".UnixNano", []) => now.timestamp_nanos_opt().unwrap_or_default().to_string(),
        ("Random" | ".Random", [min, max]) => random_letters(min, max)?,
        ("Request" | ".Request", []) => match vars.request {
            Some(body) => body.to_string(),
            None => bail!("{{{{Request}}}} is only available in reply bodies"),
        },
        _ => bail!("unknown template function {action:?}"),
    })
}

fn random_letters(min: &str, max: &str) -> Result<String> {
    let (Ok(min), Ok(max)) = (min.parse::<usize>(), max.parse::<usize>()) else {
        bail!("Random needs two numbers, got {min:?} and {max:?}");
    };
    if min > max {
        bail!("Random: minimum {min} is larger than maximum {max}");
    }
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    let len = rng.gen_range(min..=max);
    Ok((0..len)
        .map(|_| LETTERS[rng.gen_range(0..LETTERS.len())] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(count: u64) -> TemplateVars<'static> {
        TemplateVars {
            count,
            request: None,
        }
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(render("hello {world}", vars(1)).unwrap(), "hello {world}");
    }

    #[test]
    fn count_expands_with_or_without_spaces() {
        assert_eq!(render("n={{Count}} {{ Count }}", vars(7)).unwrap(), "n=7 7");
    }

    #[test]
    fn ids_are_unique_nuids() {
        let a = render("{{ID}}", vars(1)).unwrap();
        let b = render("{{ID}}", vars(1)).unwrap();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
    }

    #[test]
    fn random_respects_bounds() {
        let text = render("{{Random 3 5}}", vars(1)).unwrap();
        assert!((3..=5).contains(&text.len()));
        assert!(render("{{Random 5 3}}", vars(1)).is_err());
    }

    #[test]
    fn timestamp_is_rfc3339() {
        let text = render("{{TimeStamp}}", vars(1)).unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(&text).is_ok(),
            "{text}"
        );
    }

    #[test]
    fn request_only_in_replies() {
        assert!(render("{{Request}}", vars(1)).is_err());
        let reply = TemplateVars {
            count: 1,
            request: Some("ping"),
        };
        assert_eq!(render("re: {{Request}}", reply).unwrap(), "re: ping");
    }

    #[test]
    fn unknown_functions_and_unclosed_actions_fail() {
        assert!(render("{{Nope}}", vars(1)).is_err());
        assert!(render("{{Count", vars(1)).is_err());
    }
}
