//! [`ApiError`]: every way an API call can fail, as data.
//!
//! Errors carry what a person needs to act on them (action, HTTP status,
//! `Code`, `Message`, `RequestId`) and nothing that must stay private. The
//! server sometimes echoes request material back (a `SignatureDoesNotMatch`
//! message quotes the server's whole string to sign, which holds the
//! `SecurityToken` and every parameter value, passwords included), so every
//! text that comes from the server goes through a `Redactor` before it is
//! stored here. `Display` therefore never shows the AccessKey secret, the
//! security token, a signature or a registry password.
//!
//! Classifying an error for retries lives in [`retry`](super::retry); this
//! file only answers questions about the error itself.

use std::fmt;
use std::time::Duration;

use super::signer::percent_encode;

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error body (`Code`, `Message`, ...).
    Api {
        /// The RPC action, e.g. `CreateImageCache`.
        action: String,
        /// HTTP status of the answer.
        status: u16,
        /// Alibaba error code, e.g. `Throttling.User`.
        code: String,
        /// Server message, with any secret scrubbed.
        message: String,
        /// `RequestId` of the answer (empty if the body had none).
        request_id: String,
        /// Delay requested by the `x-acs-retry-after` header (milliseconds on
        /// the wire), if any.
        retry_after: Option<Duration>,
    },
    /// The request did not get an HTTP answer (connect, TLS, reset, timeout).
    Transport {
        /// The RPC action.
        action: String,
        /// What went wrong, including the chain of causes.
        message: String,
        /// True when the per-request timeout fired.
        timeout: bool,
    },
    /// An HTTP answer arrived but its body could not be understood.
    Decode {
        /// The RPC action.
        action: String,
        /// HTTP status of the answer.
        status: u16,
        /// `RequestId`, when it could still be read.
        request_id: String,
        /// What could not be decoded.
        message: String,
    },
    /// The request could not be turned into parameters (a bug in a request
    /// type), or a response violated a client-side invariant such as a
    /// repeated pagination token.
    Encode {
        /// The RPC action.
        action: String,
        /// What was wrong.
        message: String,
    },
    /// The caller's deadline passed before the call succeeded.
    DeadlineExceeded {
        /// The RPC action.
        action: String,
        /// Attempts that were sent.
        attempts: u32,
        /// The last retryable error seen before the deadline, if any.
        #[source]
        last: Option<Box<ApiError>>,
    },
    /// Not sent: an earlier call's answer refused the same credentials (see
    /// [`rejection`](super::rejection)).
    CredentialsRefused {
        /// The RPC action.
        action: String,
        /// The code the earlier call got, e.g. `InvalidAccessKeyId.NotFound`.
        code: String,
    },
    /// No usable credentials: the source failed, or a fixed STS token expired.
    /// The message names the source and never holds a secret.
    Credentials {
        /// The RPC action that needed them.
        action: String,
        /// What went wrong, and what to do.
        message: String,
        /// True when the service refused a fixed STS token, which no source
        /// can renew (the caller may say how to configure one that can).
        fixed_token_refused: bool,
    },
    /// The caller's cancellation token fired.
    Cancelled {
        /// The RPC action.
        action: String,
        /// Attempts that were sent.
        attempts: u32,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Api {
                action,
                status,
                code,
                message,
                request_id,
                ..
            } => {
                write!(f, "{action} failed: {code} (HTTP {status})")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                write_request_id(f, request_id)
            }
            ApiError::Transport {
                action, message, ..
            } => write!(f, "{action} failed: transport error: {message}"),
            ApiError::Decode {
                action,
                status,
                request_id,
                message,
            } => {
                write!(
                    f,
                    "{action} failed: cannot decode the answer (HTTP {status}): {message}"
                )?;
                write_request_id(f, request_id)
            }
            ApiError::Encode { action, message } => write!(f, "{action} failed: {message}"),
            ApiError::DeadlineExceeded {
                action,
                attempts,
                last,
            } => {
                write!(
                    f,
                    "{action} failed: deadline exceeded after {attempts} attempt(s)"
                )?;
                if let Some(last) = last {
                    write!(f, "; last error: {last}")?;
                }
                Ok(())
            }
            ApiError::Credentials {
                action, message, ..
            } => {
                write!(f, "{action} failed: no usable credentials: {message}")
            }
            ApiError::Cancelled { action, attempts } => {
                write!(f, "{action} cancelled after {attempts} attempt(s)")
            }
            ApiError::CredentialsRefused { action, code } => write!(
                f,
                "{action} not sent: Alibaba Cloud refused the provider's credentials ({code}) \
                 on an earlier call; see that error"
            ),
        }
    }
}

fn write_request_id(f: &mut fmt::Formatter<'_>, request_id: &str) -> fmt::Result {
    if request_id.is_empty() {
        Ok(())
    } else {
        write!(f, " (RequestId: {request_id})")
    }
}

impl ApiError {
    /// The RPC action that failed.
    pub fn action(&self) -> &str {
        match self {
            ApiError::Api { action, .. }
            | ApiError::Transport { action, .. }
            | ApiError::Decode { action, .. }
            | ApiError::Encode { action, .. }
            | ApiError::DeadlineExceeded { action, .. }
            | ApiError::Credentials { action, .. }
            | ApiError::Cancelled { action, .. }
            | ApiError::CredentialsRefused { action, .. } => action,
        }
    }

