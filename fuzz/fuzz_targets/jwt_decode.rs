//! JWT decoding never panics, whatever the token; creds parsing neither.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(claims) = rnats_auth::jwt::decode(text) {
            let _ = claims.to_json_pretty();
        }
        let _ = rnats_auth::jwt::parse_creds(text);
        let _ = rnats_auth::jwt::extract_jwt(text);
    }
});
