//! Credentials and the [`Secret`] wrapper.
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

use serde::{Serialize, Serializer};

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
