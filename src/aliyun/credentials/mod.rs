//! Credentials: the [`Secret`] wrapper, the [`Credentials`] triple, and the
//! credential chain of one provider block.
//!
//! | File | Owns |
//! |---|---|
//! | [`chain`] | [`CredentialProvider`] (cache, single-flight refresh, margin), the [`Source`] trait |
//! | [`spec`] | [`SourceSpec`]: a source described at configuration time, built lazily |
//! | [`profile`] | `~/.aliyun/config.json` profiles, every mode the CLI writes |
//! | [`ini`] | the SDKs' INI credentials file |
//! | [`sts`] | `AssumeRole` (signed, over any source) and `AssumeRoleWithOIDC` (anonymous) |
//! | [`ecs_metadata`] | ECS RAM role from the instance metadata (IMDSv2, IMDSv1 fallback) |
//! | [`uri`] | credentials URI |
//! | [`process`] | external process |
//!
//! Each provider block builds its own [`CredentialProvider`]; nothing is
//! cached process-wide, so two aliases never share an identity.
//!
//! Owns every value that must never reach a log line, an error message or a
//! `Debug` dump: the AccessKey secret, the STS security token and registry
//! passwords carried inside requests. [`Secret`] prints `***` through both
//! `Debug` and `Display`; the only way to read the value is the explicit
//! [`Secret::expose`], so a leak has to be written on purpose.
//!
//! `Secret` does implement `Serialize` (it must travel on the wire), but it
//! serializes as a marked newtype: the parameter flattener in
//! [`params`](super::params) records such values so the client can scrub them
//! from any error text the server echoes back.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

pub mod chain;
pub mod ecs_metadata;
pub mod ini;
pub mod process;
pub mod profile;
pub mod spec;
pub mod sts;
pub mod uri;

pub use chain::{CredentialProvider, CredentialsError, Fetched, Source};
pub use spec::{Endpoints, SourceSpec};

/// Parses an `Expiration` (`YYYY-MM-DDTHH:MM:SSZ`, UTC; fractional seconds
/// accepted and dropped).
pub fn parse_expiration(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let body = s.strip_suffix('Z')?;
    let (date, time) = body.split_once('T')?;
    let time = time.split('.').next()?;
    let num = |t: &str, len: usize| -> Option<i64> {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())?
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?, 4)?, num(d.next()?, 2)?, num(d.next()?, 2)?);
    let mut t = time.split(':');
    let (hh, mm, ss) = (num(t.next()?, 2)?, num(t.next()?, 2)?, num(t.next()?, 2)?);
    if d.next().is_some()
        || t.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || hh > 23
        || mm > 59
        || ss > 60
    {
        return None;
    }
    // Days from civil (proleptic Gregorian), March-based years.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// A string that must not be printed. `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Every call site is a place where the value can leak;
    /// keep them few (signing, sending).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the wrapped value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The marker name lets the RPC flattener remember the value for
        // redaction; other serializers (serde_json) treat a newtype as its
        // content.
        serializer.serialize_newtype_struct(super::params::SECRET_MARKER, &self.0)
    }
}

/// AccessKey credentials, optionally with an STS security token.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// AccessKey ID (not secret; it appears in requests and error messages).
    pub access_key_id: String,
    /// AccessKey secret: the HMAC key (with `&` appended) of signature v1.
    pub access_key_secret: Secret,
    /// STS token, sent as the signed `SecurityToken` parameter when present.
    pub security_token: Option<Secret>,
}

impl Credentials {
    /// Long-term AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<Secret>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_parse_like_the_sdks() {
        let secs =
            |s: &str| parse_expiration(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(secs("2024-06-01T13:00:00Z"), Some(1_717_246_800));
        assert_eq!(secs("2099-06-01T13:00:00Z"), Some(4_084_002_000));
        assert_eq!(secs("2099-01-01T00:00:00.000Z"), Some(4_070_908_800));
        assert_eq!(secs("2099-01-01 00:00:00"), None);
        assert_eq!(secs("garbage"), None);
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn credentials_debug_hides_secret_and_token() {
        let c = Credentials::new("AKID", "topsecret").with_security_token("sts-token-value");
        let dump = format!("{c:?}");
        assert!(dump.contains("AKID"));
        assert!(!dump.contains("topsecret"), "{dump}");
        assert!(!dump.contains("sts-token-value"), "{dump}");
    }

    #[test]
    fn secret_serializes_as_plain_string_in_json() {
        assert_eq!(serde_json::to_string(&Secret::new("x")).unwrap(), "\"x\"");
    }
}
