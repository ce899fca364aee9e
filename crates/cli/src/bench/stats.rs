//! Per-client samples and the report: aggregate rate, per-client rates with
//! min/avg/max/stddev, latency percentiles, CSV.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::args::units::with_commas;

/// What one client did: `msgs` messages of `bytes` total between `start` and `end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) msgs: u64,
    pub(crate) bytes: u64,
    pub(crate) start: Instant,
    pub(crate) end: Instant,
}

impl Sample {
    pub(crate) fn duration(&self) -> Duration {
        self.end.saturating_duration_since(self.start)
    }

    pub(crate) fn msgs_per_sec(&self) -> f64 {
        rate(self.msgs, self.duration())
    }

    pub(crate) fn bytes_per_sec(&self) -> f64 {
        rate(self.bytes, self.duration())
    }
}

fn rate(count: u64, duration: Duration) -> f64 {
    let seconds = duration.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// All clients of one side (publishers, subscribers, requesters or servers).
#[derive(Debug, Clone, Default)]
pub(crate) struct SampleGroup {
    pub(crate) samples: Vec<Sample>,
}

impl SampleGroup {
    /// The whole group as one sample, from the earliest start to the latest end.
    pub(crate) fn aggregate(&self) -> Option<Sample> {
        let start = self.samples.iter().map(|s| s.start).min()?;
        let end = self.samples.iter().map(|s| s.end).max()?;
        Some(Sample {
            msgs: self.samples.iter().map(|s| s.msgs).sum(),
            bytes: self.samples.iter().map(|s| s.bytes).sum(),
            start,
            end,
        })
    }

    /// (min, avg, max, stddev) of the per-client message rates.
    pub(crate) fn rate_statistics(&self) -> (f64, f64, f64, f64) {
        let rates: Vec<f64> = self.samples.iter().map(Sample::msgs_per_sec).collect();
        if rates.is_empty() {
            return (0.0, 0.0, 0.0, 0.0);
        }
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        let avg = rates.iter().sum::<f64>() / rates.len() as f64;
        let variance = rates.iter().map(|r| (r - avg).powi(2)).sum::<f64>() / rates.len() as f64;
        (min, avg, max, variance.sqrt())
    }
}

fn sample_line(sample: &Sample) -> String {
    format!(
        "{} msgs/sec ~ {:.2} MB/sec",
        with_commas(sample.msgs_per_sec().round() as u64),
        sample.bytes_per_sec() / (1024.0 * 1024.0)
    )
}

/// The text report for one group, labelled e.g. "Pub" or "Sub".
pub(crate) fn report(label: &str, group: &SampleGroup) -> String {
    let mut out = String::new();
    let Some(total) = group.aggregate() else {
        return format!("No {label} clients. Nothing to report.\n");
    };
    let _ = writeln!(out, "NATS {label} stats: {}", sample_line(&total));
    if group.samples.len() > 1 {
        for (index, sample) in group.samples.iter().enumerate() {
            let _ = writeln!(
                out,
                " [{}] {} ({} msgs)",
                index + 1,
                sample_line(sample),
                with_commas(sample.msgs)
            );
        }
        let (min, avg, max, stddev) = group.rate_statistics();
        let whole = |v: f64| with_commas(v.round() as u64);
        let _ = writeln!(
            out,
            " min {} | avg {} | max {} | stddev {} msgs",
            whole(min),
            whole(avg),
            whole(max),
            whole(stddev)
        );
    }
    out
}

/// Latency percentiles from a histogram of nanoseconds.
pub(crate) fn latency_report(histogram: &Histogram<u64>) -> String {
    if histogram.is_empty() {
        return String::new();
    }
    let at = |q: f64| Duration::from_nanos(histogram.value_at_quantile(q));
    format!(
        " latency: min {:?} | p50 {:?} | p90 {:?} | p99 {:?} | p99.9 {:?} | max {:?} | mean {:?}\n",
        Duration::from_nanos(histogram.min()),
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        Duration::from_nanos(histogram.max()),
        Duration::from_nanos(histogram.mean().round() as u64),
    )
}

/// CSV rows: one per client, prefixed by `prefix` ("P" or "S").
pub(crate) fn csv(run_id: &str, groups: &[(&str, &SampleGroup)]) -> String {
    let mut out = String::from(
        "#RunID, ClientID, MsgCount, MsgBytes, MsgsPerSec, BytesPerSec, DurationSecs\n",
    );
    for (prefix, group) in groups {
        for (index, sample) in group.samples.iter().enumerate() {
            let _ = writeln!(
                out,
                "{run_id},{prefix}{index},{},{},{:.0},{:.0},{:.6}",
                sample.msgs,
                sample.bytes,
                sample.msgs_per_sec(),
                sample.bytes_per_sec(),
                sample.duration().as_secs_f64()
            );
        }
    }
    out
}

/// Splits `total` messages over `clients`, the remainder going to the first clients.
pub(crate) fn msgs_per_client(total: u64, clients: u32) -> Vec<u64> {
    let clients = u64::from(clients.max(1));
    (0..clients)
        .map(|index| total / clients + u64::from(index < total % clients))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(msgs: u64, millis: u64) -> Sample {
        let start = Instant::now();
        Sample {
            msgs,
            bytes: msgs * 100,
            start,
            end: start + Duration::from_millis(millis),
        }
    }

    #[test]
    fn messages_split_evenly_with_remainder_first() {
        assert_eq!(msgs_per_client(10, 3), vec![4, 3, 3]);
        assert_eq!(msgs_per_client(2, 4), vec![1, 1, 0, 0]);
        assert_eq!(msgs_per_client(10, 3).iter().sum::<u64>(), 10);
    }

    #[test]
    fn aggregate_spans_earliest_start_to_latest_end() {
        let group = SampleGroup {
            samples: vec![sample(1000, 1000), sample(1000, 500)],
        };
        let total = group.aggregate().unwrap();
        assert_eq!(total.msgs, 2000);
        assert!((total.msgs_per_sec() - 2000.0).abs() < 50.0);
    }

    #[test]
    fn report_lists_clients_and_statistics() {
        let group = SampleGroup {
            samples: vec![sample(1000, 1000), sample(2000, 1000)],
        };
        let text = report("Pub", &group);
        assert!(text.starts_with("NATS Pub stats: "), "{text}");
        assert!(text.contains(" [2] "), "{text}");
        assert!(
            text.contains("min 1,000 | avg 1,500 | max 2,000 | stddev 500 msgs"),
            "{text}"
        );
    }

    #[test]
    fn csv_has_a_header_and_a_row_per_client() {
        let group = SampleGroup {
            samples: vec![sample(10, 1000)],
        };
        let text = csv("run", &[("P", &group)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("run,P0,10,1000,"));
    }
}
