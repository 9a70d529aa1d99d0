//! End-to-end tests over real HTTP: a tiny raw HTTP/1.1 client and a tiny
//! signer written here from the documented algorithm (docs/development/api-reference.md,
//! «Signature v1» and «Signature v3»; independent of the crate's own
//! `signature` module), against a running emulator.

use std::net::SocketAddr;
use std::time::Duration;

use aliyun_emulator::clock::{format_utc, wall_now};
use aliyun_emulator::{
    Config, Emulator, Fault, FaultKind, FaultPhase, Handle, Outcome, OutcomeRule, PipelineOutcome,
    RuleKind, RuleOn, TemplateSeed, Timings,
};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ECI: &str = "2018-08-08";
const ECS: &str = "2014-05-26";
const ID: &str = "emulator";
const SECRET: &str = "emulator-secret";

// ---------------------------------------------------------------- client --

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or_default().to_string()
    }
}

/// Send one request on a fresh connection; `None` when the server closed the
/// connection without any response bytes.
async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .expect("response within 10 s");
    if buf.is_empty() {
        return None;
    }
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("complete head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Resp {
        status,
        headers,
        body: body.to_string(),
    })
}

// ---------------------------------------------------------------- signer --

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn canonical(pairs: &[(String, String)]) -> String {
    let mut p: Vec<_> = pairs.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    p.sort();
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn v1_signature(method: &str, secret: &str, pairs: &[(String, String)]) -> String {
    let sts = format!("{method}&%2F&{}", pct(&canonical(pairs)));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn form(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

fn nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Knobs of one v1 request.
struct V1<'a> {
    method: &'a str,
    action: &'a str,
    version: &'a str,
    params: Vec<(String, String)>,
    format: Option<&'a str>,
    in_body: bool,
    timestamp: String,
    nonce: String,
    key: &'a str,
    secret: &'a str,
    tamper: bool,
}

impl<'a> V1<'a> {
    fn new(action: &'a str, version: &'a str, params: &[(&str, &str)]) -> Self {
        V1 {
            method: "GET",
            action,
            version,
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            format: Some("JSON"),
            in_body: false,
            timestamp: format_utc(wall_now()),
            nonce: nonce(),
            key: ID,
            secret: SECRET,
            tamper: false,
        }
    }

    async fn send(&self, addr: SocketAddr) -> Option<Resp> {
        let mut common = vec![
            ("Action".to_string(), self.action.to_string()),
            ("Version".into(), self.version.into()),
            ("AccessKeyId".into(), self.key.into()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), self.nonce.clone()),
            ("Timestamp".into(), self.timestamp.clone()),
        ];
        if let Some(f) = self.format {
            common.push(("Format".into(), f.into()));
        }
        let mut all = common.clone();
        all.extend(self.params.iter().cloned());
        let mut sig = v1_signature(self.method, self.secret, &all);
        if self.tamper {
            // Off by one character.
            let last = sig.pop().unwrap();
            let first = sig.remove(0);
            sig.insert(0, if first == 'A' { 'B' } else { 'A' });
            sig.push(last);
        }
        common.push(("Signature".into(), sig));
        if self.in_body {
            let body = form(&self.params);
            let headers = vec![(
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            )];
            send(
                addr,
                self.method,
                &format!("/?{}", form(&common)),
                &headers,
                body.as_bytes(),
            )
            .await
        } else {
            let mut q = common;
            q.extend(self.params.iter().cloned());
            send(addr, self.method, &format!("/?{}", form(&q)), &[], b"").await
        }
    }
}

async fn v1(addr: SocketAddr, action: &str, version: &str, params: &[(&str, &str)]) -> Resp {
    V1::new(action, version, params)
        .send(addr)
        .await
        .expect("a response")
}

/// A v3 (ACS3-HMAC-SHA256) request with business parameters in the query
/// and optionally a form body.
async fn v3(
    addr: SocketAddr,
    action: &str,
    version: &str,
    query: &[(&str, &str)],
    body: &[(&str, &str)],
    secret: &str,
) -> Resp {
    let q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let b: Vec<(String, String)> = body
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body_text = if b.is_empty() {
        String::new()
    } else {
        form(&b)
    };
    let hash = hex(&sha2::Sha256::digest(body_text.as_bytes()));
    let mut headers = vec![
        ("host".to_string(), addr.to_string()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-content-sha256".into(), hash.clone()),
        ("x-acs-date".into(), format_utc(wall_now())),
        ("x-acs-signature-nonce".into(), nonce()),
        ("x-acs-version".into(), version.into()),
    ];
    if !b.is_empty() {
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    headers.sort();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canon_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let creq = format!(
        "POST\n/\n{}\n{canon_headers}\n{signed}\n{hash}",
        canonical(&q)
    );
    let sts = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex(&sha2::Sha256::digest(creq.as_bytes()))
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    let sig = hex(&mac.finalize().into_bytes());
    headers.push((
        "Authorization".into(),
        format!("ACS3-HMAC-SHA256 Credential={ID},SignedHeaders={signed},Signature={sig}"),
    ));
    let target = if q.is_empty() {
        "/".to_string()
    } else {
        format!("/?{}", form(&q))
    };
    send(addr, "POST", &target, &headers, body_text.as_bytes())
        .await
        .expect("a response")
}

async fn get_json(addr: SocketAddr, path: &str) -> Value {
    send(addr, "GET", path, &[], b"").await.unwrap().json()
}

async fn post_json(addr: SocketAddr, method: &str, path: &str, body: Value) -> Resp {
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    send(addr, method, path, &headers, body.to_string().as_bytes())
        .await
        .unwrap()
}

async fn start() -> Handle {
    Emulator::start(Config::for_tests()).await.unwrap()
}

const R: (&str, &str) = ("RegionId", "cn-hangzhou");

async fn create_cache(addr: SocketAddr, name: &str) -> String {
    let r = v1(
        addr,
        "CreateImageCache",
        ECI,
        &[R, ("ImageCacheName", name), ("Image.1", "nginx:latest")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["ImageCacheId"].as_str().unwrap().to_string()
}

// ----------------------------------------------------------------- tests --

#[tokio::test]
async fn v1_create_then_describe_reaches_ready_json() {
    let emu = start().await;
    let a = emu.addr();
    let id = create_cache(a, "web").await;
    assert!(id.starts_with("imc-"));
    let r = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let j = r.json();
    let rid = j["RequestId"].as_str().unwrap();
    assert_eq!(rid, rid.to_uppercase());
    assert_eq!(j["ImageCaches"][0]["Status"], "Ready");
    assert_eq!(j["ImageCaches"][0]["Images"], json!(["nginx:latest"]));
    assert_eq!(j["TotalCount"], 1);
    assert_eq!(emu.calls("CreateImageCache"), 1);
    assert_eq!(emu.object_count(), 1);
}

#[tokio::test]
async fn signature_off_by_one_character_is_rejected() {
    let emu = start().await;
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.tamper = true;
    let r = req.send(emu.addr()).await.unwrap();
    assert_eq!(r.status, 400);
    let j = r.json();
    assert_eq!(j["Code"], "SignatureDoesNotMatch");
    assert!(j["Message"]
        .as_str()
        .unwrap()
        .contains("server string to sign is:GET&%2F&AccessKeyId%3Demulator"));
    for f in ["RequestId", "HostId", "Recommend"] {
        assert!(j[f].is_string(), "{f}");
    }
    // A wrong secret is rejected the same way.
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.secret = "emulator-secreT";
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "SignatureDoesNotMatch"
    );
    assert_eq!(
        emu.calls("DescribeImageCaches"),
        0,
        "unsigned requests never reach the action"
    );
}

#[tokio::test]
async fn v3_signed_requests_are_accepted_query_and_form_body() {
    let emu = start().await;
    let a = emu.addr();
    let r = v3(
        a,
        "CreateImageCache",
        ECI,
        &[R, ("ImageCacheName", "my cache*~/é"), ("Image.1", "nginx")],
        &[],
        SECRET,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let r = v3(
        a,
        "DescribeImageCaches",
        ECI,
        &[],
        &[R, ("ImageCacheName", "my cache*~/é")],
        SECRET,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["TotalCount"], 1);
    // Map keys with #len# survive v3 (documented form: names encoded).
    let r = v3(
        a,
        "CreateDataCache",
        ECI,
        &[
            R,
            ("DataSource.Type", "URL"),
            ("DataSource.Options.#3#url", "https://x/y"),
        ],
        &[],
        SECRET,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = v3(a, "DescribeImageCaches", ECI, &[R], &[], "wrong").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "SignatureDoesNotMatch")
    );
    assert!(r.json()["Message"]
        .as_str()
        .unwrap()
        .contains("ACS3-HMAC-SHA256\n"));
}

#[tokio::test]
async fn nonce_replay_is_rejected() {
    let emu = start().await;
    let req = V1::new("DescribeImageCaches", ECI, &[R]);
    assert_eq!(req.send(emu.addr()).await.unwrap().status, 200);
    let r = req.send(emu.addr()).await.unwrap();
    assert_eq!((r.status, r.code().as_str()), (400, "SignatureNonceUsed"));
}

#[tokio::test]
async fn timestamps_expired_or_malformed_are_rejected() {
    let emu = start().await;
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.timestamp = format_utc(wall_now() - 32 * 60 * 1000);
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "InvalidTimeStamp.Expired"
    );
    req.nonce = nonce();
    req.timestamp = format_utc(wall_now() + 40 * 60 * 1000);
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "InvalidTimeStamp.Expired"
    );
    req.nonce = nonce();
    req.timestamp = "2024-06-01 12:00:00".into();
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "InvalidTimeStamp.Format"
    );
    req.nonce = nonce();
    req.timestamp = format_utc(wall_now() - 30 * 60 * 1000);
    assert_eq!(
        req.send(emu.addr()).await.unwrap().status,
        200,
        "inside the 31-minute window"
    );
}

#[tokio::test]
async fn unknown_key_missing_params_and_unknown_action() {
    let emu = start().await;
    let a = emu.addr();
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.key = "nobody";
    let r = req.send(a).await.unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "InvalidAccessKeyId.NotFound")
    );
    let r = send(
        a,
        "GET",
        "/?Action=DescribeImageCaches&Version=2018-08-08&Format=JSON",
        &[],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(r.code(), "IncompleteSignature");
    let r = v1(a, "DescribeNothing", ECI, &[R]).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "InvalidAction.NotFound")
    );
    let r = v1(a, "DescribeImageCaches", ECS, &[R]).await;
    assert_eq!(
        r.code(),
        "InvalidAction.NotFound",
        "routing uses the version too"
    );
    let r = v1(a, "CreateImageCache", ECI, &[R, ("Image.1", "x")]).await;
    assert_eq!(r.code(), "MissingParameter");
    assert!(r.json()["Message"]
        .as_str()
        .unwrap()
        .contains("ImageCacheName"));
}

