//! The HTTP client: configuration, endpoints, and the one generic
//! [`Client::call`] that every action goes through.
//!
//! `call` owns the whole life of a request: flatten the typed request once,
//! then for each attempt add fresh common parameters (`SignatureNonce`,
//! `Timestamp`), sign, `POST` everything as an
//! `application/x-www-form-urlencoded` body (as the official Terraform
//! provider does), decode the answer, and on a transient failure sleep with
//! backoff and try again. The caller's [`CallContext`] bounds the loop: its
//! deadline and cancellation token abort both a sleep and a request in
//! flight.
//!
//! Credentials are asked of the [`CredentialProvider`] before every attempt,
//! so a temporary credential is refreshed inside retries and long waits.
//! When the service refuses the token (`InvalidSecurityToken.Expired` or
//! `.MismatchWithAccessKey`), a refreshable credential is renewed once and
//! the request sent again; a fixed STS token gets an error saying it expired
//! and which sources can refresh.
//!
//! Typed per-action methods live in [`eci`](super::eci) and
//! [`ecs`](super::ecs); they are thin wrappers over `call`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::coalesce::{Coalescer, WriteCounter};
use super::credentials::{CredentialProvider, Credentials};
use super::de;
use super::eci::{DataCache, ImageCache};
use super::error::{ApiError, Redactor};
use super::params;
use super::rejection::{CredentialGate, Pass};
use super::retry::{self, RetryPolicy};
use super::signer;
use super::token::ClientToken;

/// The two products (API versions) this client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Product {
    /// Elastic Container Instance, API version `2018-08-08`.
    Eci,
    /// Elastic Compute Service, API version `2014-05-26`.
    Ecs,
}

impl Product {
    /// The `Version` parameter of this product's API.
    pub fn version(self) -> &'static str {
        match self {
            Product::Eci => "2018-08-08",
            Product::Ecs => "2014-05-26",
        }
    }

    /// The public HTTPS endpoint of this product in `region`
    /// (see docs/development/api-reference.md, «RPC transport and endpoints»):
    /// the regional pattern, except for the irregular entries of the API metadata.
    pub fn default_endpoint(self, region: &str) -> String {
        let host = match (self, region) {
            (Product::Eci, "cn-shanghai-finance-1") => {
                "eci.cn-shanghai-finance.aliyuncs.com".into()
            }
            (Product::Eci, "cn-shenzhen-finance-1") => {
                "eci.cn-shenzhen-finance.aliyuncs.com".into()
            }
            (Product::Ecs, "cn-hangzhou-finance") => "ecs.aliyuncs.com".into(),
            (Product::Ecs, "cn-shenzhen-finance-1") => "ecs-cn-hangzhou.aliyuncs.com".into(),
            (Product::Eci, _) => format!("eci.{region}.aliyuncs.com"),
            (Product::Ecs, _) => format!("ecs.{region}.aliyuncs.com"),
        };
        format!("https://{host}")
    }
}

/// Everything needed to build a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Region of every call (`RegionId`), e.g. `cn-hangzhou`.
    pub region: String,
    /// Where the AccessKey (and STS token) of every request comes from.
    pub credentials: CredentialProvider,
    /// Full URL replacing the ECI endpoint (e.g. an emulator's
    /// `http://127.0.0.1:PORT`).
    pub eci_endpoint: Option<String>,
    /// Full URL replacing the ECS endpoint.
    pub ecs_endpoint: Option<String>,
    /// Retry policy of every call.
    pub retry: RetryPolicy,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of one HTTP attempt (connect included).
    pub request_timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Appended to the error of a refused fixed STS token: how the caller's
    /// users configure a source that renews itself (empty: nothing added).
    pub fixed_token_hint: String,
}

