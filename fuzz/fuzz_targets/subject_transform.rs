//! Builds a subject transform (and a weighted mapping) from fuzzer input and applies it: the
//! input is split on NUL bytes into source, destination and subject; nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rnats_subject::transform::{MapDest, SubjectTransform, WeightedMapping};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let src = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let dest = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let subject = parts.next().unwrap_or_default();
    let roll = parts.next().and_then(|r| r.first().copied()).unwrap_or(0);
    if let Ok(t) = SubjectTransform::new(&src, &dest) {
        let _ = t.apply_bytes(subject);
        let _ = t.apply(&String::from_utf8_lossy(subject));
        let _ = t.apply_bytes_with(subject, &mut |n| n.wrapping_mul(7));
    }
    if let Ok(m) = WeightedMapping::new(&src, &[MapDest::new(dest.as_ref(), roll)]) {
        let _ = m.select(&String::from_utf8_lossy(subject), None, u32::from(roll));
    }
});
