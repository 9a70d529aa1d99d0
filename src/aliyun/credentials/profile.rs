//! `~/.aliyun/config.json`, the aliyun CLI's configuration file, read-only.
//!
//! Format: `{"current": "<name>", "profiles": [{"name", "mode", ...}]}`;
//! unknown keys are ignored, the first profile with a matching `name` wins,
//! modes match case-insensitively. Supported modes and what they produce:
//!
//! | mode | source |
//! |---|---|
//! | `AK` | `access_key_id` + `access_key_secret` |
//! | `StsToken` | the same + `sts_token` (never refreshed) |
//! | `RamRoleArn` | AssumeRole `ram_role_arn` with the profile's AccessKey (`ram_session_name`, `expired_seconds`, `external_id`, `policy`, `sts_region`, `enable_vpc`) |
//! | `ChainableRamRoleArn` | AssumeRole `ram_role_arn` over `source_profile` (recursively; a cycle is an error) |
//! | `EcsRamRole` | instance metadata, role `ram_role_name` or discovered |
//! | `OIDC` | AssumeRoleWithOIDC (`oidc_provider_arn`, `oidc_token_file`, `ram_role_arn`) |
//! | `External` | `process_command` |
//! | `CredentialsURI` | `credentials_uri` |
//!
//! `OAuth` and `CloudSSO` need a browser sign-in and a write-back of
//! refreshed tokens into this file, which a Terraform provider must not do;
//! they are refused with a message naming the profile and the alternatives.
//! `expired_seconds` of 0 (written by older CLIs) means the 3600 s default;
//! the session name falls back from `ram_session_name` to
//! `role_session_name`, then to `terraform`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::spec::{Endpoints, SourceSpec};
use super::sts::{OidcToken, RoleParams, DEFAULT_DURATION};
use super::Credentials;

/// Why a profile cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The file does not exist.
    #[error("the profile file {path} does not exist")]
    FileMissing {
        /// Path.
        path: String,
    },
    /// The file cannot be read or is not a CLI configuration.
    #[error("the profile file {path} cannot be used: {message}")]
    Unreadable {
        /// Path.
        path: String,
        /// Why.
        message: String,
    },
    /// No profile of that name.
    #[error("profile {name:?} is not in {path} (profiles there: {available})")]
    NotFound {
        /// Asked name.
        name: String,
        /// Path.
        path: String,
        /// Names in the file.
        available: String,
    },
    /// The mode cannot be used by the provider.
    #[error("profile {name:?} has mode {mode:?}, which this provider does not support: {hint}")]
    UnsupportedMode {
        /// Profile.
        name: String,
        /// Its mode.
        mode: String,
        /// What to use instead.
        hint: String,
    },
    /// A required key is missing or a chain loops.
    #[error("profile {name:?} (mode {mode}): {message}")]
    Invalid {
        /// Profile.
        name: String,
        /// Its mode.
        mode: String,
        /// What is wrong.
        message: String,
    },
}

/// A parsed configuration file.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    path: String,
    current: Option<String>,
    profiles: Vec<Map<String, Value>>,
}

/// `~/.aliyun/config.json` under `home`.
pub fn default_path(home: &Path) -> PathBuf {
    home.join(".aliyun").join("config.json")
}

