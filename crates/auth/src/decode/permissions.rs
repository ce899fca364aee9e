//! `permissions { publish, subscribe, allow_responses }` (opts.go `parseUserPermissions`).

use rnats_conf::{parse_duration, DurationError, Value, ValueKind};
use rnats_subject::validate::is_valid_pattern;

use super::{go_type, Errors};
use crate::{Permissions, ResponsePermission, SubjectPermission};

/// Decode one permissions map (a user's `permissions` or a `default_permissions` block).
///
/// # Errors
/// Every problem found, with its location.
pub fn decode_permissions(v: &Value) -> Result<Permissions, crate::ConfigErrors> {
    let mut errs = Errors::default();
    match permissions(v, &mut errs) {
        Some(p) if errs.0.is_empty() => Ok(p),
        _ => Err(crate::ConfigErrors(errs.0)),
    }
}

pub(crate) fn permissions(v: &Value, errs: &mut Errors) -> Option<Permissions> {
    let Some(map) = v.as_map() else {
        errs.push(
            &v.span,
            format!("Expected permissions to be a map/struct, got {}", render(v)),
        );
        return None;
    };
    let mut p = Permissions::default();
    for entry in map {
        let v = &entry.value;
        match entry.key.name.to_ascii_lowercase().as_str() {
            "pub" | "publish" | "import" => p.publish = subject_permission(v, errs),
            "sub" | "subscribe" | "export" => p.subscribe = subject_permission(v, errs),
            "publish_allow_responses" | "allow_responses" => p.response = responses(v, errs),
            _ if entry.used_as_variable => {}
            _ => errs.push(
                &entry.key.span,
                format!("Unknown field {:?} parsing permissions", entry.key.name),
            ),
        }
    }
    // `allow_responses` without a publish allow list turns off the blanket allow: only
    // responses may be published. Done after all keys so the order they are written in does
    // not matter.
    if p.response.is_some() {
        let publish = p.publish.get_or_insert_with(SubjectPermission::default);
        if publish.allow.is_none() {
            publish.allow = Some(Vec::new());
        }
    }
    Some(p)
}

/// `"x"`, `["x", "y"]` (allow only), or `{allow: ..., deny: ...}`. `None` for an empty map.
fn subject_permission(v: &Value, errs: &mut Errors) -> Option<SubjectPermission> {
    let Some(map) = v.as_map() else {
        return Some(SubjectPermission {
            allow: subjects(v, errs),
            deny: None,
        });
    };
    if map.is_empty() {
        return None;
    }
    let mut sp = SubjectPermission::default();
    for entry in map {
        match entry.key.name.to_ascii_lowercase().as_str() {
            "allow" => sp.allow = subjects(&entry.value, errs),
            "deny" => sp.deny = subjects(&entry.value, errs),
            _ if entry.used_as_variable => {}
            _ => errs.push(
                &entry.key.span,
                format!(
                    "Unknown field name {:?} parsing subject permissions, only 'allow' or 'deny' are permitted",
                    entry.key.name
                ),
            ),
        }
    }
    Some(sp)
}

/// A subject or an array of subjects, each a valid pattern or `"pattern queue"`.
/// An empty list is `None`: no restriction.
fn subjects(v: &Value, errs: &mut Errors) -> Option<Vec<String>> {
    let list: Vec<String> = match &v.kind {
        ValueKind::Str(s) => vec![s.clone()],
        ValueKind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(s) => out.push(s.to_string()),
                    None => {
                        errs.push(
                            &item.span,
                            "Subject in permissions array cannot be cast to string",
                        );
                        return None;
                    }
                }
            }
            out
        }
        _ => {
            errs.push(
                &v.span,
                format!(
                    "Expected subject permissions to be a subject, or array of subjects, got {}",
                    go_type(v)
                ),
            );
            return None;
        }
    };
    for s in &list {
        if let Err(bad) = check_permission_subject(s) {
            errs.push(&v.span, format!("subject {bad:?} is not a valid subject"));
            return None;
        }
    }
    if list.is_empty() {
        None
    } else {
        Some(list)
    }
}