#[tokio::test]
async fn form_body_and_plus_decoding() {
    let emu = start().await;
    let mut req = V1::new(
        "CreateImageCache",
        ECI,
        &[
            R,
            ("ImageCacheName", "a b+c"),
            ("Image.1", "nginx"),
            ("Tag.1.Key", "env name"),
            ("Tag.1.Value", "测试 a+b=c&d"),
        ],
    );
    req.method = "POST";
    req.in_body = true;
    let r = req.send(emu.addr()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let state = emu.state();
    let c = &state["image_caches"][0];
    assert_eq!(c["image_cache_name"], "a b+c");
    assert_eq!(c["tags"][0]["value"], "测试 a+b=c&d");
    // The same name given twice (query and body) is refused.
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.method = "POST";
    req.in_body = true;
    req.params
        .push(("Action".into(), "DescribeImageCaches".into()));
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "InvalidParameter"
    );
}

#[tokio::test]
async fn xml_is_the_default_format() {
    let emu = start().await;
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.format = None;
    let r = req.send(emu.addr()).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/xml;charset=utf-8"));
    assert!(
        r.body.contains("<DescribeImageCachesResponse>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<RequestId>"));
    let mut req = V1::new("DeleteImageCache", ECI, &[R, ("ImageCacheId", "imc-none")]);
    req.format = Some("xml");
    let r = req.send(emu.addr()).await.unwrap();
    assert!(
        r.body.contains("<Error>") && r.body.contains("<Code>InvalidParameter.NotFound</Code>"),
        "{}",
        r.body
    );
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.format = Some("json");
    assert!(
        req.send(emu.addr()).await.unwrap().json().is_object(),
        "lowercase json works"
    );
}

