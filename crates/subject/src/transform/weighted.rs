//! Weighted mappings: `"src": [{destination: "a", weight: 40%}, {destination: "b", weight: 60%}]`.
//!
//! As in nats-server: weights are per cluster (an entry without a cluster belongs to the default
//! set); each must be ≤ 100 and each cluster's total ≤ 100. Unless the source subject itself is
//! listed as a destination, a set that does not total 100 gets the source (identity) added with
//! the remaining weight. Destinations are ordered by weight (stable) and a roll in `0..100` picks
//! the first whose cumulative weight exceeds it; a roll past the total leaves the subject as is.

use super::{random_below, SubjectTransform, TransformError};

/// One destination of a weighted mapping, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MapDest {
    /// Destination template.
    pub subject: String,
    /// Percent, `0..=100`.
    pub weight: u8,
    /// Cluster the entry is scoped to; empty for the default set.
    pub cluster: String,
}

impl MapDest {
    /// A destination for the default (non-cluster) set.
    pub fn new(subject: impl Into<String>, weight: u8) -> Self {
        MapDest {
            subject: subject.into(),
            weight,
            cluster: String::new(),
        }
    }

    /// A destination scoped to `cluster`.
    pub fn with_cluster(
        subject: impl Into<String>,
        weight: u8,
        cluster: impl Into<String>,
    ) -> Self {
        MapDest {
            subject: subject.into(),
            weight,
            cluster: cluster.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    transform: SubjectTransform,
    /// Cumulative weight, after sorting.
    upto: u8,
}

/// A mapping with one or more weighted destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedMapping {
    source: SubjectTransform,
    /// Default set.
    dests: Vec<Choice>,
    /// Cluster-scoped sets, in first-seen order.
    cluster_dests: Vec<(String, Vec<Choice>)>,
}

impl WeightedMapping {
    /// Validates and compiles a mapping from `source` to `dests`.
    pub fn new(source: &str, dests: &[MapDest]) -> Result<Self, TransformError> {
        // The identity transform doubles as the source validator and matcher.
        if source.is_empty() {
            return Err(TransformError::BadSubject);
        }
        let identity = SubjectTransform::new(source, &tokenize_wildcards(source))?;

        let mut seen: Vec<&str> = Vec::new();
        let mut totals: Vec<(&str, u32)> = Vec::new();
        let mut default_set: Vec<(SubjectTransform, u8)> = Vec::new();
        let mut cluster_sets: Vec<(String, Vec<(SubjectTransform, u8)>)> = Vec::new();
        for d in dests {
            if seen.contains(&d.subject.as_str()) {
                return Err(TransformError::DuplicateDestination(d.subject.clone()));
            }
            seen.push(&d.subject);
            if d.weight > 100 {
                return Err(TransformError::WeightTooLarge);
            }
            let total = match totals.iter_mut().find(|(c, _)| *c == d.cluster) {
                Some((_, t)) => {
                    *t += u32::from(d.weight);
                    *t
                }
                None => {
                    totals.push((&d.cluster, u32::from(d.weight)));
                    u32::from(d.weight)
                }
            };
            if total > 100 {
                return Err(TransformError::TotalWeightTooLarge);
            }
            let tr = SubjectTransform::new(source, &d.subject)?;
            if d.cluster.is_empty() {
                default_set.push((tr, d.weight));
            } else if let Some((_, set)) = cluster_sets.iter_mut().find(|(c, _)| *c == d.cluster) {
                set.push((tr, d.weight));
            } else {
                cluster_sets.push((d.cluster.clone(), vec![(tr, d.weight)]));
            }
        }
        let source_listed = seen.contains(&source);
        let finish = |set: Vec<(SubjectTransform, u8)>| -> Vec<Choice> {
            let mut set = set;
            let total: u32 = set.iter().map(|(_, w)| u32::from(*w)).sum();
            if total != 100 && !source_listed {
                let rest = if set.is_empty() { 100 } else { 100 - total };
                set.push((identity.clone(), rest as u8));
            }
            set.sort_by_key(|(_, w)| *w);
            let mut upto = 0u8;
            set.into_iter()
                .map(|(transform, w)| {
                    upto = upto.saturating_add(w);
                    Choice { transform, upto }
                })
                .collect()
        };
        Ok(WeightedMapping {
            dests: finish(default_set),
            cluster_dests: cluster_sets
                .into_iter()
                .map(|(c, set)| (c, finish(set)))
                .collect(),
            source: identity,
        })
    }

    /// The source pattern.
    pub fn source(&self) -> &str {
        self.source.source()
    }

    /// Whether the source has wildcards (else it matches exactly one subject).
    pub fn source_has_wildcards(&self) -> bool {
        self.source.source_has_wildcards()
    }

    /// Whether `subject` matches the source.
    pub fn matches(&self, subject: &[u8]) -> bool {
        self.source.matches(subject)
    }

    /// The destination set in force for `cluster` (the default set when the cluster has none).
    fn set_for(&self, cluster: Option<&str>) -> &[Choice] {
        cluster
            .and_then(|c| self.cluster_dests.iter().find(|(name, _)| name == c))
            .map_or(&self.dests, |(_, set)| set)
    }

    /// Maps `subject`, choosing a destination with `roll` (a percentile in `0..100`; larger
    /// values are reduced modulo 100). `None` when the subject does not match the source. The
    /// random source for `{{random(n)}}` is internal.
    pub fn select(&self, subject: &str, cluster: Option<&str>, roll: u32) -> Option<String> {
        self.select_bytes_with(subject.as_bytes(), cluster, roll, &mut random_below)
            .map(super::into_string)
    }