/// A permission entry is a valid pattern, or exactly two whitespace-separated words of which
/// the first is a valid pattern (the queue is not checked). On failure, the text to quote.
fn check_permission_subject(s: &str) -> Result<(), &str> {
    if is_valid_pattern(s.as_bytes()) {
        return Ok(());
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [subject, _queue] if is_valid_pattern(subject.as_bytes()) => Ok(()),
        [subject, _queue] => Err(subject),
        _ => Err(s),
    }
}

/// `allow_responses: true | false | { max, expires }`.
fn responses(v: &Value, errs: &mut Errors) -> Option<ResponsePermission> {
    if let Some(b) = v.as_bool() {
        return b.then(ResponsePermission::default);
    }
    let Some(map) = v.as_map() else {
        errs.push(
            &v.span,
            "error parsing response permissions, expected a boolean or a map",
        );
        return None;
    };
    let mut rp = ResponsePermission::default();
    for entry in map {
        let v = &entry.value;
        match entry.key.name.to_ascii_lowercase().as_str() {
            "max" | "max_msgs" | "max_messages" | "max_responses" => match v.as_int() {
                // Negative means unlimited, 0 keeps the default.
                Some(n) if n < 0 => rp.max_msgs = None,
                Some(0) => {}
                Some(n) => rp.max_msgs = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                None => {
                    errs.push(&v.span, "error parsing max, not an integer");
                    return None;
                }
            },
            "expires" | "expiration" | "ttl" => {
                let Some(text) = v.as_str() else {
                    errs.push(&v.span, "error parsing expires, not a duration string");
                    return None;
                };
                match parse_duration(text) {
                    Ok(d) if d.is_zero() => {}
                    Ok(d) => rp.expires = Some(d),
                    Err(DurationError::Negative(_)) => rp.expires = None,
                    Err(e) => {
                        errs.push(&v.span, format!("error parsing expires: {e}"));
                        return None;
                    }
                }
            }
            _ if entry.used_as_variable => {}
            _ => errs.push(
                &entry.key.span,
                format!("Unknown field {:?} parsing permissions", entry.key.name),
            ),
        }
    }
    Some(rp)
}

