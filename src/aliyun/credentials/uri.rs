//! Credentials URI (`credentials_uri`, `ALIBABA_CLOUD_CREDENTIALS_URI`, CLI
//! profile mode `CredentialsURI`): `GET <uri>` (query preserved, no
//! authentication), 5 s connect and 15 s per request. Success is HTTP 200
//! with `{"Code": "Success", "AccessKeyId", "AccessKeySecret",
//! "SecurityToken", "Expiration"}`; `Code` is required (as the Python SDK,
//! the official provider and the CLI require it). Refreshed before
//! `Expiration` like STS credentials. The answer's body is never quoted.

use std::time::Duration;

use serde::Deserialize;

use super::chain::{CredentialsError, Fetched, Source};
use super::sts::describe_reqwest;
use super::{parse_expiration, Credentials};

/// The credentials URI source.
pub struct CredentialsUri {
    uri: String,
    http: reqwest::Client,
}

impl CredentialsUri {
    /// A source reading `uri`.
    pub fn new(uri: &str) -> Self {
        CredentialsUri {
            uri: uri.trim().to_string(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
        }
    }

    /// The URI without its query (which may carry a user's token).
    fn shown(&self) -> &str {
        self.uri.split(['?', '#']).next().unwrap_or_default()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UriAnswer {
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
impl Source for CredentialsUri {
    fn name(&self) -> String {
        format!("credentials URI {}", self.shown())
    }

    async fn fetch(&self) -> Result<Fetched, CredentialsError> {
        let err = |m: String| CredentialsError::new(self.name(), m);
        let response = self
            .http
            .get(&self.uri)
            .send()
            .await
            .map_err(|e| err(describe_reqwest(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| err(describe_reqwest(&e)))?;
        if status != 200 {
            return Err(err(format!("HTTP {status} (expected 200)")));
        }
        let a: UriAnswer = serde_json::from_slice(&body).map_err(|_| {
            err(format!(
                "the answer ({} bytes) is not the expected JSON object with Code, AccessKeyId, \
                 AccessKeySecret, SecurityToken and Expiration",
                body.len()
            ))
        })?;
        if a.code != "Success" {
            return Err(err(format!("Code is {:?}, not \"Success\"", a.code)));
        }
        if a.access_key_id.is_empty()
            || a.access_key_secret.is_empty()
            || a.security_token.is_empty()
        {
            return Err(err("the answer's credentials are incomplete".into()));
        }
        let expiration = parse_expiration(&a.expiration).ok_or_else(|| {
            err(format!(
                "the Expiration {:?} is not a UTC time",
                a.expiration
            ))
        })?;
        Ok(Fetched {
            credentials: Credentials::new(a.access_key_id, a.access_key_secret)
                .with_security_token(a.security_token),
            expiration: Some(expiration),
        })
    }
}