impl ClientConfig {
    /// A configuration with default endpoints, retries and timeouts
    /// (10 s connect, 30 s per attempt: every action of these APIs answers in
    /// well under a second, so an attempt that takes 30 s is lost, and trying again
    /// beats waiting longer).
    pub fn new(region: impl Into<String>, credentials: impl Into<CredentialProvider>) -> Self {
        ClientConfig {
            region: region.into(),
            credentials: credentials.into(),
            eci_endpoint: None,
            ecs_endpoint: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            user_agent: concat!("aliyun-rpc-client-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            fixed_token_hint: String::new(),
        }
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid client configuration: {field}: {message}")]
pub struct ConfigError {
    /// Which [`ClientConfig`] field is wrong.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

/// Deadline and cancellation of one logical operation (all its retries).
#[derive(Clone, Debug, Default)]
pub struct CallContext {
    /// No attempt starts, and no sleep or request continues, past this.
    pub deadline: Option<Instant>,
    /// Firing it aborts the call promptly with [`ApiError::Cancelled`].
    pub cancel: CancellationToken,
}

impl CallContext {
    /// A context with the given deadline and cancellation token.
    pub fn new(deadline: Option<Instant>, cancel: CancellationToken) -> Self {
        CallContext { deadline, cancel }
    }

    /// A context whose deadline is `timeout` from now, with its own token.
    pub fn with_timeout(timeout: Duration) -> Self {
        CallContext {
            deadline: Some(Instant::now() + timeout),
            cancel: CancellationToken::new(),
        }
    }

    /// Time left before the deadline (`None` = no deadline).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// Alibaba Cloud RPC client. Cheap to clone (an `Arc` inside); all clones
/// share one pooled HTTP client.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    region: String,
    credentials: CredentialProvider,
    /// The URLs requests are posted to (the endpoints with a trailing `/`),
    /// parsed once: parsing (with IDNA host mapping) on every call was a visible
    /// share of the provider's CPU at a thousand resources.
    eci_url: reqwest::Url,
    ecs_url: reqwest::Url,
    retry: RetryPolicy,
    redactor: Redactor,
    fixed_token_hint: String,
    /// Reports a refused AccessKey once rather than once per call.
    gate: CredentialGate,
    /// Writes started and done, so coalesced reads never answer across one.
    writes: WriteCounter,
    /// Coalesced reads of image caches.
    image_caches: Coalescer<ImageCache>,
    /// Coalesced reads of data caches.
    data_caches: Coalescer<DataCache>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("credentials", &self.inner.credentials)
            .field("eci_endpoint", &self.endpoint(Product::Eci))
            .field("ecs_endpoint", &self.endpoint(Product::Ecs))
            .finish_non_exhaustive()
    }
}

/// The URL requests to `field`'s endpoint are posted to: the configured
/// endpoint, checked, or `default`; with a trailing `/`.
fn post_url(
    field: &'static str,
    configured: Option<&str>,
    default: String,
) -> Result<reqwest::Url, ConfigError> {
    let bad = |message: String| ConfigError { field, message };
    let Some(raw) = configured else {
        let url = format!("{default}/");
        return reqwest::Url::parse(&url).map_err(|e| bad(format!("{url:?}: {e}")));
    };
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(format!("{raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("{raw:?}: scheme must be http or https")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain user information".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(format!("{raw:?}: must not have a query or fragment")));
    }
    let url = format!("{}/", raw.trim().trim_end_matches('/'));
    reqwest::Url::parse(&url).map_err(|e| bad(format!("{raw:?}: {e}")))
}

impl Client {
    /// Builds a client. Makes no network call.
    pub fn new(config: ClientConfig) -> Result<Client, ConfigError> {
        let region = config.region.trim();
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ConfigError {
                field: "region",
                message: format!("{:?} is not a region ID like cn-hangzhou", config.region),
            });
        }
        if let Some(fixed) = config.credentials.static_credentials() {
            if fixed.access_key_id.trim().is_empty() {
                return Err(ConfigError {
                    field: "credentials.access_key_id",
                    message: "must not be empty".into(),
                });
            }
            if fixed.access_key_secret.is_empty() {
                return Err(ConfigError {
                    field: "credentials.access_key_secret",
                    message: "must not be empty".into(),
                });
            }
        }
        if config.retry.max_attempts == 0 {
            return Err(ConfigError {
                field: "retry.max_attempts",
                message: "must be at least 1".into(),
            });
        }
        let eci_url = post_url(
            "eci_endpoint",
            config.eci_endpoint.as_deref(),
            Product::Eci.default_endpoint(region),
        )?;
        let ecs_url = post_url(
            "ecs_endpoint",
            config.ecs_endpoint.as_deref(),
            Product::Ecs.default_endpoint(region),
        )?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ConfigError {
                field: "http client",
                message: e.to_string(),
            })?;
        let mut redactor = Redactor::default();
        if let Some(fixed) = config.credentials.static_credentials() {
            redactor.add(fixed.access_key_secret.expose());
            if let Some(token) = &fixed.security_token {
                redactor.add(token.expose());
            }
        }
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                region: region.to_owned(),
                credentials: config.credentials,
                eci_url,
                ecs_url,
                retry: config.retry,
                redactor,
                fixed_token_hint: config.fixed_token_hint,
                gate: CredentialGate::default(),
                writes: WriteCounter::default(),
                image_caches: Coalescer::default(),
                data_caches: Coalescer::default(),
            }),
        })
    }

    /// The region every call is made in.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The base URL used for `product` (without a trailing `/`).
    pub fn endpoint(&self, product: Product) -> &str {
        self.post_url(product).as_str().trim_end_matches('/')
    }

    /// The URL calls to `product` are posted to.
    fn post_url(&self, product: Product) -> &reqwest::Url {
        match product {
            Product::Eci => &self.inner.eci_url,
            Product::Ecs => &self.inner.ecs_url,
        }
    }

    /// Writes of this client, started and done (see [`coalesce`](super::coalesce)).
    pub(crate) fn writes(&self) -> &WriteCounter {
        &self.inner.writes
    }

    /// The coalescer of image cache reads.
    pub(crate) fn image_cache_reads(&self) -> &Coalescer<ImageCache> {
        &self.inner.image_caches
    }

    /// The coalescer of data cache reads.
    pub(crate) fn data_cache_reads(&self) -> &Coalescer<DataCache> {
        &self.inner.data_caches
    }

    /// The retry policy of this client.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Calls `action` of `product` with the flattened `request` (plus
    /// `RegionId` unless the request has its own, and `ClientToken` when
    /// `token` is given), retrying transient failures under the client's
    /// [`RetryPolicy`] within `cx`. Every attempt is signed anew; the token
    /// is the same on every attempt.
    pub async fn call<Req, Resp>(
        &self,
        product: Product,
        action: &str,
        request: &Req,
        token: Option<&ClientToken>,
        cx: &CallContext,
    ) -> Result<Resp, ApiError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let flattened = params::flatten(request).map_err(|e| ApiError::Encode {
            action: action.to_owned(),
            message: e.to_string(),
        })?;
        let mut redactor = self.inner.redactor.clone();
        for secret in flattened.secret_values() {
            redactor.add(secret);
        }
        let mut business: Vec<(String, String)> = Vec::new();
        if flattened.get("RegionId").is_none() {
            business.push(("RegionId".into(), self.inner.region.clone()));
        }
        business.extend(flattened.into_pairs());
        if let Some(token) = token {
            business.retain(|(name, _)| name != "ClientToken");
            business.push(("ClientToken".into(), token.as_str().to_owned()));
        }

        // Any call but a read is a write: coalesced listings never answer across it.
        let _write = (!(action.starts_with("Describe") || action.starts_with("List")))
            .then(|| self.inner.writes.begin());
        let policy = &self.inner.retry;
        let mut last: Option<ApiError> = None;
        let mut attempt: u32 = 0;
        let mut renewed = false;
        let gate = &self.inner.gate;
        // Held by the first call until its first answer (see `rejection`).
        let mut pass: Option<Pass<'_>> = None;
        loop {
            if cx.cancel.is_cancelled() {
                return Err(cancelled(action, attempt));
            }
            if cx.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(deadline_exceeded(action, attempt, last));
            }
            let creds = tokio::select! {
                biased;
                _ = cx.cancel.cancelled() => return Err(cancelled(action, attempt)),
                _ = sleep_until(cx.deadline) => {
                    return Err(deadline_exceeded(action, attempt, last));
                }
                creds = self.inner.credentials.get() => creds.map_err(|e| ApiError::Credentials {
                    action: action.to_owned(),
                    message: e.to_string(),
                    fixed_token_refused: false,
                })?,
            };
            if attempt == 0 {
                pass = tokio::select! {
                    biased;
                    _ = cx.cancel.cancelled() => return Err(cancelled(action, attempt)),
                    _ = sleep_until(cx.deadline) => return Err(deadline_exceeded(action, attempt, last)),
                    pass = gate.enter(&creds.access_key_id) => Some(pass.map_err(|code| {
                        ApiError::CredentialsRefused { action: action.to_owned(), code }
                    })?),
                };
            }
            attempt += 1;
            log::debug!(
                "{action}: attempt {attempt}/{} to {}",
                policy.max_attempts,
                self.endpoint(product)
            );
            let outcome = tokio::select! {
                biased;
                _ = cx.cancel.cancelled() => return Err(cancelled(action, attempt)),
                _ = sleep_until(cx.deadline) => {
                    return Err(deadline_exceeded(action, attempt, last));
                }
                outcome = self.attempt::<Resp>(product, action, &business, &creds, &redactor) => outcome,
            };
            gate.settle(&creds.access_key_id, outcome.as_ref().map(|_| ()));
            // The first answer settled whether the key is accepted: let the others go.
            drop(pass.take());
            let err = match outcome {
                Ok((resp, request_id)) => {
                    log::debug!("{action}: attempt {attempt} succeeded (RequestId {request_id})");
                    return Ok(resp);
                }
                Err(err) => err,
            };
            if is_token_rejected(&err) {
                let provider = &self.inner.credentials;
                if !provider.is_refreshable() {
                    return Err(ApiError::Credentials {
                        action: action.to_owned(),
                        message: format!(
                            "the service refused the STS security token ({err}). The token was given as a fixed \
                             value ({}), which cannot be renewed: it has most likely expired. Use a source that \
                             renews itself instead: AssumeRole, AssumeRoleWithOIDC, an ECS RAM role, a credentials \
                             URI, or a profile of mode RamRoleArn, OIDC, EcsRamRole, External or CredentialsURI{}",
                            provider.describe(),
                            self.inner.fixed_token_hint,
                        ),
                        fixed_token_refused: true,
                    });
                }
                if !renewed && attempt < policy.max_attempts.max(2) {
                    renewed = true;
                    log::debug!(
                        "{action}: attempt {attempt}: the security token was refused; renewing it"
                    );
                    let renewal = tokio::select! {
                        biased;
                        _ = cx.cancel.cancelled() => return Err(cancelled(action, attempt)),
                        _ = sleep_until(cx.deadline) => {
                            return Err(deadline_exceeded(action, attempt, Some(err)));
                        }
                        r = provider.refresh_after_rejection(&creds.access_key_id) => r,
                    };
                    if let Err(e) = renewal {
                        return Err(ApiError::Credentials {
                            action: action.to_owned(),
                            message: e.to_string(),
                            fixed_token_refused: false,
                        });
                    }
                    last = Some(err);
                    continue;
                }
            }
            let Some(kind) = retry::classify(&err) else {
                log::debug!("{action}: attempt {attempt} failed, not retryable: {err}");
                return Err(err);
            };
            if attempt >= policy.max_attempts {
                log::debug!("{action}: attempt {attempt} failed, no attempts left: {err}");
                return Err(err);
            }
            let wait = retry::delay(policy, &err, kind, attempt, rand::random::<f64>());
            if cx.deadline.is_some_and(|d| Instant::now() + wait >= d) {
                log::debug!("{action}: attempt {attempt} failed; the deadline comes before the next attempt: {err}");
                return Err(deadline_exceeded(action, attempt, Some(err)));
            }
            log::debug!(
                "{action}: attempt {attempt} failed ({kind:?}, code {}, RequestId {}); retrying in {wait:?}",
                err.code().unwrap_or("-"),
                err.request_id().unwrap_or("-"),
            );
            tokio::select! {
                biased;
                _ = cx.cancel.cancelled() => return Err(cancelled(action, attempt)),
                _ = tokio::time::sleep(wait) => {}
            }
            last = Some(err);
        }
    }

    /// One signed HTTP exchange. Returns the decoded answer and its RequestId.
    async fn attempt<Resp: DeserializeOwned>(
        &self,
        product: Product,
        action: &str,
        business: &[(String, String)],
        creds: &Credentials,
        redactor: &Redactor,
    ) -> Result<(Resp, String), ApiError> {
        let mut redactor = redactor.clone();
        redactor.add(creds.access_key_secret.expose());
        if let Some(token) = &creds.security_token {
            redactor.add(token.expose());
        }
        let mut pairs: Vec<(String, String)> = vec![
            ("Action".into(), action.to_owned()),
            ("Version".into(), product.version().to_owned()),
            ("Format".into(), "JSON".into()),
            ("AccessKeyId".into(), creds.access_key_id.clone()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), signer::nonce()),
            ("Timestamp".into(), signer::timestamp(SystemTime::now())),
        ];
        if let Some(token) = &creds.security_token {
            pairs.push(("SecurityToken".into(), token.expose().to_owned()));
        }
        pairs.extend(business.iter().cloned());
        let signature = signer::sign("POST", &pairs, creds.access_key_secret.expose());
        redactor.add(&signature);
        pairs.push((signer::SIGNATURE_PARAM.into(), signature));
        let body = signer::form_body(&pairs);

        let url = self.post_url(product);
        let transport = |e: reqwest::Error| ApiError::Transport {
            action: action.to_owned(),
            message: redactor.scrub(&format!("POST {url}: {}", transport_message(&e))),
            timeout: e.is_timeout(),
        };
        let response = self
            .inner
            .http
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .header("x-acs-action", action)
            .header("x-acs-version", product.version())
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis);
        let bytes = response.bytes().await.map_err(transport)?;
        decode_answer(action, status, retry_after, &bytes, &redactor)
    }
}