/// Roughly Go's `%v`/`%+v` of a config value, for messages that print one.
pub(crate) fn render(v: &Value) -> String {
    match &v.kind {
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Float(x) => x.to_string(),
        ValueKind::Str(s) => s.clone(),
        ValueKind::Datetime(d) => d.to_string(),
        ValueKind::Array(items) => {
            let parts: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", parts.join(" "))
        }
        ValueKind::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|e| format!("{}:{}", e.key.name, render(&e.value)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Duration;

    fn perms(text: &str) -> Result<Permissions, Vec<String>> {
        let map =
            rnats_conf::parse_str(text, Path::new("p.conf")).map_err(|e| vec![e.to_string()])?;
        let v = map
            .get("permissions")
            .ok_or_else(|| vec!["no key".to_string()])?;
        let mut errs = Errors::default();
        let p = permissions(v, &mut errs);
        if errs.0.is_empty() {
            p.ok_or_else(Vec::new)
        } else {
            Err(errs.0.iter().map(|e| e.to_string()).collect())
        }
    }

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn short_forms_are_allow_lists() {
        let p = perms(r#"permissions { publish: "a.>", subscribe: ["b", "c v1"] }"#).unwrap();
        assert_eq!(p.publish.unwrap().allow, list(&["a.>"]));
        assert_eq!(p.subscribe.unwrap().allow, list(&["b", "c v1"]));
    }

    #[test]
    fn allow_deny_maps_and_aliases() {
        let p =
            perms(r#"permissions { pub: { allow: ["a"], deny: "a.b" }, sub: { deny: [">"] } }"#)
                .unwrap();
        let publish = p.publish.unwrap();
        assert_eq!(publish.allow, list(&["a"]));
        assert_eq!(publish.deny, list(&["a.b"]));
        assert_eq!(p.subscribe.unwrap().deny, list(&[">"]));
    }

    #[test]
    fn empty_lists_mean_no_restriction() {
        let p = perms("permissions { publish: [], subscribe: { allow: [] } }").unwrap();
        assert_eq!(p.publish.unwrap().allow, None);
        assert_eq!(p.subscribe.unwrap().allow, None);
        let p = perms("permissions { publish: {} }").unwrap();
        assert_eq!(p.publish, None);
    }

    #[test]
    fn allow_responses_alone_allows_only_responses() {
        let p = perms("permissions { allow_responses: true }").unwrap();
        assert_eq!(p.publish.unwrap().allow, Some(vec![]));
        assert_eq!(p.response, Some(ResponsePermission::default()));
        // Written after a deny-only publish block: still only responses (order-independent).
        let p = perms(r#"permissions { publish: { deny: "x" }, allow_responses: true }"#).unwrap();
        assert_eq!(p.publish.unwrap().allow, Some(vec![]));
    }

    #[test]
    fn allow_responses_keeps_an_explicit_allow_list() {
        let p =
            perms(r#"permissions { allow_responses: { max: 5, expires: "1m" }, publish: "a" }"#)
                .unwrap();
        assert_eq!(p.publish.unwrap().allow, list(&["a"]));
        assert_eq!(
            p.response,
            Some(ResponsePermission {
                max_msgs: Some(5),
                expires: Some(Duration::from_secs(60))
            })
        );
    }

    #[test]
    fn negative_response_limits_mean_unlimited_and_zero_the_default() {
        let p = perms(r#"permissions { allow_responses: { max: -1, expires: "-1s" } }"#).unwrap();
        assert_eq!(
            p.response,
            Some(ResponsePermission {
                max_msgs: None,
                expires: None
            })
        );
        let p = perms(r#"permissions { allow_responses: { max: 0, ttl: "0s" } }"#).unwrap();
        assert_eq!(p.response, Some(ResponsePermission::default()));
        let p = perms("permissions { allow_responses: false }").unwrap();
        assert_eq!(p.response, None);
        assert_eq!(p.publish, None);
    }

    #[test]
    fn invalid_subjects_are_refused_with_the_original_text() {
        let e = perms(r#"permissions { publish: { allow: ["a.>.b"] } }"#).unwrap_err();
        assert_eq!(e, ["p.conf:1:33: subject \"a.>.b\" is not a valid subject"]);
        let e = perms(r#"permissions { subscribe: "foo bar baz" }"#).unwrap_err();
        assert!(
            e[0].ends_with("subject \"foo bar baz\" is not a valid subject"),
            "{e:?}"
        );
        let e = perms(r#"permissions { subscribe: "foo..x q" }"#).unwrap_err();
        assert!(
            e[0].ends_with("subject \"foo..x\" is not a valid subject"),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_keys_and_types_are_reported() {
        let e = perms("permissions { publsh: x }").unwrap_err();
        assert!(
            e[0].ends_with("Unknown field \"publsh\" parsing permissions"),
            "{e:?}"
        );
        let e = perms("permissions { publish: { allwo: x } }").unwrap_err();
        assert!(
            e[0].contains("only 'allow' or 'deny' are permitted"),
            "{e:?}"
        );
        let e = perms("permissions { publish: 1 }").unwrap_err();
        assert!(e[0].ends_with("got int64"), "{e:?}");
        let e = perms("permissions { publish: [ 1, \"a\" ] }").unwrap_err();
        assert!(e[0].ends_with("Subject in permissions array cannot be cast to string"));
        let e = perms("permissions: 5").unwrap_err();
        assert!(e[0].ends_with("Expected permissions to be a map/struct, got 5"));
        let e = perms("permissions { allow_responses: 5 }").unwrap_err();
        assert!(e[0].ends_with("expected a boolean or a map"));
        let e = perms(r#"permissions { allow_responses: { expires: "1x" } }"#).unwrap_err();
        assert!(
            e[0].contains("error parsing expires: time: unknown unit"),
            "{e:?}"
        );
    }
}
