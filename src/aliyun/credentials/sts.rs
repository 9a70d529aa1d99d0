//! STS (`2015-04-01`): `AssumeRole` (signed, layered over any
//! [`CredentialProvider`], which stays live: a source that expires is
//! refreshed before it signs the next AssumeRole) and `AssumeRoleWithOIDC`
//! (anonymous; the token file is read again before every call, because RRSA
//! and CI tokens rotate).
//!
//! Wire layout (the Go SDK's): a `POST` whose query holds the common
//! parameters and the signature, and whose form body holds `RoleArn`,
//! `RoleSessionName`, `DurationSeconds`, `Policy`, `ExternalId` (and
//! `OIDCProviderArn`, `OIDCToken`). The v1 signature covers the union with
//! method `POST` and the standard percent-encoding ([`signer`](crate::aliyun::signer)).
//! Timeouts: 5 s connect, 15 s per request; transient failures
//! (transport, HTTP 5xx, `Throttling*`) are retried twice.
//!
//! Answer: `{"Credentials": {"AccessKeyId", "AccessKeySecret",
//! "SecurityToken", "Expiration": "YYYY-MM-DDTHH:MM:SSZ"}}`; an error answer
//! is reported by `Code`, `Message` and `RequestId`, never by echoing the body.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::chain::{CredentialProvider, CredentialsError, Fetched, Source};
use super::{parse_expiration, Credentials, Secret};
use crate::aliyun::signer;

/// STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// Default session length (all SDKs and the official provider agree).
pub const DEFAULT_DURATION: u64 = 3600;

/// The `sts.aliyuncs.com` default endpoint.
pub const GLOBAL_ENDPOINT: &str = "https://sts.aliyuncs.com";

/// Regions with a regional STS endpoint `sts.<region>.aliyuncs.com`.
pub const REGIONAL: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "eu-west-1",
    "eu-central-1",
    "ap-south-1",
    "me-east-1",
    "me-central-1",
    "cn-shanghai-finance-1",
    "cn-beijing-finance-1",
    "cn-wuhan-lr",
];

/// The STS endpoint for a region: `sts.<region>.aliyuncs.com` when the region
/// has one, otherwise the global endpoint; `vpc` uses `sts-vpc.`.
pub fn endpoint_for_region(region: &str, vpc: bool) -> String {
    if vpc && !region.is_empty() {
        return format!("https://sts-vpc.{region}.aliyuncs.com");
    }
    if REGIONAL.contains(&region) {
        format!("https://sts.{region}.aliyuncs.com")
    } else {
        GLOBAL_ENDPOINT.to_string()
    }
}

/// An endpoint given as a host (`sts.cn-hangzhou.aliyuncs.com`) or a URL,
/// as a base URL without a trailing slash.
pub fn normalize_endpoint(raw: &str) -> String {
    let raw = raw.trim().trim_end_matches('/');
    if raw.starts_with("http://") || raw.starts_with("https://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    }
}

/// Parameters of an `AssumeRole` or `AssumeRoleWithOIDC` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleParams {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// `DurationSeconds` (900..=43200).
    pub duration_seconds: u64,
    /// Inline policy narrowing the role.
    pub policy: Option<String>,
    /// `ExternalId` (AssumeRole only).
    pub external_id: Option<String>,
}

impl RoleParams {
    /// Role with the default session name `terraform` and 3600 s.
    pub fn new(role_arn: impl Into<String>) -> Self {
        RoleParams {
            role_arn: role_arn.into(),
            session_name: "terraform".into(),
            duration_seconds: DEFAULT_DURATION,
            policy: None,
            external_id: None,
        }
    }
}

/// Where the OIDC token comes from.
#[derive(Clone, Debug)]
pub enum OidcToken {
    /// The token itself.
    Literal(Secret),
    /// A file, read again before every call.
    File(String),
}