#[tokio::test]
async fn dropped_connection_before_has_no_side_effect_after_has_one() {
    let emu = start().await;
    let a = emu.addr();
    emu.push_fault(
        "CreateImageCache",
        Fault::new(FaultKind::Drop, FaultPhase::Before),
    );
    let p = [
        R,
        ("ImageCacheName", "x"),
        ("Image.1", "nginx"),
        ("ClientToken", "tok-1"),
    ];
    assert!(V1::new("CreateImageCache", ECI, &p).send(a).await.is_none());
    assert_eq!(emu.object_count(), 0);
    emu.push_fault(
        "CreateImageCache",
        Fault::new(FaultKind::Drop, FaultPhase::After),
    );
    assert!(V1::new("CreateImageCache", ECI, &p).send(a).await.is_none());
    assert_eq!(emu.object_count(), 1, "side effect done, answer lost");
    // The retry with the same token gets the same id and creates nothing.
    let r = v1(a, "CreateImageCache", ECI, &p).await;
    assert_eq!(r.status, 200);
    let id = r.json()["ImageCacheId"].as_str().unwrap().to_string();
    assert_eq!(
        emu.state()["image_caches"][0]["image_cache_id"],
        id.as_str()
    );
    assert_eq!(emu.object_count(), 1);
    // Same token, different parameters.
    let r = v1(
        a,
        "CreateImageCache",
        ECI,
        &[
            R,
            ("ImageCacheName", "y"),
            ("Image.1", "nginx"),
            ("ClientToken", "tok-1"),
        ],
    )
    .await;
    assert_eq!(r.code(), "IdempotentParameterMismatch");
    let long = "t".repeat(65);
    let r = v1(
        a,
        "CreateImageCache",
        ECI,
        &[
            R,
            ("ImageCacheName", "y"),
            ("Image.1", "nginx"),
            ("ClientToken", &long),
        ],
    )
    .await;
    assert_eq!(r.code(), "InvalidParameter");
    let counts = emu.call_counts();
    assert_eq!(counts.received["CreateImageCache"], 5);
    assert_eq!(counts.faulted["CreateImageCache"], 2);
    assert_eq!(counts.succeeded["CreateImageCache"], 1);
}