    /// [`select`](Self::select) on bytes, with the random source for `{{random(n)}}` given.
    pub fn select_bytes_with(
        &self,
        subject: &[u8],
        cluster: Option<&str>,
        roll: u32,
        random: &mut dyn FnMut(u32) -> u32,
    ) -> Option<Vec<u8>> {
        if !self.source.matches(subject) {
            return None;
        }
        let set = self.set_for(cluster);
        let chosen = match set {
            [only] if only.upto == 100 => Some(only),
            _ => {
                let roll = roll % 100;
                set.iter().find(|c| roll < u32::from(c.upto))
            }
        };
        Some(match chosen {
            Some(c) => c.transform.transform_matched(subject, random),
            None => subject.to_vec(),
        })
    }

    /// Maps `subject` with an internal random roll.
    pub fn apply(&self, subject: &str, cluster: Option<&str>) -> Option<String> {
        let roll = random_below(100);
        self.select(subject, cluster, roll)
    }

    /// The `(destination, cumulative weight)` list used for `cluster`, in selection order.
    pub fn destinations(&self, cluster: Option<&str>) -> Vec<(&str, u8)> {
        self.set_for(cluster)
            .iter()
            .map(|c| (c.transform.destination(), c.upto))
            .collect()
    }
}

/// `foo.*.*` → `foo.$1.$2` (nats-server's `transformTokenize`).
fn tokenize_wildcards(subject: &str) -> String {
    let mut n = 0;
    subject
        .split('.')
        .map(|t| {
            if t == "*" {
                n += 1;
                format!("${n}")
            } else {
                t.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_validated() {
        assert_eq!(
            WeightedMapping::new("foo", &[MapDest::new("a", 101)]),
            Err(TransformError::WeightTooLarge)
        );
        assert_eq!(
            WeightedMapping::new("foo", &[MapDest::new("a", 60), MapDest::new("b", 41)]),
            Err(TransformError::TotalWeightTooLarge)
        );
        assert_eq!(
            WeightedMapping::new("foo", &[MapDest::new("a", 10), MapDest::new("a", 10)]),
            Err(TransformError::DuplicateDestination("a".into()))
        );
        assert_eq!(
            TransformError::TotalWeightTooLarge.to_string(),
            "total weight needs to be <= 100"
        );
        // Totals are per cluster.
        assert!(WeightedMapping::new(
            "foo",
            &[
                MapDest::new("a", 60),
                MapDest::with_cluster("b", 60, "east"),
                MapDest::with_cluster("c", 40, "east"),
            ]
        )
        .is_ok());
        assert!(matches!(
            WeightedMapping::new("foo.*", &[MapDest::new("a.$2", 50)]),
            Err(TransformError::Destination { .. })
        ));
    }

    #[test]
    fn selection_by_roll() {
        let m = WeightedMapping::new("foo", &[MapDest::new("bar", 40), MapDest::new("baz", 50)])
            .unwrap();
        // Sorted ascending: remainder (10) foo, bar (40), baz (50).
        assert_eq!(
            m.destinations(None),
            vec![("foo", 10), ("bar", 50), ("baz", 100)]
        );
        assert_eq!(m.select("foo", None, 0).as_deref(), Some("foo"));
        assert_eq!(m.select("foo", None, 9).as_deref(), Some("foo"));
        assert_eq!(m.select("foo", None, 10).as_deref(), Some("bar"));
        assert_eq!(m.select("foo", None, 49).as_deref(), Some("bar"));
        assert_eq!(m.select("foo", None, 50).as_deref(), Some("baz"));
        assert_eq!(m.select("foo", None, 99).as_deref(), Some("baz"));
        assert_eq!(m.select("foo", None, 199).as_deref(), Some("baz"));
        assert_eq!(m.select("fo", None, 0), None);
    }

    #[test]
    fn source_listed_means_no_implicit_remainder() {
        let m = WeightedMapping::new("foo", &[MapDest::new("foo", 20), MapDest::new("bar", 30)])
            .unwrap();
        assert_eq!(m.destinations(None), vec![("foo", 20), ("bar", 50)]);
        // Past the total: unchanged.
        assert_eq!(m.select("foo", None, 70).as_deref(), Some("foo"));
    }

    #[test]
    fn wildcard_sources_and_clusters() {
        let m = WeightedMapping::new(
            "orders.*",
            &[
                MapDest::new("a.$1", 100),
                MapDest::with_cluster("east.{{wildcard(1)}}", 50, "east"),
            ],
        )
        .unwrap();
        assert_eq!(m.select("orders.1", None, 99).as_deref(), Some("a.1"));
        assert_eq!(
            m.select("orders.1", Some("west"), 99).as_deref(),
            Some("a.1")
        );
        assert_eq!(
            m.select("orders.1", Some("east"), 49).as_deref(),
            Some("east.1")
        );
        assert_eq!(
            m.select("orders.1", Some("east"), 50).as_deref(),
            Some("orders.1")
        );
        assert_eq!(m.select("orders.1.x", None, 0), None);
        assert!(m.source_has_wildcards());
        assert_eq!(m.source(), "orders.*");
        assert!(m.apply("orders.7", None).is_some());
    }

    #[test]
    fn single_full_weight_always_chosen() {
        let m = WeightedMapping::new("a.>", &[MapDest::new("b.>", 100)]).unwrap();
        for roll in [0, 50, 99, 1000] {
            assert_eq!(m.select("a.x.y", None, roll).as_deref(), Some("b.x.y"));
        }
        let empty = WeightedMapping::new("a", &[]).unwrap();
        assert_eq!(empty.select("a", None, 5).as_deref(), Some("a"));
    }

    #[test]
    fn tokenize() {
        assert_eq!(tokenize_wildcards("foo.*.bar.*.>"), "foo.$1.bar.$2.>");
    }
}
