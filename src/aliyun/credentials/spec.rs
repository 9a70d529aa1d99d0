//! [`SourceSpec`]: where a provider block's credential comes from, as a plain
//! description built without any network call (configuration time), and
//! turned into a live [`CredentialProvider`] by [`SourceSpec::build`]. The
//! network is touched only at the provider's first `get`.

use super::chain::CredentialProvider;
use super::ecs_metadata::EcsRamRole;
use super::process::ExternalProcess;
use super::sts::{AssumeRole, AssumeRoleWithOidc, OidcToken, RoleParams};
use super::uri::CredentialsUri;
use super::Credentials;

/// Endpoints and switches the network sources need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// STS endpoint set explicitly (provider argument or environment); beats a
    /// profile's `sts_region`.
    pub sts_override: Option<String>,
    /// STS endpoint otherwise (derived from the provider's region).
    pub sts_default: String,
    /// ECS metadata base URL.
    pub metadata: String,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`: no fallback to IMDSv1.
    pub imds_v1_disabled: bool,
}

impl Endpoints {
    /// The STS endpoint to use when a profile asks for `sts_region` (and VPC).
    pub fn sts_for(&self, sts_region: Option<&str>, vpc: bool) -> String {
        if let Some(e) = &self.sts_override {
            return e.clone();
        }
        match sts_region {
            Some(r) => super::sts::endpoint_for_region(r, vpc),
            None => self.sts_default.clone(),
        }
    }
}

/// A credential source, described.
#[derive(Clone, Debug)]
pub enum SourceSpec {
    /// A fixed AccessKey, with or without an STS token.
    Static(Credentials),
    /// `AssumeRole` signed with the credential of `base` (kept live).
    AssumeRole {
        /// The source credential.
        base: Box<SourceSpec>,
        /// Role and session.
        params: RoleParams,
        /// STS endpoint URL.
        sts_endpoint: String,
    },
    /// `AssumeRoleWithOIDC`.
    Oidc {
        /// `OIDCProviderArn`.
        provider_arn: String,
        /// The token or its file.
        token: OidcToken,
        /// Role and session.
        params: RoleParams,
        /// STS endpoint URL.
        sts_endpoint: String,
    },
    /// ECS RAM role from the instance metadata.
    EcsRamRole {
        /// Role name; `None` discovers it.
        role_name: Option<String>,
        /// Metadata base URL.
        metadata_endpoint: String,
        /// No IMDSv1 fallback.
        imds_v1_disabled: bool,
    },
    /// Credentials URI.
    Uri(String),
    /// External process command line.
    Process(String),
}

impl SourceSpec {
    /// A short description for logs and errors (no secret).
    pub fn describe(&self) -> String {
        match self {
            SourceSpec::Static(c) if c.security_token.is_some() => "static STS token".into(),
            SourceSpec::Static(_) => "static AccessKey".into(),
            SourceSpec::AssumeRole { base, params, .. } => {
                format!("AssumeRole {} over {}", params.role_arn, base.describe())
            }
            SourceSpec::Oidc { params, .. } => format!("AssumeRoleWithOIDC {}", params.role_arn),
            SourceSpec::EcsRamRole { role_name, .. } => match role_name {
                Some(r) => format!("ECS RAM role {r}"),
                None => "ECS RAM role of the instance".into(),
            },
            SourceSpec::Uri(u) => format!(
                "credentials URI {}",
                u.split(['?', '#']).next().unwrap_or_default()
            ),
            SourceSpec::Process(_) => "external process".into(),
        }
    }

    /// Wraps this source in `AssumeRole`.
    pub fn assume(self, params: RoleParams, sts_endpoint: String) -> SourceSpec {
        SourceSpec::AssumeRole {
            base: Box::new(self),
            params,
            sts_endpoint,
        }
    }

    /// The live provider. No network call happens here.
    pub fn build(self) -> CredentialProvider {
        match self {
            SourceSpec::Static(c) => CredentialProvider::fixed(c),
            SourceSpec::AssumeRole {
                base,
                params,
                sts_endpoint,
            } => {
                CredentialProvider::refreshing(AssumeRole::new(base.build(), &sts_endpoint, params))
            }
            SourceSpec::Oidc {
                provider_arn,
                token,
                params,
                sts_endpoint,
            } => CredentialProvider::refreshing(AssumeRoleWithOidc::new(
                &provider_arn,
                token,
                &sts_endpoint,
                params,
            )),
            SourceSpec::EcsRamRole {
                role_name,
                metadata_endpoint,
                imds_v1_disabled,
            } => CredentialProvider::refreshing(EcsRamRole::new(
                &metadata_endpoint,
                role_name,
                imds_v1_disabled,
            )),
            SourceSpec::Uri(uri) => CredentialProvider::refreshing(CredentialsUri::new(&uri)),
            SourceSpec::Process(cmd) => CredentialProvider::refreshing(ExternalProcess::new(&cmd)),
        }
    }
}
