//! v3 (`ACS3-HMAC-SHA256`) requests through `rpc::Verifier::verify`: the
//! `Authorization` header parser, signed-header rules, the body hash, canonical
//! query rebuilding from decoded values, nonces and tokens.
//!
//! Arbitrary headers and `Authorization` values must never panic. Requests signed
//! as the v3 documentation describes (built here from the inputs, with the
//! emulator's pure signing functions) must never fail the signature check.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use aliyun_emulator::clock::{format_utc, Millis};
use aliyun_emulator::config::Config;
use aliyun_emulator::rpc::{NonceStore, RawRequest, Verifier};
use aliyun_emulator::signature::{self as sig, V3Request};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    get: bool,
    /// Query parameters, form-encoded into the query string.
    query: Vec<(String, String)>,
    body: Vec<u8>,
    /// More headers (signed too when `sign` is set and they are well-formed).
    headers: Vec<(String, String)>,
    /// `None`: sign properly. `Some`: use this `Authorization` value as is.
    authorization: Option<String>,
    /// 0: no `x-acs-content-sha256`; 1: the right one; other: a wrong one.
    content_sha: u8,
    token: Option<String>,
    /// Uppercase the signature (the emulator accepts either case).
    upper: bool,
}

fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// A header value the verifier reads back unchanged (visible ASCII, no outer spaces).
fn plain(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && v.trim() == v
}

fuzz_target!(|input: Input| {
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let config = Config::default();
    let method = if input.get { "GET" } else { "POST" };
    let body = Bytes::from(input.body);
    let query_string = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(input.query.iter())
        .finish();

    let mut headers = HeaderMap::new();
    let put = |headers: &mut HeaderMap, name: &str, value: &str| -> bool {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                headers.append(n, v);
                true
            }
            _ => false,
        }
    };
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed).to_string();
    let date = format_utc(now_ms());
    let mut signed: Vec<(String, String)> = vec![
        ("host".into(), "eci.cn-hangzhou.aliyuncs.com".into()),
        ("x-acs-action".into(), "DescribeImageCaches".into()),
        ("x-acs-version".into(), "2018-08-08".into()),
        ("x-acs-date".into(), date),
        ("x-acs-signature-nonce".into(), nonce),
    ];
    let body_hash = sig::sha256_hex(&body);
    match input.content_sha {
        0 => {}
        1 => signed.push(("x-acs-content-sha256".into(), body_hash.clone())),
        _ => signed.push(("x-acs-content-sha256".into(), sig::EMPTY_SHA256.into())),
    }
    if let Some(t) = input.token.as_deref().filter(|t| plain(t)) {
        signed.push(("x-acs-security-token".into(), t.to_string()));
    }
    // Extra headers: well-formed, new names are signed; the rest are sent unsigned.
    let mut unsigned = Vec::new();
    for (name, value) in input.headers {
        let lower = name.to_ascii_lowercase();
        let fresh = !signed.iter().any(|(n, _)| *n == lower) && lower != "authorization";
        if fresh && HeaderName::from_bytes(lower.as_bytes()).is_ok() && plain(&value) {
            signed.push((lower, value));
        } else {
            unsigned.push((name, value));
        }
    }
    signed.sort();
    for (n, v) in &signed {
        put(&mut headers, n, v);
    }
    for (n, v) in &unsigned {
        put(&mut headers, n, v);
    }

    let properly_signed = input.authorization.is_none();
    let authorization = match input.authorization {
        Some(a) => a,
        None => {
            let names: Vec<&str> = signed.iter().map(|(n, _)| n.as_str()).collect();
            let signed_headers = names.join(";");
            let pairs = input.query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let cq = sig::canonical_query(pairs, true);
            let payload = match input.content_sha {
                0 | 1 => body_hash.clone(),
                _ => sig::EMPTY_SHA256.to_string(),
            };
            let req = V3Request {
                method,
                canonical_query: &cq,
                headers: &signed,
                signed_headers: &signed_headers,
                hashed_payload: &payload,
            };
            let sts = sig::v3_string_to_sign(&sig::v3_canonical_request(&req));
            let mut s = sig::v3_sign(&config.access_key_secret, &sts);
            if input.upper {
                s = s.to_ascii_uppercase();
            }
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed_headers},Signature={s}",
                config.access_key_id
            )
        }
    };
    let auth_ok = put(&mut headers, "authorization", &authorization);

    let raw = RawRequest {
        method: method.into(),
        query: query_string,
        headers,
        body,
    };
    let mut nonces = NonceStore::default();
    let mut verifier = Verifier {
        config: &config,
        nonces: &mut nonces,
        wall_now: now_ms(),
        identity: &aliyun_emulator::sts::Identity::default(),
        clock_now: now_ms(),
    };
    let result = verifier.verify(&raw);
    // Only a properly signed request with unique query names, no unsigned extra
    // header sharing a signed name, and a truthful body hash must pass the check.
    let mut names: Vec<&str> = input.query.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let unique = names.windows(2).all(|w| w[0] != w[1]);
    let clean = unsigned.is_empty() && input.content_sha <= 1 && unique && auth_ok;
    if properly_signed && clean {
        if let Err(r) = result {
            assert!(
                r.error.code != "SignatureDoesNotMatch" && r.error.code != "IncompleteSignature",
                "a properly signed v3 request was refused: {}: {}",
                r.error.code,
                r.error.message
            );
        }
    }
});