    /// The Alibaba error code, for [`ApiError::Api`] only.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when this is an [`ApiError::Api`] with exactly this code.
    pub fn is_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }

    /// HTTP status, when an answer arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// `RequestId` of the answer, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Api { request_id, .. } | ApiError::Decode { request_id, .. }
                if !request_id.is_empty() =>
            {
                Some(request_id)
            }
            _ => None,
        }
    }

    /// True when this is an [`ApiError::Api`] with one of `codes`: the
    /// not-found codes of the call that failed (declared next to each call that
    /// addresses one object, e.g. [`IMAGE_CACHE_NOT_FOUND`](super::eci::IMAGE_CACHE_NOT_FOUND)).
    /// Deliberately per call, from an allow-list: `InvalidAccessKeyId.NotFound`,
    /// `InvalidAction.NotFound`, `InvalidRegionId.NotFound` and friends also end
    /// in `.NotFound`, and treating a bad key as "already deleted" would make a
    /// delete silently succeed.
    pub fn is_code_in(&self, codes: &[&str]) -> bool {
        self.code().is_some_and(|c| codes.contains(&c))
    }

    /// True for [`ApiError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ApiError::Cancelled { .. })
    }

    /// True for [`ApiError::DeadlineExceeded`].
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, ApiError::DeadlineExceeded { .. })
    }

    /// True when no HTTP answer came back: a transport error, or a deadline
    /// whose last attempt failed that way (a silent or unreachable endpoint).
    pub fn is_unreachable(&self) -> bool {
        matches!(self.innermost(), ApiError::Transport { .. })
    }

    /// The error at the bottom: for a deadline, the last error seen before
    /// it (if any); otherwise `self`.
    pub fn innermost(&self) -> &ApiError {
        match self {
            ApiError::DeadlineExceeded {
                last: Some(last), ..
            } => last.innermost(),
            other => other,
        }
    }
}

/// Scrubs known secret values out of server-provided text.
///
/// Each secret is searched in the forms in which a server can echo it: as is,
/// percent-encoded once (canonical query), twice (string to sign), and
/// form-encoded (`+` for space).
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

/// Secrets shorter than this are not searched for: replacing one- or
/// two-letter strings would shred every message while hiding nothing.
const MIN_SECRET_LEN: usize = 4;

impl Redactor {
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let once = percent_encode(secret);
        let twice = percent_encode(&once);
        let form = once.replace("%20", "+");
        for needle in [secret.to_owned(), once, twice, form] {
            if !self.needles.contains(&needle) {
                self.needles.push(needle);
            }
        }
        // Longest first, so that an encoded form is replaced whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, status: u16) -> ApiError {
        ApiError::Api {
            action: "DeleteImageCache".into(),
            status,
            code: code.into(),
            message: "The specified thing is gone.".into(),
            request_id: "REQ-1".into(),
            retry_after: None,
        }
    }

    #[test]
    fn display_names_action_code_status_message_and_request_id() {
        let text = api("InvalidParameter.NotFound", 400).to_string();
        assert_eq!(
            text,
            "DeleteImageCache failed: InvalidParameter.NotFound (HTTP 400): The specified thing is gone. (RequestId: REQ-1)"
        );
    }

    #[test]
    fn not_found_codes_are_the_calls_own() {
        let codes = super::super::eci::IMAGE_CACHE_NOT_FOUND;
        for code in ["InvalidParameter.NotFound", "InvalidImageCacheId.NotFound"] {
            assert!(api(code, 404).is_code_in(codes), "{code}");
        }
        for code in [
            "InvalidAccessKeyId.NotFound",
            "InvalidAction.NotFound",
            "InvalidRegionId.NotFound",
            "InvalidImagePipeline.NotFound",
            "IncorrectStatus",
        ] {
            assert!(!api(code, 404).is_code_in(codes), "{code}");
        }
        let transport = ApiError::Transport {
            action: "X".into(),
            message: "reset".into(),
            timeout: false,
        };
        assert!(!transport.is_code_in(codes));
        assert_eq!(transport.code(), None);
    }

    #[test]
    fn helpers_answer_about_the_error() {
        let e = api("NoNeedUpdate", 400);
        assert!(e.is_code("NoNeedUpdate"));
        assert!(!e.is_code("NoNeed"));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(e.request_id(), Some("REQ-1"));
        assert_eq!(e.action(), "DeleteImageCache");
        let deadline = ApiError::DeadlineExceeded {
            action: "DeleteImageCache".into(),
            attempts: 3,
            last: Some(Box::new(e)),
        };
        assert!(deadline.is_deadline_exceeded());
        assert!(deadline.innermost().is_code("NoNeedUpdate"));
        let text = deadline.to_string();
        assert!(
            text.contains("deadline exceeded after 3 attempt(s)"),
            "{text}"
        );
        assert!(text.contains("NoNeedUpdate"), "{text}");
        assert!(std::error::Error::source(&deadline).is_some());
    }

    #[test]
    fn redactor_scrubs_every_encoding() {
        let mut r = Redactor::default();
        r.add("se cret/+=");
        r.add("ab"); // too short to search for
        let raw = "raw se cret/+= once se%20cret%2F%2B%3D twice se%2520cret%252F%252B%253D form se+cret%2F%2B%3D ab";
        let out = r.scrub(raw);
        assert_eq!(out, "raw *** once *** twice *** form *** ab");
    }
}