/// True when the service refused the request's security token: expired
/// (also as seen through the older ECS path, `InvalidParameter` naming
/// `SecurityToken.Expired`) or not matching the AccessKey.
fn is_token_rejected(err: &ApiError) -> bool {
    match err {
        ApiError::Api { code, message, .. } => {
            matches!(
                code.as_str(),
                "InvalidSecurityToken.Expired" | "InvalidSecurityToken.MismatchWithAccessKey"
            ) || (code == "InvalidParameter" && message.contains("SecurityToken.Expired"))
        }
        _ => false,
    }
}

/// Turns an HTTP answer into the typed response or an [`ApiError`].
fn decode_answer<Resp: DeserializeOwned>(
    action: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    redactor: &Redactor,
) -> Result<(Resp, String), ApiError> {
    let parsed = serde_json::from_slice::<serde_json::Value>(body);
    let decode_error = |request_id: String, message: String| ApiError::Decode {
        action: action.to_owned(),
        status,
        request_id,
        message: redactor.scrub(&message),
    };
    let mut value = match parsed {
        Ok(v) => v,
        Err(e) => {
            let snippet: String = String::from_utf8_lossy(body).chars().take(200).collect();
            return Err(decode_error(
                String::new(),
                format!("body is not JSON ({e}): {snippet:?}"),
            ));
        }
    };
    de::drop_nulls(&mut value);
    let field = |name: &str| -> String {
        value
            .get(name)
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let request_id = field("RequestId");
    if !(200..300).contains(&status) {
        let code = field("Code");
        if code.is_empty() {
            return Err(decode_error(
                request_id,
                "error answer without a Code".into(),
            ));
        }
        return Err(ApiError::Api {
            action: action.to_owned(),
            status,
            code,
            message: redactor.scrub(&field("Message")),
            request_id,
            retry_after,
        });
    }
    match serde_json::from_value::<Resp>(value) {
        Ok(resp) => Ok((resp, request_id)),
        Err(e) => Err(decode_error(request_id, e.to_string())),
    }
}

/// A transport error's description and causes, without the URL (the caller
/// adds the endpoint, which carries no parameters since they travel in the
/// body).
fn transport_message(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "request timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    let mut message = what.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn cancelled(action: &str, attempts: u32) -> ApiError {
    log::debug!("{action}: cancelled after {attempts} attempt(s)");
    ApiError::Cancelled {
        action: action.to_owned(),
        attempts,
    }
}

fn deadline_exceeded(action: &str, attempts: u32, last: Option<ApiError>) -> ApiError {
    log::debug!("{action}: deadline exceeded after {attempts} attempt(s)");
    ApiError::DeadlineExceeded {
        action: action.to_owned(),
        attempts,
        last: last.map(Box::new),
    }
}

#[cfg(test)]
mod tests;
