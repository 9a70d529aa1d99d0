//! Unit tests of the client: configuration, answer decoding, and the retry
//! loop against a scripted server.

use super::*;
use crate::aliyun::Secret;

#[derive(serde::Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct Created {
    image_cache_id: String,
}

fn config() -> ClientConfig {
    ClientConfig::new("cn-hangzhou", Credentials::new("id", "the-secret-value"))
}

#[test]
fn default_endpoints_follow_the_regional_pattern_and_irregulars() {
    let cases = [
        (
            Product::Eci,
            "cn-hangzhou",
            "https://eci.cn-hangzhou.aliyuncs.com",
        ),
        (
            Product::Ecs,
            "cn-hangzhou",
            "https://ecs.cn-hangzhou.aliyuncs.com",
        ),
        (
            Product::Eci,
            "cn-shanghai-finance-1",
            "https://eci.cn-shanghai-finance.aliyuncs.com",
        ),
        (
            Product::Eci,
            "cn-shenzhen-finance-1",
            "https://eci.cn-shenzhen-finance.aliyuncs.com",
        ),
        (
            Product::Eci,
            "ap-southeast-1",
            "https://eci.ap-southeast-1.aliyuncs.com",
        ),
        (
            Product::Ecs,
            "cn-hangzhou-finance",
            "https://ecs.aliyuncs.com",
        ),
    ];
    for (product, region, url) in cases {
        assert_eq!(product.default_endpoint(region), url);
    }
}

#[test]
fn construction_validates_and_makes_no_network_call() {
    let client = Client::new(config()).unwrap();
    assert_eq!(
        client.endpoint(Product::Eci),
        "https://eci.cn-hangzhou.aliyuncs.com"
    );
    let mut c = config();
    c.eci_endpoint = Some("http://127.0.0.1:9/".into());
    c.ecs_endpoint = Some("http://127.0.0.1:9".into());
    let client = Client::new(c).unwrap();
    assert_eq!(client.endpoint(Product::Eci), "http://127.0.0.1:9");
    assert_eq!(client.endpoint(Product::Ecs), "http://127.0.0.1:9");
    let dump = format!("{client:?}");
    assert!(!dump.contains("the-secret-value"), "{dump}");

    let bad = |f: fn(&mut ClientConfig)| {
        let mut c = config();
        f(&mut c);
        Client::new(c).unwrap_err().field
    };
    assert_eq!(bad(|c| c.region = "".into()), "region");
    assert_eq!(bad(|c| c.region = "CN Hangzhou".into()), "region");
    assert_eq!(
        bad(|c| c.eci_endpoint = Some("ftp://x".into())),
        "eci_endpoint"
    );
    assert_eq!(
        bad(|c| c.ecs_endpoint = Some("not a url".into())),
        "ecs_endpoint"
    );
    assert_eq!(
        bad(|c| c.ecs_endpoint = Some("http://u:p@host".into())),
        "ecs_endpoint"
    );
    assert_eq!(
        bad(|c| c.credentials = Credentials::new("id", Secret::new("")).into()),
        "credentials.access_key_secret"
    );
    assert_eq!(bad(|c| c.retry.max_attempts = 0), "retry.max_attempts");
}

fn redactor() -> Redactor {
    let mut r = Redactor::default();
    r.add("the-secret-value");
    r
}

#[test]
fn success_answer_decodes_with_request_id() {
    let (resp, id): (Created, String) = decode_answer(
        "CreateImageCache",
        200,
        None,
        br#"{"RequestId":"R1","ImageCacheId":"imc-1"}"#,
        &redactor(),
    )
    .unwrap();
    assert_eq!(resp.image_cache_id, "imc-1");
    assert_eq!(id, "R1");
}

#[test]
fn error_answer_becomes_api_error_with_scrubbed_message() {
    let body = br#"{"RequestId":"R2","HostId":"eci.x","Code":"SignatureDoesNotMatch","Message":"server string to sign is:POST&%2F&Secret%3Dthe-secret-value"}"#;
    let err = decode_answer::<Created>(
        "CreateImageCache",
        400,
        Some(Duration::from_millis(5)),
        body,
        &redactor(),
    )
    .unwrap_err();
    assert!(err.is_code("SignatureDoesNotMatch"));
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.request_id(), Some("R2"));
    let text = err.to_string();
    assert!(!text.contains("the-secret-value"), "{text}");
    assert!(
        matches!(err, ApiError::Api { retry_after: Some(d), .. } if d == Duration::from_millis(5))
    );
}

