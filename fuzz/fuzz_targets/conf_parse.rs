#![no_main]
use libfuzzer_sys::fuzz_target;

// Any UTF-8 text must parse or fail with an error, never panic.
fuzz_target!(|text: &str| {
    let _ = rnats_conf::parse_str(text, std::path::Path::new("fuzz.conf"));
});