impl ConfigFile {
    /// Reads and parses `path`. No network.
    pub fn load(path: &Path) -> Result<ConfigFile, ProfileError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::FileMissing { path: shown })
            }
            Err(e) => {
                return Err(ProfileError::Unreadable {
                    path: shown,
                    message: e.to_string(),
                })
            }
        };
        Self::parse(&shown, &text)
    }

    /// Parses the text of a configuration file found at `path`.
    pub fn parse(path: &str, text: &str) -> Result<ConfigFile, ProfileError> {
        let unreadable = |message: String| ProfileError::Unreadable {
            path: path.to_string(),
            message,
        };
        // The parser's message names a line and column, never the content.
        let v: Value = serde_json::from_str(text).map_err(|e| {
            unreadable(format!(
                "not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let profiles = v
            .get("profiles")
            .and_then(Value::as_array)
            .ok_or_else(|| unreadable("no \"profiles\" list".into()))?
            .iter()
            .filter_map(|p| p.as_object().cloned())
            .collect();
        Ok(ConfigFile {
            path: path.to_string(),
            current: v
                .get("current")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            profiles,
        })
    }

    /// The `current` profile name, if set.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    fn find(&self, name: &str) -> Result<Profile<'_>, ProfileError> {
        self.profiles
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .map(|map| Profile { map })
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_string(),
                path: self.path.clone(),
                available: {
                    let names: Vec<&str> = self
                        .profiles
                        .iter()
                        .filter_map(|p| p.get("name").and_then(Value::as_str))
                        .collect();
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                },
            })
    }

    /// The region of profile `name` (`region_id`), if any.
    pub fn region(&self, name: &str) -> Option<String> {
        self.find(name).ok().and_then(|p| p.s("region_id"))
    }

    /// Resolves profile `name` into a source description.
    pub fn resolve(&self, name: &str, endpoints: &Endpoints) -> Result<SourceSpec, ProfileError> {
        self.resolve_inner(name, endpoints, &mut Vec::new())
    }

    fn resolve_inner(
        &self,
        name: &str,
        endpoints: &Endpoints,
        seen: &mut Vec<String>,
    ) -> Result<SourceSpec, ProfileError> {
        let p = self.find(name)?;
        let mode = p.s("mode").unwrap_or_default();
        let invalid = |message: String| ProfileError::Invalid {
            name: name.to_string(),
            mode: mode.clone(),
            message,
        };
        if seen.iter().any(|s| s == name) {
            seen.push(name.to_string());
            return Err(invalid(format!(
                "source_profile loops: {}",
                seen.join(" → ")
            )));
        }
        seen.push(name.to_string());
        let need = |key: &str| p.s(key).ok_or_else(|| invalid(format!("{key} is missing")));
        let key = || -> Result<Credentials, ProfileError> {
            Ok(Credentials::new(
                need("access_key_id")?,
                need("access_key_secret")?,
            ))
        };
        let role = || -> Result<RoleParams, ProfileError> {
            let mut r = RoleParams::new(need("ram_role_arn")?);
            if let Some(s) = p.s("ram_session_name").or_else(|| p.s("role_session_name")) {
                r.session_name = s;
            }
            r.duration_seconds = p
                .n("expired_seconds")
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_DURATION);
            r.policy = p.s("policy");
            r.external_id = p.s("external_id");
            Ok(r)
        };
        let sts = || endpoints.sts_for(p.s("sts_region").as_deref(), p.b("enable_vpc"));
        match mode.to_ascii_lowercase().as_str() {
            "ak" => Ok(SourceSpec::Static(key()?)),
            "ststoken" => Ok(SourceSpec::Static(
                key()?.with_security_token(need("sts_token")?),
            )),
            "ramrolearn" => Ok(SourceSpec::Static(key()?).assume(role()?, sts())),
            "chainableramrolearn" => {
                let source = need("source_profile")?;
                let base = self.resolve_inner(&source, endpoints, seen)?;
                Ok(base.assume(role()?, sts()))
            }
            "ecsramrole" => Ok(SourceSpec::EcsRamRole {
                role_name: p.s("ram_role_name"),
                metadata_endpoint: endpoints.metadata.clone(),
                imds_v1_disabled: endpoints.imds_v1_disabled,
            }),
            "oidc" => Ok(SourceSpec::Oidc {
                provider_arn: need("oidc_provider_arn")?,
                token: OidcToken::File(need("oidc_token_file")?),
                params: {
                    let mut r = role()?;
                    r.external_id = None;
                    r
                },
                sts_endpoint: sts(),
            }),
            "external" => Ok(SourceSpec::Process(need("process_command")?)),
            "credentialsuri" => Ok(SourceSpec::Uri(need("credentials_uri")?)),
            "oauth" | "cloudsso" => Err(ProfileError::UnsupportedMode {
                name: name.to_string(),
                mode: mode.clone(),
                hint: "it needs a browser sign-in and writes refreshed tokens back into the file. \
                       Use a profile of mode RamRoleArn, OIDC, External or CredentialsURI instead"
                    .into(),
            }),
            "" => Err(invalid("mode is missing".into())),
            _ => Err(ProfileError::UnsupportedMode {
                name: name.to_string(),
                mode: mode.clone(),
                hint: "supported modes are AK, StsToken, RamRoleArn, ChainableRamRoleArn, \
                       EcsRamRole, OIDC, External and CredentialsURI"
                    .into(),
            }),
        }
    }
}

struct Profile<'a> {
    map: &'a Map<String, Value>,
}