#[test]
fn unreadable_answers_are_decode_errors() {
    let html = decode_answer::<Created>("A", 502, None, b"<html>bad gateway</html>", &redactor())
        .unwrap_err();
    assert!(
        matches!(html, ApiError::Decode { status: 502, .. }),
        "{html}"
    );
    let no_code =
        decode_answer::<Created>("A", 400, None, br#"{"RequestId":"R"}"#, &redactor()).unwrap_err();
    assert!(matches!(no_code, ApiError::Decode { .. }));
    assert_eq!(no_code.request_id(), Some("R"));
    let wrong_shape =
        decode_answer::<Created>("A", 200, None, br#"{"RequestId":"R3"}"#, &redactor())
            .unwrap_err();
    assert!(matches!(wrong_shape, ApiError::Decode { status: 200, .. }));
}

#[tokio::test]
async fn cancelled_context_stops_before_sending() {
    let mut c = config();
    // Nothing listens on port 9 of loopback; the call must not even try.
    c.eci_endpoint = Some("http://127.0.0.1:9".into());
    let client = Client::new(c).unwrap();
    let cx = CallContext::default();
    cx.cancel.cancel();
    let err = client
        .call::<_, Created>(Product::Eci, "CreateImageCache", &(), None, &cx)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Cancelled { attempts: 0, .. }),
        "{err}"
    );
    let past = CallContext::new(Some(Instant::now()), CancellationToken::new());
    let err = client
        .call::<_, Created>(Product::Eci, "CreateImageCache", &(), None, &past)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::DeadlineExceeded { attempts: 0, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn transport_errors_are_retried_until_the_budget_is_spent() {
    let mut c = config();
    // A port that refuses connections: bind, learn the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    c.eci_endpoint = Some(format!("http://127.0.0.1:{port}"));
    c.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        throttling_initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
    };
    let client = Client::new(c).unwrap();
    let err = client
        .call::<_, Created>(
            Product::Eci,
            "DescribeImageCaches",
            &(),
            None,
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err}");
    assert!(err.to_string().contains("DescribeImageCaches"), "{err}");
}

// ---- the retry loop against a scripted server ---------------------------

use crate::aliyun::eci::{CreateImageCacheRequest, ImageRegistryCredential};
use crate::aliyun::fake_server::{FakeServer, Reply};

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        throttling_initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(5),
    }
}

fn client_for(server: &FakeServer, retry: RetryPolicy, creds: Credentials) -> Client {
    let mut c = ClientConfig::new("cn-hangzhou", creds);
    c.eci_endpoint = Some(server.endpoint());
    c.ecs_endpoint = Some(server.endpoint());
    c.retry = retry;
    Client::new(c).unwrap()
}

fn get<'a>(req: &'a [(String, String)], name: &str) -> &'a str {
    req.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("parameter {name} missing in {req:?}"))
}

fn create_req() -> CreateImageCacheRequest {
    CreateImageCacheRequest {
        image_cache_name: "c".into(),
        image: vec!["nginx".into()],
        ..Default::default()
    }
}

const CREATED: &str = r#"{"RequestId":"R","ImageCacheId":"imc-1","ContainerGroupId":"eci-1"}"#;

