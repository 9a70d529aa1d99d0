//! ECS RAM role credentials from the instance metadata service.
//!
//! Sequence (plain HTTP, 1 s connect and 2 s per request, so an unreachable
//! service fails within seconds):
//!
//! 1. `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds:
//!    21600` (IMDSv2, "security hardening mode"). If it fails and IMDSv1 is
//!    allowed, continue without a token; if IMDSv1 is disabled, fail.
//! 2. Without a role name: `GET /latest/meta-data/ram/security-credentials/`
//!    → the role name (trimmed).
//! 3. `GET /latest/meta-data/ram/security-credentials/<role>` → `{"Code":
//!    "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken",
//!    "Expiration"}`.
//!
//! A GET sent with a token that fails is repeated at once without the token
//! when IMDSv1 is allowed (the Python SDK's documented fallback). One token is
//! used for both GETs of a fetch. The answer's body is never quoted in errors.

use std::time::Duration;

use serde::Deserialize;

use super::chain::{CredentialsError, Fetched, Source};
use super::sts::describe_reqwest;
use super::{parse_expiration, Credentials};

/// The documented metadata address.
pub const DEFAULT_ENDPOINT: &str = "http://100.100.100.200";

const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// The ECS RAM role source.
pub struct EcsRamRole {
    endpoint: String,
    role_name: Option<String>,
    imds_v1_disabled: bool,
    http: reqwest::Client,
}

impl EcsRamRole {
    /// `role_name = None` discovers the instance's role. `endpoint` is the
    /// metadata base URL ([`DEFAULT_ENDPOINT`] on a real instance).
    pub fn new(endpoint: &str, role_name: Option<String>, imds_v1_disabled: bool) -> Self {
        EcsRamRole {
            endpoint: endpoint.trim().trim_end_matches('/').to_string(),
            role_name: role_name.filter(|r| !r.trim().is_empty()),
            imds_v1_disabled,
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(1))
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap_or_default(),
        }
    }

    async fn token(&self) -> Result<Option<String>, String> {
        let url = format!("{}/latest/api/token", self.endpoint);
        let result = self
            .http
            .put(&url)
            .header(TOKEN_TTL_HEADER, "21600")
            .send()
            .await;
        let failure = match result {
            Ok(r) if r.status().is_success() => match r.text().await {
                Ok(t) if !t.trim().is_empty() => return Ok(Some(t.trim().to_string())),
                Ok(_) => "an empty token".to_string(),
                Err(e) => describe_reqwest(&e),
            },
            Ok(r) => format!("HTTP {}", r.status().as_u16()),
            Err(e) => describe_reqwest(&e),
        };
        if self.imds_v1_disabled {
            return Err(format!(
                "the IMDSv2 token request to {url} failed ({failure}) and IMDSv1 is disabled \
                 (ALIBABA_CLOUD_IMDSV1_DISABLED)"
            ));
        }
        log::debug!("ECS metadata: no IMDSv2 token ({failure}); falling back to IMDSv1");
        Ok(None)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Result<String, String> {
        let url = format!("{}{path}", self.endpoint);
        let send = |token: Option<&str>| {
            let mut req = self.http.get(&url);
            if let Some(t) = token {
                req = req.header(TOKEN_HEADER, t);
            }
            req.send()
        };
        let outcome = |r: Result<reqwest::Response, reqwest::Error>| async {
            match r {
                Ok(r) if r.status().is_success() => {
                    r.text().await.map_err(|e| describe_reqwest(&e))
                }
                Ok(r) => Err(format!("GET {url}: HTTP {}", r.status().as_u16())),
                Err(e) => Err(format!("GET {url}: {}", describe_reqwest(&e))),
            }
        };
        let first = outcome(send(token).await).await;
        match (first, token) {
            (Err(e), Some(_)) if !self.imds_v1_disabled => {
                log::debug!("ECS metadata: {e} with a token; retrying without (IMDSv1)");
                outcome(send(None).await).await
            }
            (r, _) => r,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataCredentials {
    #[serde(default)]
    code: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    security_token: String,
    #[serde(default)]
    expiration: String,
}

#[async_trait::async_trait]
impl Source for EcsRamRole {
    fn name(&self) -> String {
        match &self.role_name {
            Some(r) => format!("ECS RAM role {r} (instance metadata at {})", self.endpoint),
            None => format!(
                "ECS RAM role of the instance (instance metadata at {})",
                self.endpoint
            ),
        }
    }

    async fn fetch(&self) -> Result<Fetched, CredentialsError> {
        let err = |m: String| CredentialsError::new(self.name(), m);
        let token = self.token().await.map_err(err)?;
        let role = match &self.role_name {
            Some(r) => r.clone(),
            None => {
                let name = self
                    .get(CREDENTIALS_PATH, token.as_deref())
                    .await
                    .map_err(|e| err(format!("cannot discover the role name: {e}")))?;
                let name = name.trim().to_string();
                if name.is_empty() || name.contains(['/', '<', ' ']) {
                    return Err(err(
                        "the instance has no RAM role (the role listing is empty or not a name)"
                            .into(),
                    ));
                }
                name
            }
        };
        let body = self
            .get(&format!("{CREDENTIALS_PATH}{role}"), token.as_deref())
            .await
            .map_err(|e| err(format!("cannot read the credentials of role {role}: {e}")))?;
        let c: MetadataCredentials = serde_json::from_str(&body).map_err(|_| {
            err(format!(
                "the credentials of role {role} are not the expected JSON"
            ))
        })?;
        if c.code != "Success" {
            return Err(err(format!(
                "the credentials of role {role} have Code {:?}, not \"Success\"",
                c.code
            )));
        }
        if c.access_key_id.is_empty()
            || c.access_key_secret.is_empty()
            || c.security_token.is_empty()
        {
            return Err(err(format!(
                "the credentials of role {role} are incomplete"
            )));
        }
        let expiration = parse_expiration(&c.expiration).ok_or_else(|| {
            err(format!(
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
}