fn http_client(connect: Duration, total: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(total)
        .user_agent(concat!("aliyun-rpc-client-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building a client without TLS customisation only fails when the
        // system has no TLS backend at all; fall back to the default client.
        .unwrap_or_default()
}

/// `AssumeRole` over `base`.
pub struct AssumeRole {
    base: CredentialProvider,
    endpoint: String,
    params: RoleParams,
    http: reqwest::Client,
}

impl AssumeRole {
    /// Assumes `params.role_arn` with the credentials of `base`, at `endpoint`.
    pub fn new(base: CredentialProvider, endpoint: &str, params: RoleParams) -> Self {
        AssumeRole {
            base,
            endpoint: normalize_endpoint(endpoint),
            params,
            http: http_client(Duration::from_secs(5), Duration::from_secs(15)),
        }
    }
}

#[async_trait::async_trait]
impl Source for AssumeRole {
    fn name(&self) -> String {
        format!(
            "AssumeRole {} over {}",
            self.params.role_arn,
            self.base.describe()
        )
    }

    async fn fetch(&self) -> Result<Fetched, CredentialsError> {
        let mut refreshed_base = false;
        let mut base =
            self.base.get().await.map_err(|e| {
                CredentialsError::new(self.name(), format!("its source failed: {e}"))
            })?;
        let mut body = vec![
            ("RoleArn".to_string(), self.params.role_arn.clone()),
            ("RoleSessionName".into(), self.params.session_name.clone()),
            (
                "DurationSeconds".into(),
                self.params.duration_seconds.to_string(),
            ),
        ];
        if let Some(p) = &self.params.policy {
            body.push(("Policy".into(), p.clone()));
        }
        if let Some(e) = &self.params.external_id {
            body.push(("ExternalId".into(), e.clone()));
        }
        loop {
            let mut query = common("AssumeRole");
            query.push(("AccessKeyId".into(), base.access_key_id.clone()));
            query.push(("SignatureMethod".into(), "HMAC-SHA1".into()));
            query.push(("SignatureVersion".into(), "1.0".into()));
            query.push(("SignatureNonce".into(), signer::nonce()));
            if let Some(t) = &base.security_token {
                query.push(("SecurityToken".into(), t.expose().to_string()));
            }
            let all: Vec<(String, String)> = query.iter().chain(body.iter()).cloned().collect();
            let sig = signer::sign("POST", &all, base.access_key_secret.expose());
            query.push((signer::SIGNATURE_PARAM.into(), sig));
            match call(&self.http, &self.endpoint, &query, &body).await {
                Err(CallError::Api { code, .. })
                    if !refreshed_base
                        && self.base.is_refreshable()
                        && is_token_rejection(&code) =>
                {
                    // The source credential expired under us: renew it once.
                    refreshed_base = true;
                    base = self
                        .base
                        .refresh_after_rejection(&base.access_key_id)
                        .await
                        .map_err(|e| {
                            CredentialsError::new(self.name(), format!("its source failed: {e}"))
                        })?;
                }
                other => return other.map_err(|e| CredentialsError::new(self.name(), e.message())),
            }
        }
    }
}

/// `AssumeRoleWithOIDC` (no signature, no AccessKey).
pub struct AssumeRoleWithOidc {
    provider_arn: String,
    token: OidcToken,
    endpoint: String,
    params: RoleParams,
    http: reqwest::Client,
}

impl AssumeRoleWithOidc {
    /// Exchanges the OIDC token for `params.role_arn` at `endpoint`.
    pub fn new(provider_arn: &str, token: OidcToken, endpoint: &str, params: RoleParams) -> Self {
        AssumeRoleWithOidc {
            provider_arn: provider_arn.to_string(),
            token,
            endpoint: normalize_endpoint(endpoint),
            params,
            http: http_client(Duration::from_secs(5), Duration::from_secs(15)),
        }
    }
}

#[async_trait::async_trait]
impl Source for AssumeRoleWithOidc {
    fn name(&self) -> String {
        format!("AssumeRoleWithOIDC {}", self.params.role_arn)
    }

    async fn fetch(&self) -> Result<Fetched, CredentialsError> {
        match self.exchange().await {
            // A rotated token file may already hold a fresh token: read it again, once.
            Err(CallError::Api { code, .. })
                if code == "AuthenticationFail.OIDCToken.Expired"
                    && matches!(self.token, OidcToken::File(_)) =>
            {
                self.exchange().await
            }
            other => other,
        }
        .map_err(|e| CredentialsError::new(self.name(), e.message()))
    }
}

impl AssumeRoleWithOidc {
    async fn exchange(&self) -> Result<Fetched, CallError> {
        let token = match &self.token {
            OidcToken::Literal(t) => t.expose().to_string(),
            OidcToken::File(path) => std::fs::read_to_string(path)
                .map_err(|e| {
                    CallError::Other(format!("cannot read the OIDC token file {path}: {e}"))
                })?
                .trim()
                .to_string(),
        };
        if token.is_empty() {
            return Err(CallError::Other("the OIDC token is empty".into()));
        }
        let query = common("AssumeRoleWithOIDC");
        let mut body = vec![
            ("RoleArn".to_string(), self.params.role_arn.clone()),
            ("OIDCProviderArn".into(), self.provider_arn.clone()),
            ("OIDCToken".into(), token),
            ("RoleSessionName".into(), self.params.session_name.clone()),
            (
                "DurationSeconds".into(),
                self.params.duration_seconds.to_string(),
            ),
        ];
        if let Some(p) = &self.params.policy {
            body.push(("Policy".into(), p.clone()));
        }
        call(&self.http, &self.endpoint, &query, &body).await
    }
}

fn common(action: &str) -> Vec<(String, String)> {
    vec![
        ("Action".into(), action.to_string()),
        ("Version".into(), STS_VERSION.into()),
        ("Format".into(), "JSON".into()),
        ("Timestamp".into(), signer::timestamp(SystemTime::now())),
    ]
}

/// Codes meaning "the token you signed with is no good any more".
pub fn is_token_rejection(code: &str) -> bool {
    matches!(
        code,
        "InvalidSecurityToken.Expired" | "InvalidSecurityToken.MismatchWithAccessKey"
    )
}

enum CallError {
    Api {
        code: String,
        status: u16,
        message: String,
        request_id: String,
    },
    Other(String),
}

impl CallError {
    fn message(&self) -> String {
        match self {
            CallError::Api {
                code,
                status,
                message,
                request_id,
            } => {
                let mut m = format!("STS answered {code} (HTTP {status})");
                if !message.is_empty() {
                    m.push_str(": ");
                    m.push_str(message);
                }
                if !request_id.is_empty() {
                    m.push_str(&format!(" (RequestId: {request_id})"));
                }
                m
            }
            CallError::Other(m) => m.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsAnswer {
    credentials: Option<StsCredentials>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsCredentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    expiration: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct StsErrorBody {
    code: String,
    message: String,
    request_id: String,
}

/// One STS call with up to three attempts for transient failures.
async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    query: &[(String, String)],
    body: &[(String, String)],
) -> Result<Fetched, CallError> {
    let url = format!("{endpoint}/?{}", signer::form_body(query));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = once(http, &url, endpoint, body).await;
        let transient = match &result {
            Err(CallError::Other(_)) => true,
            Err(CallError::Api { code, status, .. }) => {
                *status >= 500 || code.starts_with("Throttling")
            }
            Ok(_) => false,
        };
        if !transient || attempt >= 3 {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
    }
}

async fn once(
    http: &reqwest::Client,
    url: &str,
    endpoint: &str,
    body: &[(String, String)],
) -> Result<Fetched, CallError> {
    let response = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(signer::form_body(body))
        .send()
        .await
        .map_err(|e| CallError::Other(format!("POST {endpoint}: {}", describe_reqwest(&e))))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| CallError::Other(format!("reading the answer: {}", describe_reqwest(&e))))?;
    if !(200..300).contains(&status) {
        let err: StsErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        if err.code.is_empty() {
            return Err(CallError::Other(format!(
                "HTTP {status} without an Alibaba error body"
            )));
        }
        return Err(CallError::Api {
            code: err.code,
            status,
            message: err.message,
            request_id: err.request_id,
        });
    }
    let answer: StsAnswer = serde_json::from_slice(&bytes)
        .map_err(|_| CallError::Other("the answer is not the expected JSON".into()))?;
    let c = answer
        .credentials
        .ok_or_else(|| CallError::Other("the answer has no Credentials".into()))?;
    if c.access_key_id.is_empty() || c.access_key_secret.is_empty() || c.security_token.is_empty() {
        return Err(CallError::Other(
            "the answer's Credentials are incomplete".into(),
        ));
    }
    let expiration = parse_expiration(&c.expiration).ok_or_else(|| {
        CallError::Other(format!(
            "the Expiration {:?} is not a UTC time",
            c.expiration
        ))
    })?;
    Ok(Fetched {
        credentials: Credentials::new(c.access_key_id, c.access_key_secret)
            .with_security_token(c.security_token),
        expiration: Some(expiration),
    })
}

/// A reqwest error's kind and causes (URLs carry no secret here: the query
/// holds only common parameters and the signature, which is removed).
pub(crate) fn describe_reqwest(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut message = what.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper's messages may quote the URL, whose query holds the signature.
        if !text.contains("Signature=") {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_spec_rule() {
        assert_eq!(
            endpoint_for_region("cn-hangzhou", false),
            "https://sts.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(endpoint_for_region("xx-nowhere-1", false), GLOBAL_ENDPOINT);
        assert_eq!(
            endpoint_for_region("cn-hangzhou", true),
            "https://sts-vpc.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            normalize_endpoint("sts.aliyuncs.com/"),
            "https://sts.aliyuncs.com"
        );
        assert_eq!(
            normalize_endpoint("http://127.0.0.1:9/"),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn post_layout_signs_the_union_like_vector_s2() {
        // Published AssumeRole vectors: the same parameters signed for GET and POST.
        let query = [
            ("Action".to_string(), "AssumeRole".to_string()),
            ("Version".into(), "2015-04-01".into()),
            ("Format".into(), "JSON".into()),
            ("Timestamp".into(), "2024-06-01T12:00:00Z".into()),
            ("AccessKeyId".into(), "testid".into()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            (
                "SignatureNonce".into(),
                "3f2b6a34-1c1e-4f5e-9a6d-8d2c2b9e0f11".into(),
            ),
        ];
        let body = [
            (
                "RoleArn".to_string(),
                "acs:ram::1234567890123456:role/terraform".to_string(),
            ),
            ("RoleSessionName".into(), "terraform".into()),
            ("DurationSeconds".into(), "3600".into()),
        ];
        let all: Vec<_> = query.iter().chain(body.iter()).cloned().collect();
        assert_eq!(
            signer::sign("POST", &all, "testsecret"),
            "amm3Oc21Y/u8rF4iu8iefEs9tXs="
        );
        assert_eq!(
            signer::sign("GET", &all, "testsecret"),
            "84f/Z5B7RdULfG1rgVix1O/JTIY="
        );
    }
}
