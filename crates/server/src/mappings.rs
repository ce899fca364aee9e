//! Subject mappings (`mappings { "src": "dest" }`), applied to every publish before routing.

use rnats_conf::{Value, ValueKind};
use rnats_subject::transform::{MapDest, SubjectTransform, WeightedMapping};

/// One `mappings` entry.
#[derive(Debug, Clone)]
pub enum Mapping {
    Single(SubjectTransform),
    Weighted(WeightedMapping),
}

impl Mapping {
    fn matches(&self, subject: &[u8]) -> bool {
        match self {
            Self::Single(t) => t.matches(subject),
            Self::Weighted(w) => w.matches(subject),
        }
    }
}

/// An account's mappings, in the order written; the first whose source matches applies.
#[derive(Debug, Clone, Default)]
pub struct Mappings {
    list: Vec<Mapping>,
}

impl Mappings {
    pub fn new(list: Vec<Mapping>) -> Self {
        Self { list }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The subject `subject` is published as, or `None` when no mapping applies (or a weighted
    /// mapping chose to leave it alone). `roll` is a random number for weighted choices.
    pub fn apply(&self, subject: &[u8], roll: u32) -> Option<Vec<u8>> {
        let mapping = self.list.iter().find(|m| m.matches(subject))?;
        let mut random = |n: u32| if n == 0 { 0 } else { roll % n };
        match mapping {
            Mapping::Single(t) => t.apply_bytes_with(subject, &mut random),
            Mapping::Weighted(w) => w.select_bytes_with(subject, None, roll % 100, &mut random),
        }
        .filter(|mapped| mapped[..] != *subject)
    }

    /// Decodes a `mappings` block. Errors carry `file:line:col`.
    ///
    /// # Errors
    /// Every invalid entry, one message each.
    pub fn decode(block: &Value) -> Result<Self, Vec<String>> {
        let at = |v: &Value| format!("{}:{}:{}", v.span.file.display(), v.span.line, v.span.col);
        let Some(map) = block.as_map() else {
            return Err(vec![format!(
                "{}: mappings: expected a map, got {}",
                at(block),
                block.kind.type_name()
            )]);
        };
        let mut list = Vec::new();
        let mut errors = Vec::new();
        for entry in map.iter() {
            let source = entry.key.name.as_str();
            let result = match &entry.value.kind {
                ValueKind::Str(dest) if dest.is_empty() => continue,
                ValueKind::Str(dest) => SubjectTransform::new(source, dest)
                    .map(Mapping::Single)
                    .map_err(|e| e.to_string()),
                ValueKind::Map(_) => {
                    decode_destination(&entry.value).and_then(|d| weighted(source, &[d]))
                }
                ValueKind::Array(items) => items
                    .iter()
                    .map(decode_destination)
                    .collect::<Result<Vec<_>, _>>()
                    .and_then(|dests| weighted(source, &dests)),
                other => Err(format!(
                    "expected a subject or a list of destinations, got {}",
                    other.type_name()
                )),
            };
            match result {
                Ok(m) => list.push(m),
                Err(e) => errors.push(format!("{}: mapping \"{source}\": {e}", at(&entry.value))),
            }
        }
        if errors.is_empty() {
            Ok(Self { list })
        } else {
            Err(errors)
        }
    }
}

fn weighted(source: &str, dests: &[MapDest]) -> Result<Mapping, String> {
    WeightedMapping::new(source, dests)
        .map(Mapping::Weighted)
        .map_err(|e| e.to_string())
}

/// `{destination: "x", weight: 40%, cluster: "c"}` (also `dest`).
fn decode_destination(value: &Value) -> Result<MapDest, String> {
    let map = value
        .as_map()
        .ok_or_else(|| format!("expected a destination map, got {}", value.kind.type_name()))?;
    let mut subject = None;
    let mut weight: u8 = 100;
    let mut cluster = String::new();
    for entry in map.iter() {
        match entry.key.name.to_ascii_lowercase().as_str() {
            "destination" | "dest" => {
                subject = Some(
                    entry
                        .value
                        .as_str()
                        .ok_or("destination must be a string")?
                        .to_string(),
                );
            }
            "weight" => {
                let raw = match &entry.value.kind {
                    ValueKind::Int(n) => *n,
                    ValueKind::Str(s) => s
                        .trim_end_matches('%')
                        .trim()
                        .parse()
                        .map_err(|_| format!("Invalid weight {s:?} for mapping destination"))?,
                    _ => return Err("weight must be a number or a percentage".into()),
                };
                weight = u8::try_from(raw)
                    .ok()
                    .filter(|w| *w <= 100)
                    .ok_or_else(|| format!("Invalid weight {raw} for mapping destination"))?;
            }
            "cluster" => {
                cluster = entry
                    .value
                    .as_str()
                    .ok_or("cluster must be a string")?
                    .to_string();
            }
            other => return Err(format!("unknown field \"{other}\"")),
        }
    }
    let subject = subject.ok_or("destination is missing")?;
    Ok(MapDest::with_cluster(subject, weight, cluster))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn decode(text: &str) -> Result<Mappings, Vec<String>> {
        let map = rnats_conf::parse_str(text, Path::new("m.conf")).unwrap();
        Mappings::decode(map.get("mappings").unwrap())
    }

    #[test]
    fn single_and_weighted_mappings_decode_and_apply() {
        let m = decode(
            r#"mappings {
                "orders.*": "new.orders.{{wildcard(1)}}"
                "foo": [ {destination: "bar", weight: 40%}, {destination: "baz", weight: 60} ]
                "keep": ""
            }"#,
        )
        .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.apply(b"orders.eu", 0), Some(b"new.orders.eu".to_vec()));
        assert_eq!(m.apply(b"other", 0), None);
        let bar = m.apply(b"foo", 10).unwrap();
        let baz = m.apply(b"foo", 90).unwrap();
        assert_ne!(bar, baz);
    }

    #[test]
    fn invalid_mappings_are_errors_with_locations() {
        let errors = decode(
            "mappings {\n  \"a.*\": \"b.{{wildcard(2)}}\"\n  \"x\": \"{{nope(1)}}\"\n  \"w\": [ {destination: \"v\", weight: 101} ]\n}",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("m.conf:2:"), "{}", errors[0]);
        assert!(errors[2].contains("Invalid weight 101"), "{}", errors[2]);
    }
}
