//! v1 (HMAC-SHA1) requests through the emulator's one entry point,
//! `rpc::Verifier::verify`: query and form decoding, duplicate detection,
//! signature and timestamp checks, nonces, tokens and parameter rebuilding.
//!
//! Raw requests (any query, body and content type) must never panic. Requests
//! the provider's own signer signed (`aliyun::signer`, arbitrary parameter names
//! and values) must never fail the signature check: the provider's encoding and
//! the emulator's decoding agree byte for byte.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use aliyun_emulator::clock::Millis;
use aliyun_emulator::config::Config;
use aliyun_emulator::rpc::{NonceStore, RawRequest, Verifier};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use terraform_provider_aliyun::aliyun::signer;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Bytes as they come.
    Raw {
        get: bool,
        query: String,
        body: Vec<u8>,
        form: bool,
    },
    /// Business parameters signed by the provider's signer.
    Signed {
        get: bool,
        params: Vec<(String, String)>,
        token: Option<String>,
    },
}

/// Names the signer adds itself.
const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
    "Signature",
];

fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

fn verify(config: &Config, raw: &RawRequest) -> Result<(), String> {
    let mut nonces = NonceStore::default();
    let mut v = Verifier {
        config,
        nonces: &mut nonces,
        wall_now: now_ms(),
        identity: &aliyun_emulator::sts::Identity::default(),
        clock_now: now_ms(),
    };
    v.verify(raw)
        .map(|_| ())
        .map_err(|r| format!("{}: {}", r.error.code, r.error.message))
}

fuzz_target!(|input: Input| {
    let config = Config::default();
    match input {
        Input::Raw {
            get,
            query,
            body,
            form,
        } => {
            let mut headers = HeaderMap::new();
            if form {
                headers.insert(
                    "content-type",
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            let raw = RawRequest {
                method: if get { "GET" } else { "POST" }.into(),
                query,
                headers,
                body: Bytes::from(body),
            };
            let _ = verify(&config, &raw);
        }
        Input::Signed { get, params, token } => {
            static NONCE: AtomicU64 = AtomicU64::new(0);
            let method = if get { "GET" } else { "POST" };
            let mut pairs: Vec<(String, String)> = vec![
                ("Action".into(), "DescribeImageCaches".into()),
                ("Version".into(), "2018-08-08".into()),
                ("Format".into(), "JSON".into()),
                ("AccessKeyId".into(), config.access_key_id.clone()),
                ("SignatureMethod".into(), "HMAC-SHA1".into()),
                ("SignatureVersion".into(), "1.0".into()),
                (
                    "SignatureNonce".into(),
                    NONCE.fetch_add(1, Ordering::Relaxed).to_string(),
                ),
                ("Timestamp".into(), signer::timestamp(SystemTime::now())),
            ];
            if let Some(t) = token.filter(|t| !t.is_empty()) {
                pairs.push(("SecurityToken".into(), t));
            }
            pairs.extend(
                params
                    .into_iter()
                    .filter(|(k, _)| !COMMON.contains(&k.as_str())),
            );
            let signature = signer::sign(method, &pairs, &config.access_key_secret);
            pairs.push((signer::SIGNATURE_PARAM.into(), signature));
            let encoded = signer::form_body(&pairs);
            let mut headers = HeaderMap::new();
            let (query, body) = if get {
                (encoded, Bytes::new())
            } else {
                headers.insert(
                    "content-type",
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                (String::new(), Bytes::from(encoded))
            };
            let raw = RawRequest {
                method: method.into(),
                query,
                headers,
                body,
            };
            if let Err(e) = verify(&config, &raw) {
                assert!(
                    !e.starts_with("SignatureDoesNotMatch")
                        && !e.starts_with("IncompleteSignature"),
                    "a request signed by the provider was refused: {e}\n{raw_query:?}",
                    raw_query = String::from_utf8_lossy(&raw.body)
                );
            }
        }
    }
});