#[tokio::test]
async fn retries_resign_every_attempt_and_keep_the_client_token() {
    let server = FakeServer::start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::error(400, "Throttling.User"),
        Reply::Drop,
        Reply::ok(CREATED),
    ])
    .await;
    let client = client_for(
        &server,
        fast_policy(5),
        Credentials::new("id", "the-secret"),
    );
    let token = ClientToken::generate();
    let resp = client
        .create_image_cache(&create_req(), &token, &CallContext::default())
        .await
        .unwrap();
    assert_eq!(resp.image_cache_id, "imc-1");
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    let mut nonces = std::collections::HashSet::new();
    let mut signatures = std::collections::HashSet::new();
    for req in &requests {
        assert_eq!(get(req, "ClientToken"), token.as_str());
        assert_eq!(get(req, "Action"), "CreateImageCache");
        assert_eq!(get(req, "Version"), "2018-08-08");
        assert_eq!(get(req, "Format"), "JSON");
        assert_eq!(get(req, "RegionId"), "cn-hangzhou");
        assert_eq!(get(req, "SignatureMethod"), "HMAC-SHA1");
        assert_eq!(get(req, "SignatureVersion"), "1.0");
        assert_eq!(get(req, "Image.1"), "nginx");
        assert_eq!(get(req, "Timestamp").len(), 20);
        // The server-side check: recompute over everything but Signature.
        assert_eq!(
            signer::sign("POST", req, "the-secret"),
            get(req, "Signature"),
            "signature of {req:?}"
        );
        nonces.insert(get(req, "SignatureNonce").to_owned());
        signatures.insert(get(req, "Signature").to_owned());
    }
    assert_eq!(nonces.len(), 4, "a fresh nonce per attempt");
    assert_eq!(signatures.len(), 4, "a fresh signature per attempt");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for code in [
        "IdempotentParameterMismatch",
        "IncorrectStatus",
        "NoNeedUpdate",
    ] {
        let server = FakeServer::start(vec![Reply::error(400, code), Reply::ok(CREATED)]).await;
        let client = client_for(&server, fast_policy(5), Credentials::new("id", "s3cr3t"));
        let err = client
            .create_image_cache(
                &create_req(),
                &ClientToken::generate(),
                &CallContext::default(),
            )
            .await
            .unwrap_err();
        assert!(err.is_code(code), "{err}");
        assert_eq!(server.requests().len(), 1, "{code} must not be retried");
    }
}

