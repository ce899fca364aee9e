#![no_main]
//! Any bytes, fed in one piece, never panic the client-protocol parser.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = rnats_proto::Parser::new(rnats_proto::Limits {
        max_control_line: 256,
        max_payload: 4096,
    });
    parser.set_headers(data.first().is_some_and(|b| b & 1 == 1));
    let mut pos = 0;
    while let Ok(Some((_, used))) = parser.parse(&data[pos..]) {
        pos += used;
    }
});
