//! STS (`2015-04-01`) and the temporary credentials it hands out, plus the
//! credentials served by the ECS metadata endpoint and the credentials URI
//! ([`crate::metadata`]): every temporary credential is a [`Session`] here.
//!
//! - `AssumeRole` is signed (v1/v3, verified like every other action, with a
//!   long-term key or another session). The role must be one of
//!   [`Config::roles`](crate::config::Config::roles) (`EntityNotExist.Role`
//!   otherwise); `DurationSeconds` is 900 ≤ d ≤ the role's maximum
//!   (`InvalidParameter.DurationSeconds`); a role with an `external_id`
//!   requires it (`NoPermission`); `Policy` must be JSON under 2048 bytes.
//! - `AssumeRoleWithOIDC` is anonymous (no AccessKeyId, no signature). The
//!   provider ARN must be `Config::oidc_provider_arn`, the token
//!   `Config::oidc_token`; a token listed in `Config::oidc_expired_tokens`
//!   gets `AuthenticationFail.OIDCToken.Expired`.
//! - A session's AccessKeyId reads `STS.<role name>.<n>`, so a request log
//!   says which identity signed. Its expiry runs on the emulator's clock;
//!   after it, every request signed with it is refused with
//!   `InvalidSecurityToken.Expired` (`Specified SecurityToken is expired.`),
//!   a wrong token with `InvalidSecurityToken.MismatchWithAccessKey`, a
//!   missing one with `MissingSecurityToken`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::{format_utc, Millis};
use crate::config::{Config, RoleSeed};
use crate::error::{ApiResult, EmuError};
use crate::world::{Body, Call, World};

/// STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// One temporary credential.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    /// `STS.<role>.<n>`.
    pub access_key_id: String,
    /// Its secret.
    #[serde(skip)]
    pub secret: String,
    /// Its token.
    #[serde(skip)]
    pub token: String,
    /// The role (or `ecs:<role>` / `uri`).
    pub role: String,
    /// Who obtained it (`AssumeRole by <key>`, `AssumeRoleWithOIDC`, `metadata`, `uri`).
    pub issued_by: String,
    /// Issue time (emulator clock).
    pub issued_at: Millis,
    /// Expiry (emulator clock).
    pub expires_at: Millis,
}

impl Session {
    /// The `Credentials` object of STS answers.
    pub fn credentials_json(&self) -> Value {
        json!({
            "AccessKeyId": self.access_key_id,
            "AccessKeySecret": self.secret,
            "SecurityToken": self.token,
            "Expiration": format_utc(self.expires_at),
        })
    }
}

/// Roles, OIDC settings and every session issued.
#[derive(Debug, Default)]
pub struct Identity {
    /// Known roles.
    pub roles: Vec<RoleSeed>,
    /// Accepted OIDC provider ARN.
    pub oidc_provider_arn: String,
    /// Accepted OIDC token.
    pub oidc_token: Option<String>,
    /// Tokens answered with `AuthenticationFail.OIDCToken.Expired`.
    pub oidc_expired_tokens: Vec<String>,
    /// Sessions by AccessKeyId.
    pub sessions: HashMap<String, Session>,
    /// IMDSv2 tokens issued by the metadata endpoint.
    pub imds_tokens: std::collections::HashSet<String>,
    seq: u64,
}

/// Why a session's credential is refused.
pub fn token_error(session: &Session, token: Option<&str>, now: Millis) -> Option<EmuError> {
    match token {
        None | Some("") => Some(EmuError::new(
            400,
            "MissingSecurityToken",
            "SecurityToken is mandatory for this AccessKeyId.",
        )),
        Some(t) if t != session.token => Some(EmuError::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )),
        Some(_) if now >= session.expires_at => Some(EmuError::new(
            400,
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        )),
        Some(_) => None,
    }
}

fn random_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Identity {
    /// From the configuration.
    pub fn from_config(config: &Config) -> Self {
        Identity {
            roles: config.roles.clone(),
            oidc_provider_arn: config.oidc_provider_arn.clone(),
            oidc_token: config.oidc_token.clone(),
            oidc_expired_tokens: config.oidc_expired_tokens.clone(),
            ..Default::default()
        }
    }

    /// Issue a session for `role` lasting `seconds` from `now`.
    pub fn issue(&mut self, role: &str, issued_by: &str, now: Millis, seconds: i64) -> Session {
        self.seq += 1;
        let short = role.rsplit(['/', ':']).next().unwrap_or(role);
        let s = Session {
            access_key_id: format!("STS.{short}.{}", self.seq),
            secret: format!("sts-secret-{}", random_hex()),
            token: format!("CAIS{}", random_hex()),
            role: role.to_string(),
            issued_by: issued_by.to_string(),
            issued_at: now,
            expires_at: now + seconds * 1000,
        };
        self.sessions.insert(s.access_key_id.clone(), s.clone());
        s
    }

    /// The secret of a session key (expired or not: the signature is checked first).
    pub fn secret_for(&self, id: &str) -> Option<&str> {
        self.sessions.get(id).map(|s| s.secret.as_str())
    }

    /// The most recent unexpired session of `role` with at least a quarter of
    /// its life left (how ECS metadata and credential servers behave: the same
    /// credential until it nears its end).
    pub fn current(&self, role: &str, now: Millis) -> Option<Session> {
        self.sessions
            .values()
            .filter(|s| s.role == role)
            .filter(|s| {
                s.expires_at - now >= (s.expires_at - s.issued_at) / 4 && now < s.expires_at
            })
            .max_by_key(|s| s.issued_at)
            .cloned()
    }

    fn role(&self, arn: &str) -> ApiResult<&RoleSeed> {
        self.roles.iter().find(|r| r.arn == arn).ok_or_else(|| {
            EmuError::new(
                404,
                "EntityNotExist.Role",
                format!("The role not exists: {arn}."),
            )
        })
    }
}