#[tokio::test]
async fn throttling_unavailable_internal_faults_and_random_rate() {
    let emu = start().await;
    let a = emu.addr();
    emu.push_fault(
        "",
        Fault {
            kind: FaultKind::Throttling,
            phase: FaultPhase::Before,
            retry_after_ms: Some(50),
        },
    );
    emu.push_fault("", Fault::new(FaultKind::Unavailable, FaultPhase::Before));
    emu.push_fault("", Fault::new(FaultKind::Internal, FaultPhase::After));
    let r = v1(a, "DescribeImageCaches", ECI, &[R]).await;
    assert_eq!((r.status, r.code().as_str()), (400, "Throttling.User"));
    assert_eq!(r.header("x-acs-retry-after"), Some("50"));
    let r = v1(a, "DescribeImageCaches", ECI, &[R]).await;
    assert_eq!((r.status, r.code().as_str()), (503, "ServiceUnavailable"));
    let r = v1(a, "DescribeImageCaches", ECI, &[R]).await;
    assert_eq!((r.status, r.code().as_str()), (500, "InternalError"));
    // Random faults: rate 1 restricted to one action.
    emu.set_faults(1.0, 3);
    emu.set_fault_actions(&["CreateImageCache"]);
    assert_eq!(v1(a, "DescribeImageCaches", ECI, &[R]).await.status, 200);
    let mut faulted = 0;
    for i in 0..6 {
        let name = format!("n{i}");
        match V1::new(
            "CreateImageCache",
            ECI,
            &[R, ("ImageCacheName", &name), ("Image.1", "x")],
        )
        .send(a)
        .await
        {
            Some(r) if r.status == 200 => {}
            _ => faulted += 1,
        }
    }
    assert_eq!(faulted, 6);
    assert_eq!(emu.call_counts().faulted["CreateImageCache"], 6);
    // Inspection is never faulted.
    emu.set_fault_actions(&[]);
    assert!(get_json(a, "/_emulator/calls").await["received"].is_object());
}

