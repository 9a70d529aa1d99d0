//! The SDKs' INI credentials file (`~/.alibabacloud/credentials.ini` for the
//! Python SDK, `~/.alibabacloud/credentials` for the Go SDK), read-only.
//!
//! ```ini
//! [default]
//! type = access_key
//! access_key_id = LTAI5tEXAMPLE
//! access_key_secret = EXAMPLEsecret
//! [ci]
//! type = ram_role_arn
//! access_key_id = LTAI5tEXAMPLE
//! access_key_secret = EXAMPLEsecret
//! role_arn = acs:ram::1234567890123456:role/terraform
//! role_session_name = tf
//! ```
//!
//! Keys are case-insensitive; a value ends at the first `#` and is trimmed.
//! Types: `access_key`, `ecs_ram_role` (`role_name`), `ram_role_arn`
//! (`role_arn`, `role_session_name`, `policy`), `oidc_role_arn` (`role_arn`,
//! `oidc_provider_arn`, `oidc_token_file_path`, `role_session_name`,
//! `policy`). `rsa_key_pair` is a retired credential type and is refused.

use std::collections::BTreeMap;

use super::spec::{Endpoints, SourceSpec};
use super::sts::{OidcToken, RoleParams};
use super::Credentials;

/// A parsed INI credentials file.
#[derive(Clone, Debug)]
pub struct IniFile {
    path: String,
    sections: Vec<(String, BTreeMap<String, String>)>,
}

impl IniFile {
    /// Parses the text of the file found at `path`.
    pub fn parse(path: &str, text: &str) -> IniFile {
        let mut sections: Vec<(String, BTreeMap<String, String>)> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                sections.push((name.trim().to_string(), BTreeMap::new()));
                continue;
            }
            if let (Some((key, value)), Some((_, map))) =
                (line.split_once('='), sections.last_mut())
            {
                let value = value.split('#').next().unwrap_or_default().trim();
                map.insert(key.trim().to_ascii_lowercase(), value.to_string());
            }
        }
        IniFile {
            path: path.to_string(),
            sections,
        }
    }

    /// Whether the file has section `name`.
    pub fn has(&self, name: &str) -> bool {
        self.sections.iter().any(|(n, _)| n == name)
    }

    /// Resolves section `name` into a source, or says why it cannot be used.
    pub fn resolve(&self, name: &str, endpoints: &Endpoints) -> Result<SourceSpec, String> {
        let Some((_, map)) = self.sections.iter().find(|(n, _)| n == name) else {
            return Err(format!("{} has no section [{name}]", self.path));
        };
        let get = |k: &str| map.get(k).filter(|v| !v.is_empty()).cloned();
        let need = |k: &str| {
            get(k).ok_or_else(|| format!("section [{name}] of {}: {k} is missing", self.path))
        };
        let role = || -> Result<RoleParams, String> {
            let mut r = RoleParams::new(need("role_arn")?);
            if let Some(s) = get("role_session_name") {
                r.session_name = s;
            }
            r.policy = get("policy");
            Ok(r)
        };
        let kind = get("type").unwrap_or_default();
        match kind.as_str() {
            "access_key" => Ok(SourceSpec::Static(Credentials::new(
                need("access_key_id")?,
                need("access_key_secret")?,
            ))),
            "ecs_ram_role" => Ok(SourceSpec::EcsRamRole {
                role_name: get("role_name"),
                metadata_endpoint: endpoints.metadata.clone(),
                imds_v1_disabled: endpoints.imds_v1_disabled,
            }),
            "ram_role_arn" => Ok(SourceSpec::Static(Credentials::new(
                need("access_key_id")?,
                need("access_key_secret")?,
            ))
            .assume(role()?, endpoints.sts_for(None, false))),
            "oidc_role_arn" => Ok(SourceSpec::Oidc {
                provider_arn: need("oidc_provider_arn")?,
                token: OidcToken::File(need("oidc_token_file_path")?),
                params: role()?,
                sts_endpoint: endpoints.sts_for(None, false),
            }),
            "" => Err(format!("section [{name}] of {}: type is missing", self.path)),
            other => Err(format!(
                "section [{name}] of {}: type {other:?} is not supported (access_key, ecs_ram_role, \
                 ram_role_arn, oidc_role_arn)",
                self.path
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "
# comment
[default]
type = access_key                  # the default
Access_Key_Id = LTAI5tEXAMPLE
access_key_secret = EXAMPLEsecret
[ci]
type = ram_role_arn
access_key_id = LTAI5tEXAMPLE
access_key_secret = EXAMPLEsecret
role_arn = acs:ram::1234567890123456:role/terraform
role_session_name = tf
[ecs]
type = ecs_ram_role
role_name = EcsRamRoleTest
[rrsa]
type = oidc_role_arn
role_arn = acs:ram::1:role/ci
oidc_provider_arn = acs:ram::1:oidc-provider/ack
oidc_token_file_path = /var/run/secrets/tokens/oidc-token
[old]
type = rsa_key_pair
";

    fn endpoints() -> Endpoints {
        Endpoints {
            sts_override: None,
            sts_default: "https://sts.aliyuncs.com".into(),
            metadata: "http://100.100.100.200".into(),
            imds_v1_disabled: false,
        }
    }

    #[test]
    fn every_type_resolves() {
        let f = IniFile::parse("credentials.ini", FILE);
        let e = endpoints();
        match f.resolve("default", &e).unwrap() {
            SourceSpec::Static(c) => {
                assert_eq!(c.access_key_id, "LTAI5tEXAMPLE");
                assert_eq!(c.access_key_secret.expose(), "EXAMPLEsecret");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f.resolve("ci", &e).unwrap().describe(),
            "AssumeRole acs:ram::1234567890123456:role/terraform over static AccessKey"
        );
        assert_eq!(
            f.resolve("ecs", &e).unwrap().describe(),
            "ECS RAM role EcsRamRoleTest"
        );
        assert_eq!(
            f.resolve("rrsa", &e).unwrap().describe(),
            "AssumeRoleWithOIDC acs:ram::1:role/ci"
        );
        assert!(f.resolve("old", &e).unwrap_err().contains("rsa_key_pair"));
        assert!(f
            .resolve("nope", &e)
            .unwrap_err()
            .contains("no section [nope]"));
        assert!(f.has("ci") && !f.has("nope"));
    }
}