fn session_name(call: &Call<'_>, name: &str) -> ApiResult<String> {
    let v = call.params.required(name)?;
    let ok = (2..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'_' | b'-'));
    if !ok {
        return Err(EmuError::new(
            400,
            format!("InvalidParameter.{name}"),
            format!("The parameter {name} is invalid: 2 to 64 of [A-Za-z0-9.@_-]."),
        ));
    }
    Ok(v.to_string())
}

fn duration(call: &Call<'_>, max: i64) -> ApiResult<i64> {
    let d = match call.params.str("DurationSeconds") {
        None | Some("") => 3600,
        Some(s) => s.parse::<i64>().map_err(|_| {
            EmuError::new(
                400,
                "InvalidParameter.DurationSeconds",
                "DurationSeconds is not a number.",
            )
        })?,
    };
    if d < 900 || d > max {
        return Err(EmuError::new(
            400,
            "InvalidParameter.DurationSeconds",
            format!("The Min/Max value of DurationSeconds is 15min/{}s.", max),
        ));
    }
    Ok(d)
}

fn policy(call: &Call<'_>) -> ApiResult<()> {
    if let Some(p) = call.params.str("Policy").filter(|p| !p.is_empty()) {
        if p.len() >= 2048 {
            return Err(EmuError::new(
                400,
                "InvalidParameter.PolicySize",
                "The policy is too large.",
            ));
        }
        if serde_json::from_str::<Value>(p).is_err() {
            return Err(EmuError::new(
                400,
                "InvalidParameter.PolicyGrammar",
                "The policy is not valid JSON.",
            ));
        }
    }
    Ok(())
}

fn answer(session: &Session, session_name: &str) -> Body {
    let mut b = Body::new();
    b.insert(
        "AssumedRoleUser".into(),
        json!({
            "AssumedRoleId": format!("3{:017}:{session_name}", session.issued_at.rem_euclid(10i64.pow(17))),
            "Arn": format!("{}/{session_name}", session.role),
        }),
    );
    b.insert("Credentials".into(), session.credentials_json());
    b
}

/// `AssumeRole`.
pub fn assume_role(world: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let arn = call.params.required("RoleArn")?.to_string();
    let name = session_name(call, "RoleSessionName")?;
    let role = world.identity.role(&arn)?.clone();
    let d = duration(call, role.max_session_duration as i64)?;
    policy(call)?;
    if let Some(want) = &role.external_id {
        if call.params.str("ExternalId") != Some(want.as_str()) {
            return Err(EmuError::new(
                403,
                "NoPermission",
                "You are not authorized to do this action. The ExternalId does not match the role's trust policy.",
            ));
        }
    }
    let by = format!("AssumeRole by {}", call.access_key_id);
    let s = world.identity.issue(&arn, &by, call.now, d);
    Ok(answer(&s, &name))
}

/// `AssumeRoleWithOIDC` (anonymous).
pub fn assume_role_with_oidc(world: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let arn = call.params.required("RoleArn")?.to_string();
    let provider = call.params.required("OIDCProviderArn")?;
    let token = call.params.required("OIDCToken")?;
    let name = session_name(call, "RoleSessionName")?;
    let id = &world.identity;
    if provider != id.oidc_provider_arn {
        return Err(EmuError::new(
            403,
            "AuthenticationFail.NoPermission",
            "No such OIDC Provider registered.",
        ));
    }
    if id.oidc_expired_tokens.iter().any(|t| t == token) {
        return Err(EmuError::new(
            400,
            "AuthenticationFail.OIDCToken.Expired",
            "This JsonWebToken is expired.",
        ));
    }
    if id.oidc_token.as_deref() != Some(token) {
        return Err(EmuError::new(
            400,
            "AuthenticationFail.OIDCToken.Invalid",
            "This JsonWebToken is invalid.",
        ));
    }
    let role = id.role(&arn)?.clone();
    let d = duration(call, role.max_session_duration as i64)?;
    policy(call)?;
    let s = world
        .identity
        .issue(&arn, "AssumeRoleWithOIDC", call.now, d);
    Ok(answer(&s, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_read_their_role_and_expire_on_the_clock() {
        let mut id = Identity::default();
        let s = id.issue("acs:ram::1:role/deploy", "test", 1_000_000, 900);
        assert!(s.access_key_id.starts_with("STS.deploy."));
        assert_eq!(id.secret_for(&s.access_key_id), Some(s.secret.as_str()));
        assert!(token_error(&s, Some(&s.token), 1_000_000 + 899_999).is_none());
        let code = |t: Option<&str>, now| token_error(&s, t, now).map(|e| e.code);
        assert_eq!(
            code(Some(&s.token), 1_900_000).as_deref(),
            Some("InvalidSecurityToken.Expired")
        );
        assert_eq!(
            code(Some("other"), 1_000_000).as_deref(),
            Some("InvalidSecurityToken.MismatchWithAccessKey")
        );
        assert_eq!(
            code(None, 1_000_000).as_deref(),
            Some("MissingSecurityToken")
        );
    }

    #[test]
    fn served_credentials_rotate_when_a_quarter_of_their_life_is_left() {
        let mut id = Identity::default();
        let first = id.issue("ecs-Runner", "metadata", 0, 1000);
        assert_eq!(
            id.current("ecs-Runner", 700_000).unwrap().access_key_id,
            first.access_key_id
        );
        assert!(id.current("ecs-Runner", 800_001).is_none());
        assert!(id.current("other", 0).is_none());
    }
}
