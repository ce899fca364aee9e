use base64::Engine as _;
use nkeys::KeyPair;

use super::*;

const NOW: i64 = 1_700_000_000;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn payload_json(token: &str) -> serde_json::Value {
    let p = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

struct Chain {
    op_key: KeyPair,
    acct_key: KeyPair,
    op: OperatorClaims,
    acct: AccountClaims,
}

fn chain() -> Chain {
    let op_key = KeyPair::new_operator();
    let acct_key = KeyPair::new_account();
    let mut op = OperatorClaims::new(op_key.public_key());
    op.name = "O".into();
    let op = decode_operator(&encode(&mut op, &op_key, NOW).unwrap()).unwrap();
    let mut acct = AccountClaims::new(acct_key.public_key());
    acct.name = "A".into();
    let acct = decode_account(&encode(&mut acct, &op_key, NOW).unwrap()).unwrap();
    Chain {
        op_key,
        acct_key,
        op,
        acct,
    }
}

#[test]
fn header_is_the_v2_header_and_unpadded() {
    let c = chain();
    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    let token = encode(&mut user, &c.acct_key, NOW).unwrap();
    let header = token.split('.').next().unwrap();
    assert_eq!(header, "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ");
    assert!(!token.contains('='));
}

#[test]
fn operator_round_trips_with_all_fields() {
    let key = KeyPair::new_operator();
    let sk = KeyPair::new_operator();
    let sys = KeyPair::new_account();
    let mut op = OperatorClaims::new(key.public_key());
    op.name = "O".into();
    op.nats.signing_keys = vec![sk.public_key()];
    op.nats.account_server_url = "nats://127.0.0.1:4222".into();
    op.nats.operator_service_urls = vec!["nats://localhost:4222".into()];
    op.nats.system_account = sys.public_key();
    op.nats.strict_signing_key_usage = true;
    op.nats.generic.tags = vec!["env:test".into()];
    let token = encode(&mut op, &key, NOW).unwrap();
    let back = decode_operator(&token).unwrap();
    assert_eq!(back, op);
    assert_eq!(back.iss, key.public_key());
    assert_eq!(back.iat, NOW);
    assert_eq!(back.nats.generic.claim_type, "operator");
    assert_eq!(back.nats.generic.version, 2);
    assert_eq!(back.jti.len(), 52);
    assert_eq!(back.jti, claim_id(&back));
}

#[test]
fn account_round_trips_with_exports_imports_scopes_and_mappings() {
    let c = chain();
    let other = KeyPair::new_account();
    let mut acct = c.acct.clone();
    acct.nats.exports.push(Export {
        name: "svc".into(),
        subject: "svc.*".into(),
        export_type: ExportType::Service,
        token_req: true,
        response_type: "Stream".into(),
        response_threshold: 5_000_000_000,
        latency: Some(ServiceLatency {
            sampling: Sampling::Headers,
            results: "lat".into(),
        }),
        account_token_position: 2,
        revocations: [(other.public_key(), NOW)].into_iter().collect(),
        ..Export::default()
    });
    acct.nats.imports.push(Import {
        name: "in".into(),
        subject: "a.b.>".into(),
        account: other.public_key(),
        local_subject: "abc.a.b.>".into(),
        import_type: ExportType::Stream,
        ..Import::default()
    });
    let sk = KeyPair::new_account();
    let mut scope = UserScope::new(sk.public_key(), "ops");
    scope.template.publish.allow = vec!["ops.>".into()];
    acct.nats.signing_keys.add_scope(scope);
    acct.nats
        .signing_keys
        .add(KeyPair::new_account().public_key());
    acct.nats
        .revocations
        .insert(KeyPair::new_user().public_key(), NOW);
    acct.nats.default_permissions.publish.deny = vec!["secret.>".into()];
    acct.nats.default_permissions.resp = Some(ResponsePermission {
        max: 1,
        ttl: 1_000_000_000,
    });
    acct.nats.mappings.insert(
        "orders.*".into(),
        vec![WeightedMapping {
            subject: "new.orders.$1".into(),
            weight: 50,
            cluster: String::new(),
        }],
    );
    acct.nats.limits.conn = 10;
    acct.nats.limits.jetstream.mem_storage = 1024;
    acct.nats.limits.tiered_limits.insert(
        "R1".into(),
        JetStreamLimits {
            disk_storage: 5,
            ..JetStreamLimits::default()
        },
    );
    let token = encode(&mut acct, &c.op_key, NOW).unwrap();
    let back = decode_account(&token).unwrap();
    assert_eq!(back, acct);
    assert!(back.nats.limits.jetstream_enabled());
    let json = payload_json(&token);
    assert_eq!(
        json["nats"]["exports"][0]["service_latency"]["sampling"],
        "headers"
    );
    assert_eq!(json["nats"]["exports"][0]["type"], "service");
    assert_eq!(json["nats"]["authorization"], serde_json::json!({}));
}

#[test]
fn fresh_account_and_user_carry_nsc_shaped_json() {
    let c = chain();
    let token = encode(&mut c.acct.clone(), &c.op_key, NOW).unwrap();
    let raw = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(
        raw.ends_with(r#""nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1},"default_permissions":{"pub":{},"sub":{}},"authorization":{},"type":"account","version":2}}"#),
        "{raw}"
    );
    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    let token = encode(&mut user, &c.acct_key, NOW).unwrap();
    let raw = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(
        raw.ends_with(r#""nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}}"#),
        "{raw}"
    );
}

#[test]
fn user_round_trips_with_permissions_and_limits() {
    let c = chain();
    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    user.name = "u".into();
    user.exp = NOW + 3600;
    let l = &mut user.nats.limits;
    l.publish.allow = vec!["a.>".into()];
    l.subscribe.deny = vec!["b.* q".into()];
    l.resp = Some(ResponsePermission { max: 2, ttl: 10 });
    l.src = vec!["127.0.0.1/32".into()];
    l.times = vec![TimeRange {
        start: "08:00:00".into(),
        end: "17:00:00".into(),
    }];
    l.locale = "Europe/Berlin".into();
    l.bearer_token = true;
    l.allowed_connection_types = vec!["STANDARD".into(), "WEBSOCKET".into()];
    l.subs = 10;
    l.data = 20;
    l.payload = 30;
    let token = encode(&mut user, &c.acct_key, NOW).unwrap();
    let back = decode_user(&token).unwrap();
    assert_eq!(back, user);
    assert_eq!(verify_user(&back, &c.acct, NOW), Ok(UserSigner::Account));
}

#[test]
fn src_may_be_a_comma_separated_string() {
    let u: User =
        serde_json::from_str(r#"{"src":"10.0.0.0/8, 127.0.0.1/32","type":"user"}"#).unwrap();
    assert_eq!(u.limits.src, ["10.0.0.0/8", "127.0.0.1/32"]);
}

#[test]
fn activation_round_trips_and_verifies() {
    let c = chain();
    let importer = KeyPair::new_account().public_key();
    let mut exporter = c.acct.clone();
    exporter.nats.exports.push(Export {
        subject: "private.abc.*".into(),
        export_type: ExportType::Stream,
        token_req: true,
        ..Export::default()
    });
    let mut act = ActivationClaims::new(importer.clone());
    act.nats.import_subject = format!("private.abc.{importer}");
    act.nats.import_type = ExportType::Stream;
    let token = encode(&mut act, &c.acct_key, NOW).unwrap();
    let back = decode_activation(&token).unwrap();
    assert_eq!(back, act);
    let subject = back.nats.import_subject.clone();
    verify_activation(
        &back,
        &exporter,
        &importer,
        ExportType::Stream,
        &subject,
        NOW,
    )
    .unwrap();

    let other = KeyPair::new_account().public_key();
    assert!(matches!(
        verify_activation(&back, &exporter, &other, ExportType::Stream, &subject, NOW),
        Err(JwtError::ActivationMismatch { .. })
    ));
    assert!(matches!(
        verify_activation(
            &back,
            &exporter,
            &importer,
            ExportType::Service,
            &subject,
            NOW
        ),
        Err(JwtError::ActivationMismatch { .. })
    ));
    assert!(matches!(
        verify_activation(
            &back,
            &exporter,
            &importer,
            ExportType::Stream,
            "private.abc.x",
            NOW
        ),
        Err(JwtError::ActivationMismatch { .. })
    ));
    let mut stranger = exporter.clone();
    stranger.sub = KeyPair::new_account().public_key();
    assert!(matches!(
        verify_activation(
            &back,
            &stranger,
            &importer,
            ExportType::Stream,
            &subject,
            NOW
        ),
        Err(JwtError::Untrusted { .. })
    ));
    exporter.nats.exports[0]
        .revocations
        .insert(importer.clone(), NOW);
    assert!(matches!(
        verify_activation(
            &back,
            &exporter,
            &importer,
            ExportType::Stream,
            &subject,
            NOW
        ),
        Err(JwtError::Revoked { .. })
    ));
}

#[test]
fn activation_by_signing_key_needs_issuer_account() {
    let c = chain();
    let sk = KeyPair::new_account();
    let mut exporter = c.acct.clone();
    exporter.nats.signing_keys.add(sk.public_key());
    let importer = KeyPair::new_account().public_key();
    let mut act = ActivationClaims::new(importer.clone());
    act.nats.import_subject = "x.>".into();
    act.nats.import_type = ExportType::Service;
    let bare = decode_activation(&encode(&mut act.clone(), &sk, NOW).unwrap()).unwrap();
    assert!(
        verify_activation(&bare, &exporter, &importer, ExportType::Service, "x.y", NOW).is_err()
    );
    act.nats.issuer_account = exporter.sub.clone();
    let signed = decode_activation(&encode(&mut act, &sk, NOW).unwrap()).unwrap();
    verify_activation(
        &signed,
        &exporter,
        &importer,
        ExportType::Service,
        "x.y",
        NOW,
    )
    .unwrap();
}

#[test]
fn tampered_signature_or_payload_is_rejected() {
    let c = chain();
    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    let token = encode(&mut user, &c.acct_key, NOW).unwrap();
    let (rest, sig) = token.rsplit_once('.').unwrap();
    let mut sig_bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .unwrap();
    sig_bytes[0] ^= 1;
    let bad = format!("{rest}.{}", b64(&sig_bytes));
    assert_eq!(decode(&bad), Err(JwtError::Signature { version: 2 }));

    let mut json = payload_json(&token);
    json["nats"]["subs"] = serde_json::json!(1000);
    let header = token.split('.').next().unwrap();
    let forged = format!("{header}.{}.{sig}", b64(json.to_string().as_bytes()));
    assert_eq!(decode(&forged), Err(JwtError::Signature { version: 2 }));
}

#[test]
fn malformed_tokens_are_errors() {
    assert_eq!(decode("a.b"), Err(JwtError::Chunks));
    assert_eq!(decode("a.b.c.d"), Err(JwtError::Chunks));
    assert_eq!(decode("!!.b.c"), Err(JwtError::Base64 { part: "header" }));
    let h = b64(br#"{"typ":"JWS","alg":"ed25519-nkey"}"#);
    assert!(matches!(
        decode(&format!("{h}.e30.AA")),
        Err(JwtError::HeaderType { .. })
    ));
    let h = b64(br#"{"typ":"jwt","alg":"HS256"}"#);
    assert!(matches!(
        decode(&format!("{h}.e30.AA")),
        Err(JwtError::HeaderAlgorithm { .. })
    ));
    let big = "a".repeat(MAX_TOKEN_SIZE + 1);
    assert!(matches!(decode(&big), Err(JwtError::TooLarge { .. })));
    let h = b64(HEADER.as_bytes());
    let p = b64(br#"{"nats":{"type":"user","version":3}}"#);
    assert_eq!(
        decode(&format!("{h}.{p}.AA")),
        Err(JwtError::NewerVersion { version: 3 })
    );
}

#[test]
fn wrong_issuer_kinds_are_refused_on_encode_and_decode() {
    let op_key = KeyPair::new_operator();
    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    assert!(matches!(
        encode(&mut user, &op_key, NOW),
        Err(JwtError::IssuerKind { .. })
    ));
    // Signed by an operator without going through `encode`'s check.
    user.iss = op_key.public_key();
    user.nats.generic.claim_type = "user".into();
    user.nats.generic.version = 2;
    let token = sign_payload(&user, &op_key).unwrap();
    assert!(matches!(decode(&token), Err(JwtError::IssuerKind { .. })));

    let mut acct = AccountClaims::new(KeyPair::new_user().public_key());
    assert!(matches!(
        encode(&mut acct, &op_key, NOW),
        Err(JwtError::SubjectKind { .. })
    ));
    let c = chain();
    let user_token = encode(
        &mut UserClaims::new(KeyPair::new_user().public_key()),
        &c.acct_key,
        NOW,
    )
    .unwrap();
    assert!(matches!(
        decode_account(&user_token),
        Err(JwtError::WrongType { .. })
    ));
}

#[test]
fn account_trust_follows_operator_keys() {
    let c = chain();
    let ops = std::slice::from_ref(&c.op);
    assert!(verify_account(&c.acct, ops, NOW).is_ok());

    // Signed by an unknown operator.
    let rogue = KeyPair::new_operator();
    let untrusted = decode_account(&encode(&mut c.acct.clone(), &rogue, NOW).unwrap()).unwrap();
    assert!(matches!(
        verify_account(&untrusted, ops, NOW),
        Err(JwtError::Untrusted { .. })
    ));

    // Signed by a signing key of the operator; then strict mode refuses the identity key.
    let sk = KeyPair::new_operator();
    let mut op = c.op.clone();
    op.nats.signing_keys.push(sk.public_key());
    op.nats.strict_signing_key_usage = true;
    let by_sk = decode_account(&encode(&mut c.acct.clone(), &sk, NOW).unwrap()).unwrap();
    let ops = std::slice::from_ref(&op);
    assert!(verify_account(&by_sk, ops, NOW).is_ok());
    assert!(matches!(
        verify_account(&c.acct, ops, NOW),
        Err(JwtError::Untrusted { .. })
    ));
    let _ = &c.op_key;
}

#[test]
fn expired_and_not_yet_valid_claims_fail_verification() {
    let c = chain();
    let mut acct = c.acct.clone();
    acct.exp = NOW + 10;
    let acct = decode_account(&encode(&mut acct, &c.op_key, NOW).unwrap()).unwrap();
    let ops = std::slice::from_ref(&c.op);
    assert!(verify_account(&acct, ops, NOW + 10).is_ok());
    assert_eq!(
        verify_account(&acct, ops, NOW + 11),
        Err(JwtError::Expired { exp: NOW + 10 })
    );

    let mut user = UserClaims::new(KeyPair::new_user().public_key());
    user.nbf = NOW + 100;
    let user = decode_user(&encode(&mut user, &c.acct_key, NOW).unwrap()).unwrap();
    assert_eq!(
        verify_user(&user, &c.acct, NOW),
        Err(JwtError::NotYetValid { nbf: NOW + 100 })
    );
    assert!(verify_user(&user, &c.acct, NOW + 100).is_ok());
    // An expired account takes its users with it.
    assert_eq!(
        verify_user(&user, &acct, NOW + 200),
        Err(JwtError::Expired { exp: NOW + 10 })
    );
}

#[test]
fn user_trust_covers_signing_keys_scopes_and_revocation() {
    let c = chain();
    let user_key = KeyPair::new_user();

    // Signed by a stranger account.
    let stranger = KeyPair::new_account();
    let u =
        decode_user(&encode(&mut UserClaims::new(user_key.public_key()), &stranger, NOW).unwrap())
            .unwrap();
    assert!(matches!(
        verify_user(&u, &c.acct, NOW),
        Err(JwtError::WrongAccount { .. })
    ));

    // Signed by a key claiming the account but not among its signing keys.
    let mut claims = UserClaims::new(user_key.public_key());
    claims.nats.issuer_account = c.acct.sub.clone();
    let u = decode_user(&encode(&mut claims.clone(), &stranger, NOW).unwrap()).unwrap();
    assert!(matches!(
        verify_user(&u, &c.acct, NOW),
        Err(JwtError::Untrusted { .. })
    ));

    // Plain signing key.
    let mut acct = c.acct.clone();
    acct.nats.signing_keys.add(stranger.public_key());
    assert_eq!(verify_user(&u, &acct, NOW), Ok(UserSigner::SigningKey));

    // Scoped signing key: the user must carry nothing of its own.
    let scoped = KeyPair::new_account();
    acct.nats
        .signing_keys
        .add_scope(UserScope::new(scoped.public_key(), "r"));
    let with_limits = decode_user(&encode(&mut claims.clone(), &scoped, NOW).unwrap()).unwrap();
    assert_eq!(
        verify_user(&with_limits, &acct, NOW),
        Err(JwtError::ScopedUserHasLimits)
    );
    claims.nats.limits = UserPermissionLimits::default();
    let bare = decode_user(&encode(&mut claims, &scoped, NOW).unwrap()).unwrap();
    assert!(matches!(
        verify_user(&bare, &acct, NOW),
        Ok(UserSigner::Scoped(s)) if s.role == "r"
    ));

    // Revoked at or after iat.
    acct.nats.revocations.insert(user_key.public_key(), NOW);
    assert!(matches!(
        verify_user(&bare, &acct, NOW),
        Err(JwtError::Revoked { .. })
    ));
}

#[test]
fn go_escaping_applies_to_names_and_subjects() {
    let c = chain();
    let mut acct = c.acct.clone();
    acct.name = "a<b>&c".into();
    acct.nats.exports.push(Export {
        subject: "a.>".into(),
        export_type: ExportType::Stream,
        ..Export::default()
    });
    let token = encode(&mut acct, &c.op_key, NOW).unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.contains(r#""name":"a\u003cb\u003e\u0026c""#), "{raw}");
    assert!(raw.contains(r#""subject":"a.\u003e""#));
    assert_eq!(decode_account(&token).unwrap().name, "a<b>&c");
}

#[test]
fn activation_hash_id_is_padded_base32_of_sha256() {
    let id = activation_hash_id("AX", "AY", "private.abc.*");
    assert_eq!(id.len(), 56);
    assert!(id.ends_with("===="));
    assert_eq!(id, activation_hash_id("AX", "AY", "private.abc.>"));
    assert_ne!(id, activation_hash_id("AX", "AY", "*"));
}

/// The JWTs the original's test suite ships (v1 and v2), found anywhere in the corpus.
#[test]
fn real_jwts_from_the_reference_corpus_decode_and_verify() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/nats-server");
    if !root.exists() {
        eprintln!("corpus not found at {}; skipping", root.display());
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut tokens = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))) {
            if word.starts_with("eyJ") && word.matches('.').count() == 2 {
                tokens.push((file.clone(), word.to_string()));
            }
        }
        if file.extension().is_some_and(|e| e == "creds") {
            let (jwt, seed) = parse_creds(&text).unwrap();
            let user = decode_user(&jwt).unwrap();
            let kp = KeyPair::from_seed(&seed).unwrap();
            assert_eq!(kp.public_key(), user.sub, "{}", file.display());
        }
    }
    assert!(tokens.len() >= 5, "found only {} JWTs", tokens.len());
    let mut operators = Vec::new();
    let mut accounts = Vec::new();
    for (file, token) in &tokens {
        let claims = decode(token).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        match claims {
            AnyClaims::Operator(op) => operators.push(*op),
            AnyClaims::Account(a) => accounts.push(*a),
            AnyClaims::User(_) | AnyClaims::Activation(_) => {}
            AnyClaims::Generic(g) => panic!("{}: unexpected generic claim {g:?}", file.display()),
        }
    }
    assert!(!operators.is_empty() && !accounts.is_empty());
    // Every account in the corpus is vouched for by an operator of the corpus, at the time it
    // was issued.
    for acct in &accounts {
        verify_account(acct, &operators, acct.iat).unwrap_or_else(|e| panic!("{}: {e}", acct.sub));
    }
    // Our ID hash matches what nats-io/jwt v2 wrote into its v2 tokens.
    for (_, token) in &tokens {
        let raw = payload_json(token);
        if raw.get("type").is_none() {
            match decode(token).unwrap() {
                AnyClaims::Operator(c) => assert_eq!(claim_id(&c), c.jti),
                AnyClaims::Account(c) => assert_eq!(claim_id(&c), c.jti),
                AnyClaims::User(c) => assert_eq!(claim_id(&c), c.jti),
                _ => {}
            }
        }
    }
}

mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn subject() -> impl Strategy<Value = String> {
        proptest::collection::vec("[a-z0-9<>&$]{1,5}", 1..4).prop_map(|t| t.join("."))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn encode_then_decode_gives_the_same_claims(
            name in "[ -~]{0,20}",
            exp in 0i64..4_000_000_000,
            subs in -1i64..1000,
            allow in proptest::collection::vec(subject(), 0..3),
            exports in proptest::collection::vec((subject(), any::<bool>(), any::<bool>()), 0..3),
            tags in proptest::collection::vec("[a-z:]{1,8}", 0..3),
        ) {
            let op_key = KeyPair::new_operator();
            let acct_key = KeyPair::new_account();
            let mut acct = AccountClaims::new(acct_key.public_key());
            acct.name = name.clone();
            acct.exp = exp;
            acct.nats.limits.subs = subs;
            acct.nats.generic.tags = tags;
            for (s, service, private) in exports {
                acct.nats.exports.push(Export {
                    subject: s,
                    export_type: if service { ExportType::Service } else { ExportType::Stream },
                    token_req: private,
                    ..Export::default()
                });
            }
            let token = encode(&mut acct, &op_key, NOW).unwrap();
            prop_assert_eq!(decode_account(&token).unwrap(), acct);

            let mut user = UserClaims::new(KeyPair::new_user().public_key());
            user.name = name;
            user.nats.limits.publish.allow = allow;
            user.nats.limits.subs = subs;
            let token = encode(&mut user, &acct_key, NOW).unwrap();
            let back = decode_user(&token).unwrap();
            prop_assert_eq!(&back, &user);
            prop_assert_eq!(claim_id(&back), back.jti);
        }

        #[test]
        fn decoding_mutated_tokens_never_panics(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            junk in "\\PC{0,40}",
        ) {
            let c = chain();
            let mut user = UserClaims::new(KeyPair::new_user().public_key());
            let token = encode(&mut user, &c.acct_key, NOW).unwrap();
            let mut bytes = token.into_bytes();
            for (i, b) in flips {
                let i = i.index(bytes.len());
                bytes[i] = b"abcXYZ019-_.={}"[(b as usize) % 15];
            }
            let _ = decode(&String::from_utf8(bytes).unwrap());
            let _ = decode(&junk);
            let _ = parse_creds(&junk);
        }
    }
}