#[tokio::test]
async fn update_no_need_and_incorrect_status_over_http() {
    let mut config = Config::for_tests();
    config.timings = Timings::uniform(Duration::from_secs(3600));
    config.clock = aliyun_emulator::Clock::manual();
    let emu = Emulator::start(config).await.unwrap();
    let a = emu.addr();
    let id = create_cache(a, "c").await;
    let r = v1(
        a,
        "UpdateImageCache",
        ECI,
        &[R, ("ImageCacheId", &id), ("ImageCacheName", "d")],
    )
    .await;
    assert_eq!(r.code(), "ImageCache.IncorrectStatus");
    let r = v1(a, "DeleteImageCache", ECI, &[R, ("ImageCacheId", &id)]).await;
    assert_eq!(r.code(), "ImageCache.IncorrectStatus");
    emu.clock().advance(Duration::from_secs(7200));
    let r = v1(
        a,
        "UpdateImageCache",
        ECI,
        &[R, ("ImageCacheId", &id), ("ImageCacheName", "c")],
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "NoNeedUpdate"));
    assert_eq!(
        r.json()["Message"],
        "There are no changes to be updated for current resource."
    );
    let r = v1(
        a,
        "UpdateImageCache",
        ECI,
        &[R, ("ImageCacheId", &id), ("Image.1", "nginx:latest")],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)]).await;
    assert_eq!(r.json()["ImageCaches"][0]["Status"], "Updating");
    let r = v1(
        a,
        "UpdateImageCache",
        ECI,
        &[R, ("ImageCacheId", "imc-none"), ("ImageCacheName", "x")],
    )
    .await;
    assert_eq!(r.code(), "InvalidParameter.NotFound");
}

