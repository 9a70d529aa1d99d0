//! [`ClientToken`]: the idempotency key of one logical operation.
//!
//! The service remembers a `ClientToken` and answers a repeated request with
//! the result of the first one (see docs/development/api-reference.md,
//! «ClientToken idempotency»). That only protects
//! against duplicates if the *same* token is sent on every retry, so the
//! token is made by the caller, once per logical operation (a resource's
//! create, typically stored in planned private state), and passed by
//! reference into the API methods; the retry loop never makes one.

use std::fmt;

/// A client-generated idempotency token (at most 64 ASCII characters).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientToken(String);

impl ClientToken {
    /// A fresh random token (UUID v4, 36 characters).
    pub fn generate() -> Self {
        ClientToken(uuid::Uuid::new_v4().to_string())
    }

    /// The token as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for ClientToken {
    /// Wraps a token that was generated earlier (e.g. read back from state).
    fn from(value: String) -> Self {
        ClientToken(value)
    }
}

impl From<&str> for ClientToken {
    fn from(value: &str) -> Self {
        ClientToken(value.to_owned())
    }
}

impl fmt::Display for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientToken({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_unique_uuids_within_the_limit() {
        let a = ClientToken::generate();
        let b = ClientToken::generate();
        assert_ne!(a, b);
        assert!(a.as_str().len() <= 64 && a.as_str().is_ascii());
        assert!(uuid::Uuid::parse_str(a.as_str()).is_ok());
    }

    #[test]
    fn from_string_keeps_the_bytes() {
        let t = ClientToken::from("abc-123".to_string());
        assert_eq!(t.as_str(), "abc-123");
        assert_eq!(t.to_string(), "abc-123");
        assert_eq!(ClientToken::from("abc-123"), t);
    }
}