impl Profile<'_> {
    /// A non-empty string value.
    fn s(&self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        }
    }

    /// A number, also when written as a string.
    fn n(&self, key: &str) -> Option<u64> {
        match self.map.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn b(&self, key: &str) -> bool {
        match self.map.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"current": "ak", "meta_path": "", "profiles": [
{"name": "ak",    "mode": "AK",       "access_key_id": "LTAI5tEXAMPLE", "access_key_secret": "EXAMPLEsecret", "region_id": "cn-hangzhou"},
{"name": "sts",   "mode": "StsToken", "access_key_id": "STS.NEXAMPLE", "access_key_secret": "EXAMPLEsecret", "sts_token": "CAISEXAMPLE"},
{"name": "role",  "mode": "RamRoleArn", "access_key_id": "LTAI5tEXAMPLE", "access_key_secret": "EXAMPLEsecret",
 "ram_role_arn": "acs:ram::1234567890123456:role/terraform", "ram_session_name": "tf", "expired_seconds": 7200,
 "external_id": "abcd1234", "policy": "", "sts_region": "cn-shanghai", "enable_vpc": false},
{"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "role",
 "ram_role_arn": "acs:ram::6543210987654321:role/deploy", "ram_session_name": "tf-chain"},
{"name": "loop1", "mode": "chainableramrolearn", "source_profile": "loop2", "ram_role_arn": "acs:ram::1:role/a"},
{"name": "loop2", "mode": "ChainableRamRoleArn", "source_profile": "loop1", "ram_role_arn": "acs:ram::1:role/b"},
{"name": "ecs",   "mode": "EcsRamRole"},
{"name": "ext",   "mode": "External", "process_command": "/usr/local/bin/get-creds --account prod"},
{"name": "sso",   "mode": "CloudSSO"},
{"name": "odd",   "mode": "RsaKeyPair"}
]}"#;

    fn endpoints() -> Endpoints {
        Endpoints {
            sts_override: None,
            sts_default: "https://sts.cn-hangzhou.aliyuncs.com".into(),
            metadata: "http://100.100.100.200".into(),
            imds_v1_disabled: false,
        }
    }

    #[test]
    fn every_mode_resolves_to_its_source() {
        let f = ConfigFile::parse("config.json", FILE).unwrap();
        assert_eq!(f.current(), Some("ak"));
        let e = endpoints();
        assert_eq!(f.resolve("ak", &e).unwrap().describe(), "static AccessKey");
        assert_eq!(f.resolve("sts", &e).unwrap().describe(), "static STS token");
        match f.resolve("role", &e).unwrap() {
            SourceSpec::AssumeRole {
                params,
                sts_endpoint,
                ..
            } => {
                assert_eq!(params.duration_seconds, 7200);
                assert_eq!(params.external_id.as_deref(), Some("abcd1234"));
                assert_eq!(params.policy, None);
                assert_eq!(params.session_name, "tf");
                assert_eq!(sts_endpoint, "https://sts.cn-shanghai.aliyuncs.com");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f.resolve("chain", &e).unwrap().describe(),
            "AssumeRole acs:ram::6543210987654321:role/deploy over AssumeRole acs:ram::1234567890123456:role/terraform over static AccessKey"
        );
        assert_eq!(
            f.resolve("ecs", &e).unwrap().describe(),
            "ECS RAM role of the instance"
        );
        assert_eq!(f.resolve("ext", &e).unwrap().describe(), "external process");
        assert_eq!(f.region("ak").as_deref(), Some("cn-hangzhou"));
    }

    #[test]
    fn errors_name_the_profile() {
        let f = ConfigFile::parse("config.json", FILE).unwrap();
        let e = endpoints();
        let msg = f.resolve("nope", &e).unwrap_err().to_string();
        assert!(msg.contains("\"nope\"") && msg.contains("ak, sts"), "{msg}");
        let msg = f.resolve("sso", &e).unwrap_err().to_string();
        assert!(
            msg.contains("\"sso\"") && msg.contains("CloudSSO") && msg.contains("RamRoleArn, OIDC"),
            "{msg}"
        );
        let msg = f.resolve("odd", &e).unwrap_err().to_string();
        assert!(msg.contains("RsaKeyPair"), "{msg}");
        let msg = f.resolve("loop1", &e).unwrap_err().to_string();
        assert!(msg.contains("loop1 → loop2 → loop1"), "{msg}");
    }

    #[test]
    fn an_explicit_sts_endpoint_beats_sts_region() {
        let f = ConfigFile::parse("config.json", FILE).unwrap();
        let mut e = endpoints();
        e.sts_override = Some("http://127.0.0.1:1".into());
        match f.resolve("role", &e).unwrap() {
            SourceSpec::AssumeRole { sts_endpoint, .. } => {
                assert_eq!(sts_endpoint, "http://127.0.0.1:1")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_broken_file_does_not_quote_its_content() {
        let e = ConfigFile::parse(
            "c.json",
            "{\"profiles\": [ {\"access_key_secret\": \"TOPSECRET\" ",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("TOPSECRET"), "{e}");
    }
}