#[tokio::test]
async fn attempts_are_bounded_by_the_policy() {
    let server = FakeServer::start(vec![Reply::error(500, "InternalError")]).await;
    let client = client_for(&server, fast_policy(3), Credentials::new("id", "s3cr3t"));
    let err = client
        .create_image_cache(
            &create_req(),
            &ClientToken::generate(),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_code("InternalError"), "{err}");
    assert_eq!(server.requests().len(), 3);
    let server = FakeServer::start(vec![Reply::error(500, "InternalError")]).await;
    let client = client_for(
        &server,
        RetryPolicy::none(),
        Credentials::new("id", "s3cr3t"),
    );
    let _ = client
        .create_image_cache(
            &create_req(),
            &ClientToken::generate(),
            &CallContext::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_header_sets_the_wait() {
    let server = FakeServer::start(vec![
        Reply::Json(
            400,
            vec![("x-acs-retry-after", "300".into())],
            r#"{"Code":"Throttling.User","RequestId":"R"}"#.into(),
        ),
        Reply::ok(CREATED),
    ])
    .await;
    let client = client_for(&server, fast_policy(3), Credentials::new("id", "s3cr3t"));
    let started = Instant::now();
    client
        .create_image_cache(
            &create_req(),
            &ClientToken::generate(),
            &CallContext::default(),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cancellation_aborts_a_request_in_flight() {
    let server = FakeServer::start(vec![Reply::Hang]).await;
    let client = client_for(&server, fast_policy(3), Credentials::new("id", "s3cr3t"));
    let cx = CallContext::default();
    let cancel = cx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = client
        .create_image_cache(&create_req(), &ClientToken::generate(), &cx)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Cancelled { attempts: 1, .. }),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cancellation_aborts_a_backoff_sleep() {
    let server = FakeServer::start(vec![Reply::Json(
        503,
        vec![("x-acs-retry-after", "30000".into())],
        r#"{"Code":"ServiceUnavailable","RequestId":"R"}"#.into(),
    )])
    .await;
    let client = client_for(&server, fast_policy(3), Credentials::new("id", "s3cr3t"));
    let cx = CallContext::default();
    let cancel = cx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let err = client
        .create_image_cache(&create_req(), &ClientToken::generate(), &cx)
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn deadline_aborts_a_request_in_flight() {
    let server = FakeServer::start(vec![Reply::Hang]).await;
    let client = client_for(&server, fast_policy(3), Credentials::new("id", "s3cr3t"));
    let started = Instant::now();
    let err = client
        .create_image_cache(
            &create_req(),
            &ClientToken::generate(),
            &CallContext::with_timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn deadline_stops_before_a_wait_that_would_cross_it() {
    let server = FakeServer::start(vec![Reply::Json(
        503,
        vec![("x-acs-retry-after", "30000".into())],
        r#"{"Code":"ServiceUnavailable","RequestId":"R-last"}"#.into(),
    )])
    .await;
    let client = client_for(&server, fast_policy(5), Credentials::new("id", "s3cr3t"));
    let started = Instant::now();
    let err = client
        .create_image_cache(
            &create_req(),
            &ClientToken::generate(),
            &CallContext::with_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &err {
        ApiError::DeadlineExceeded {
            attempts: 1,
            last: Some(last),
            ..
        } => {
            assert!(last.is_code("ServiceUnavailable"));
            assert_eq!(last.request_id(), Some("R-last"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn security_token_is_signed_and_secrets_never_reach_errors() {
    let secret = "the-access-secret";
    let sts = "sts/token+value==";
    let password = "registry pass/word";
    let echoed = format!(
        "server string to sign is:POST&%2F&SecurityToken%3D{}%26Password%3D{}%26K%3D{} raw {} {} {}",
        signer::percent_encode(&signer::percent_encode(sts)),
        signer::percent_encode(&signer::percent_encode(password)),
        signer::percent_encode(&signer::percent_encode(secret)),
        sts,
        password,
        secret
    );
    let body =
        serde_json::json!({"Code": "SignatureDoesNotMatch", "Message": echoed, "RequestId": "R"});
    let server = FakeServer::start(vec![Reply::Json(400, vec![], body.to_string())]).await;
    let client = client_for(
        &server,
        fast_policy(3),
        Credentials::new("id", secret).with_security_token(sts),
    );
    let req = CreateImageCacheRequest {
        image_registry_credential: vec![ImageRegistryCredential {
            server: "reg.example.com".into(),
            user_name: "u".into(),
            password: Secret::new(password),
        }],
        ..create_req()
    };
    let err = client
        .create_image_cache(&req, &ClientToken::generate(), &CallContext::default())
        .await
        .unwrap_err();
    assert!(err.is_code("SignatureDoesNotMatch"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "SignatureDoesNotMatch is not retried");
    let sent = &requests[0];
    assert_eq!(get(sent, "SecurityToken"), sts);
    assert_eq!(signer::sign("POST", sent, secret), get(sent, "Signature"));
    let shown = format!("{err} {err:?}");
    for leak in [secret, sts, password, get(sent, "Signature")] {
        assert!(!shown.contains(leak), "{leak:?} leaked: {shown}");
        assert!(
            !shown.contains(&signer::percent_encode(leak)),
            "{leak:?} leaked encoded: {shown}"
        );
    }
    assert!(shown.contains("SignatureDoesNotMatch"));
    assert!(shown.contains("CreateImageCache"));
}

// ---- what the debug log says ------------------------------------------------

/// Collects every log line of the test binary (installed once).
struct Capture(std::sync::Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: std::sync::OnceLock<&'static Capture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture(Default::default())));
        log::set_logger(c).expect("no other logger in the unit tests");
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

#[tokio::test]
async fn debug_log_names_attempts_codes_and_request_ids_but_no_secret() {
    let log = capture();
    let secret = "log-test-secret-value";
    let sts = "log-test-sts-token";
    let password = "log-test-registry-password";
    let server = FakeServer::start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(CREATED),
    ])
    .await;
    let client = client_for(
        &server,
        fast_policy(3),
        Credentials::new("log-test-id", secret).with_security_token(sts),
    );
    let req = CreateImageCacheRequest {
        image_cache_name: "log-test-cache".into(),
        image_registry_credential: vec![ImageRegistryCredential {
            server: "reg.example.com".into(),
            user_name: "u".into(),
            password: Secret::new(password),
        }],
        ..create_req()
    };
    client
        .create_image_cache(&req, &ClientToken::generate(), &CallContext::default())
        .await
        .unwrap();
    let lines = log.0.lock().unwrap().clone();
    let signatures: Vec<String> = server
        .requests()
        .iter()
        .map(|r| get(r, "Signature").to_owned())
        .collect();
    for line in &lines {
        for leak in [secret, sts, password]
            .into_iter()
            .chain(signatures.iter().map(String::as_str))
        {
            assert!(!line.contains(leak), "{leak:?} in log line {line:?}");
        }
    }
    let retry_line = lines
        .iter()
        .find(|l| {
            l.contains("CreateImageCache: attempt 1 failed") && l.contains("REQ-ServiceUnavailable")
        })
        .unwrap_or_else(|| panic!("no retry line in {lines:#?}"));
    assert!(retry_line.contains("ServiceUnavailable"), "{retry_line}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CreateImageCache: attempt 2 succeeded")),
        "{lines:#?}"
    );
}

/// A source handing out `STS.n` credentials, counting fetches.
struct Numbered(std::sync::Arc<std::sync::atomic::AtomicU64>);

#[async_trait::async_trait]
impl crate::aliyun::credentials::Source for Numbered {
    fn name(&self) -> String {
        "numbered test source".into()
    }
    async fn fetch(
        &self,
    ) -> Result<crate::aliyun::credentials::Fetched, crate::aliyun::CredentialsError> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(crate::aliyun::credentials::Fetched {
            credentials: Credentials::new(format!("STS.{n}"), format!("secret-{n}"))
                .with_security_token(format!("token-{n}")),
            expiration: Some(std::time::SystemTime::now() + Duration::from_secs(3600)),
        })
    }
}

fn refreshing_client(
    server: &FakeServer,
) -> (Client, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let provider = crate::aliyun::CredentialProvider::refreshing(Numbered(count.clone()));
    let mut c = ClientConfig::new("cn-hangzhou", provider);
    c.eci_endpoint = Some(server.endpoint());
    c.retry = fast_policy(3);
    (Client::new(c).unwrap(), count)
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_request_sent_again() {
    let server = FakeServer::start(vec![
        Reply::error(400, "InvalidSecurityToken.Expired"),
        Reply::ok(CREATED),
    ])
    .await;
    let (client, fetches) = refreshing_client(&server);
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 0, "lazy");
    let token = ClientToken::generate();
    client
        .create_image_cache(&create_req(), &token, &CallContext::default())
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(get(&requests[0], "AccessKeyId"), "STS.0");
    assert_eq!(get(&requests[1], "AccessKeyId"), "STS.1");
    assert_eq!(get(&requests[1], "SecurityToken"), "token-1");
    assert_eq!(
        signer::sign("POST", &requests[1], "secret-1"),
        get(&requests[1], "Signature")
    );
    assert_eq!(
        get(&requests[0], "ClientToken"),
        get(&requests[1], "ClientToken")
    );
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_token_refused_twice_is_an_error_after_one_renewal() {
    let server = FakeServer::start(vec![Reply::error(400, "InvalidSecurityToken.Expired")]).await;
    let (client, fetches) = refreshing_client(&server);
    let err = client
        .describe_image_cache("imc-1", &CallContext::default())
        .await
        .unwrap_err();
    assert!(err.is_code("InvalidSecurityToken.Expired"), "{err}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_expired_fixed_token_says_so_and_names_the_way_out() {
    let server = FakeServer::start(vec![Reply::error(400, "InvalidSecurityToken.Expired")]).await;
    let client = client_for(
        &server,
        fast_policy(3),
        Credentials::new("STS.fixed", "s3cr3t-value").with_security_token("fixed-token-value"),
    );
    let err = client
        .describe_image_cache("imc-1", &CallContext::default())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ApiError::Credentials { .. }), "{err:?}");
    for needle in [
        "static STS token",
        "cannot be renewed",
        "expired",
        "AssumeRole",
        "InvalidSecurityToken.Expired",
    ] {
        assert!(text.contains(needle), "{needle:?} missing: {text}");
    }
    assert!(!text.contains("fixed-token-value") && !text.contains("s3cr3t-value"));
    assert_eq!(
        server.requests().len(),
        1,
        "no point retrying a fixed token"
    );
}