#[tokio::test]
async fn data_cache_options_round_trip_over_http() {
    let emu = start().await;
    let a = emu.addr();
    let r = v1(
        a,
        "CreateDataCache",
        ECI,
        &[
            R,
            ("Path", "/model/sd21"),
            ("DataSource.Type", "URL"),
            ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
            (
                "DataSource.Options.#6#repoId",
                "stabilityai/stable-diffusion-2-1",
            ),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "ml"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["DataCacheId"].as_str().unwrap().to_string();
    let r = v1(a, "DescribeDataCaches", ECI, &[R, ("DataCacheId.1", &id)]).await;
    let item = &r.json()["DataCaches"][0];
    assert_eq!(item["Status"], "Available");
    let opts: Value =
        serde_json::from_str(item["DataSource"]["Options"].as_str().unwrap()).unwrap();
    assert_eq!(
        opts,
        json!({"repoId": "stabilityai/stable-diffusion-2-1", "repoSource": "HuggingFace/Model"})
    );
    assert_eq!(item["Tags"], json!([{"Key": "team", "Value": "ml"}]));
    let r = v1(
        a,
        "CreateDataCache",
        ECI,
        &[R, ("DataSource.Options.#9#repoId", "x")],
    )
    .await;
    assert_eq!(r.code(), "InvalidParameter");
    let r = v1(
        a,
        "TagResources",
        ECI,
        &[
            R,
            ("ResourceType", "DataCache"),
            ("ResourceId.1", &id),
            ("Tag.1.Key", "b"),
            ("Tag.1.Value", "2"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = v1(
        a,
        "ListTagResources",
        ECI,
        &[R, ("ResourceType", "DataCache"), ("ResourceId.1", &id)],
    )
    .await;
    assert_eq!(r.json()["TagResources"].as_array().unwrap().len(), 2);
    let r = v1(a, "DeleteDataCache", ECI, &[R, ("DataCacheId", &id)]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn pipeline_execution_over_http() {
    let mut config = Config::for_tests();
    config.timings = Timings::uniform(Duration::from_secs(1));
    config.clock = aliyun_emulator::Clock::manual();
    config
        .templates
        .push(TemplateSeed::new("stuck", PipelineOutcome::Stuck));
    let emu = Emulator::start(config).await.unwrap();
    let a = emu.addr();
    let stuck = emu.template_ids()[0].clone();
    let ok = emu.seed_template(TemplateSeed {
        test_content: true,
        ..TemplateSeed::new("ok", PipelineOutcome::Success)
    });
    let r = v1(
        a,
        "StartImagePipelineExecution",
        ECS,
        &[
            R,
            ("ImagePipelineId", &ok),
            ("Tag.1.Key", "TestKey"),
            ("Tag.1.Value", "Test Value"),
            ("ClientToken", "c1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let exec = r.json()["ExecutionId"].as_str().unwrap().to_string();
    let again = v1(
        a,
        "StartImagePipelineExecution",
        ECS,
        &[
            R,
            ("ImagePipelineId", &ok),
            ("Tag.1.Key", "TestKey"),
            ("Tag.1.Value", "Test Value"),
            ("ClientToken", "c1"),
        ],
    )
    .await;
    assert_eq!(
        again.json()["ExecutionId"],
        exec.as_str(),
        "ClientToken replay"
    );
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let r = v1(
            a,
            "DescribeImagePipelineExecutions",
            ECS,
            &[R, ("ExecutionId", &exec)],
        )
        .await;
        let item = r.json()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone();
        statuses.push(item["Status"].as_str().unwrap().to_string());
        emu.clock().advance(Duration::from_secs(1));
        if item["Status"] == "SUCCESS" {
            assert!(item["ImageId"].as_str().unwrap().starts_with("m-"));
            assert_eq!(
                item["Tags"]["Tag"][0],
                json!({"TagKey": "TestKey", "TagValue": "Test Value"})
            );
            break;
        }
    }
    assert_eq!(
        statuses,
        [
            "PREPARING",
            "BUILDING",
            "TESTING",
            "DISTRIBUTING",
            "RELEASING",
            "SUCCESS"
        ]
    );
    let s = v1(
        a,
        "StartImagePipelineExecution",
        ECS,
        &[R, ("ImagePipelineId", &stuck)],
    )
    .await
    .json()["ExecutionId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = v1(
        a,
        "StartImagePipelineExecution",
        ECS,
        &[R, ("ImagePipelineId", &stuck)],
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "InvalidImagePipeline.HasRunningExecution")
    );
    assert_eq!(
        v1(
            a,
            "CancelImagePipelineExecution",
            ECS,
            &[R, ("ExecutionId", &s)]
        )
        .await
        .status,
        200
    );
    emu.clock().advance(Duration::from_secs(1));
    let r = v1(
        a,
        "DescribeImagePipelineExecutions",
        ECS,
        &[R, ("ImagePipelineId", &stuck), ("Status", "CANCELLED")],
    )
    .await;
    assert_eq!(r.json()["TotalCount"], 1);
    let r = v1(
        a,
        "CancelImagePipelineExecution",
        ECS,
        &[R, ("ExecutionId", &s)],
    )
    .await;
    assert_eq!(r.code(), "InvalidStatus.CancelFailed");
    let r = v1(
        a,
        "DescribeImagePipelineExecutions",
        ECS,
        &[R, ("ExecutionId", "exec-none")],
    )
    .await;
    assert_eq!(
        r.json()["ImagePipelineExecution"],
        json!({"ImagePipelineExecutionSet": []})
    );
    let r = v1(
        a,
        "StartImagePipelineExecution",
        ECS,
        &[R, ("ImagePipelineId", "ip-none")],
    )
    .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "InvalidImagePipeline.NotFound")
    );
}

#[tokio::test]
async fn inspection_api() {
    let emu = start().await;
    let a = emu.addr();
    let mut req = V1::new(
        "CreateImageCache",
        ECI,
        &[
            R,
            ("ImageCacheName", "secret-cache"),
            ("Image.1", "x"),
            ("SecurityGroupId", "sg-1"),
            ("ImageRegistryCredential.1.Server", "reg"),
            ("ImageRegistryCredential.1.Password", "hunter2"),
        ],
    );
    req.format = Some("JSON");
    let id = req.send(a).await.unwrap().json()["ImageCacheId"]
        .as_str()
        .unwrap()
        .to_string();
    let state = get_json(a, "/_emulator/state").await;
    assert_eq!(state["image_caches"][0]["security_group_id"], "sg-1");
    assert_eq!(state["image_caches"][0]["status"], "Ready");
    for k in ["data_caches", "image_pipelines", "executions"] {
        assert!(state[k].is_array());
    }
    let calls = get_json(a, "/_emulator/calls").await;
    assert_eq!(calls["received"]["CreateImageCache"], 1);
    assert_eq!(calls["succeeded"]["CreateImageCache"], 1);
    let log = get_json(a, "/_emulator/requests").await;
    let text = log.to_string();
    assert!(!text.contains("hunter2"), "passwords are masked");
    assert!(text.contains("******"));
    assert_eq!(log[0]["action"], "CreateImageCache");

    let r = post_json(
        a,
        "PATCH",
        &format!("/_emulator/objects/{id}"),
        json!({"ImageCacheName": "drifted", "Status": "UpdateFailed"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)])
        .await
        .json();
    assert_eq!(d["ImageCaches"][0]["ImageCacheName"], "drifted");
    assert_eq!(d["ImageCaches"][0]["Status"], "UpdateFailed");
    let r = post_json(
        a,
        "PATCH",
        &format!("/_emulator/objects/{id}"),
        json!({"Nope": 1}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(a, "DELETE", &format!("/_emulator/objects/{id}"), &[], b"")
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(
        v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)])
            .await
            .json()["ImageCaches"],
        json!([])
    );
    assert_eq!(
        send(a, "DELETE", &format!("/_emulator/objects/{id}"), &[], b"")
            .await
            .unwrap()
            .status,
        404
    );

    let r = post_json(
        a,
        "POST",
        "/_emulator/templates",
        json!({"name": "t", "outcome": "FAILED", "message": "disk full"}),
    )
    .await;
    let ip = r.json()["ImagePipelineId"].as_str().unwrap().to_string();
    assert!(ip.starts_with("ip-"));
    let r = post_json(a, "POST", "/_emulator/rules", json!({"kind": "image_cache", "name_contains": "bad", "on": "create", "outcome": "Failed", "message": "pull denied"})).await;
    assert_eq!(r.json()["rules"], 1);
    let bad = create_cache(a, "bad-cache").await;
    let d = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &bad)])
        .await
        .json();
    assert_eq!(d["ImageCaches"][0]["Status"], "Failed");
    assert_eq!(d["ImageCaches"][0]["Events"][0]["Type"], "Warning");
    assert_eq!(d["ImageCaches"][0]["Events"][0]["Message"], "pull denied");
    let r = post_json(
        a,
        "POST",
        "/_emulator/faults",
        json!({"rate": 1.0, "seed": 1, "actions": ["DescribeDataCaches"]}),
    )
    .await;
    assert_eq!(r.json()["rate"], 1.0);
    let r = post_json(
        a,
        "POST",
        "/_emulator/faults",
        json!({"script": [{"action": "DescribeImageCaches", "kind": "unavailable"}]}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(v1(a, "DescribeImageCaches", ECI, &[R]).await.status, 503);
    let r = post_json(
        a,
        "POST",
        "/_emulator/clock",
        json!({"advance_seconds": 90000}),
    )
    .await;
    assert!(r.json()["now"].is_string());
    let r = send(a, "POST", "/_emulator/reset", &[], b"").await.unwrap();
    assert_eq!(r.status, 204);
    let state = get_json(a, "/_emulator/state").await;
    assert_eq!(state["image_caches"], json!([]));
    assert_eq!(state["image_pipelines"], json!([]));
    assert_eq!(get_json(a, "/_emulator/calls").await["received"], json!({}));
}

#[tokio::test]
async fn scripted_rules_and_patch_through_the_handle() {
    let emu = start().await;
    let a = emu.addr();
    emu.add_rule(OutcomeRule {
        kind: RuleKind::ImageCache,
        name_contains: "slow".into(),
        on: RuleOn::Create,
        outcome: Outcome::Stuck,
        message: String::new(),
    });
    let id = create_cache(a, "slow-one").await;
    let d = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)])
        .await
        .json();
    assert_eq!(d["ImageCaches"][0]["Status"], "Creating");
    assert!(emu.patch_object(&id, json!({"Status": "Ready"})));
    assert!(!emu.patch_object("imc-none", json!({"Status": "Ready"})));
    assert!(!emu.patch_object(&id, json!({"Status": "Bogus"})));
    let d = v1(a, "DescribeImageCaches", ECI, &[R, ("ImageCacheId", &id)])
        .await
        .json();
    assert_eq!(d["ImageCaches"][0]["Status"], "Ready");
    assert!(emu.delete_object(&id));
    assert!(!emu.delete_object(&id));
    emu.reset();
    assert_eq!(emu.calls("DescribeImageCaches"), 0);
}

#[tokio::test]
async fn security_tokens_and_extra_keys() {
    let mut config = Config::for_tests();
    config.security_tokens = Some(vec!["good-token".into()]);
    config
        .extra_access_keys
        .push(("second".into(), "second-secret".into()));
    let emu = Emulator::start(config).await.unwrap();
    let mut req = V1::new(
        "DescribeImageCaches",
        ECI,
        &[R, ("SecurityToken", "good-token")],
    );
    assert_eq!(req.send(emu.addr()).await.unwrap().status, 200);
    req.params = vec![
        ("RegionId".into(), "cn-hangzhou".into()),
        ("SecurityToken".into(), "bad".into()),
    ];
    req.nonce = nonce();
    assert_eq!(
        req.send(emu.addr()).await.unwrap().code(),
        "InvalidSecurityToken.Malformed"
    );
    let mut req = V1::new("DescribeImageCaches", ECI, &[R]);
    req.key = "second";
    req.secret = "second-secret";
    assert_eq!(req.send(emu.addr()).await.unwrap().status, 200);
}

#[tokio::test]
async fn shutdown_and_drop_stop_serving() {
    let emu = start().await;
    let a = emu.addr();
    assert_eq!(v1(a, "DescribeImageCaches", ECI, &[R]).await.status, 200);
    emu.shutdown().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(a).await.is_err());
    let emu = start().await;
    let a = emu.addr();
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(a).await.is_err());
}
