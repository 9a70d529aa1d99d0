//! A rejection of the credentials, reported once.
//!
//! When the API refuses the key itself (an unknown or disabled AccessKey, a wrong
//! secret, a bad or expired STS token), every call made with it fails the same way.
//! Terraform refreshes many resources at once, so without this gate a wrong key
//! produced one identical error per resource and as many API calls. Instead:
//!
//! - until one answer has shown that the credentials are accepted, calls go one at
//!   a time: the first one is sent and the others wait for its first attempt (an
//!   answer of any kind, or none, settles the question and releases them all);
//! - once the API has rejected an AccessKey ID, later calls with the same ID fail
//!   at once without a request, with a short error that points at the first one.
//!
//! The gate is keyed by AccessKey ID, so credentials that change (a refreshed STS
//! token comes with a new ID) are tried again.

use std::sync::{Mutex, PoisonError};

use super::error::ApiError;

/// Codes that mean "these credentials are not accepted", whatever the action.
const REJECTION_CODES: &[&str] = &[
    "InvalidAccessKeyId",
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.Malformed",
    "InvalidSecurityToken.MismatchWithAccessKey",
];

/// Whether `err` says the credentials themselves were refused.
pub fn is_rejection(err: &ApiError) -> bool {
    err.code().is_some_and(|c| REJECTION_CODES.contains(&c))
}

#[derive(Debug, Default)]
enum State {
    /// No answer yet.
    #[default]
    Unsettled,
    /// Some call got through with these credentials (or could not tell).
    Settled,
    /// The API refused this AccessKey ID with this code.
    Rejected { key_id: String, code: String },
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct CredentialGate {
    state: Mutex<State>,
    first: tokio::sync::Mutex<()>,
}

/// What a call may do.
pub enum Pass<'a> {
    /// Go ahead; report the first attempt's outcome with [`CredentialGate::settle`].
    /// While the guard is held, the other calls wait.
    First(tokio::sync::MutexGuard<'a, ()>),
    /// Go ahead.
    Open,
}

impl CredentialGate {
    /// Waits until the call with `key_id` may be sent; `Err(code)` when the API
    /// already refused that key.
    pub async fn enter(&self, key_id: &str) -> Result<Pass<'_>, String> {
        if let Some(pass) = self.check(key_id)? {
            return Ok(pass);
        }
        let guard = self.first.lock().await;
        // The call that held the lock may have settled the question meanwhile.
        Ok(self.check(key_id)?.unwrap_or(Pass::First(guard)))
    }

    fn check(&self, key_id: &str) -> Result<Option<Pass<'_>>, String> {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Settled => Ok(Some(Pass::Open)),
            State::Rejected { key_id: k, code } if k == key_id => Err(code.clone()),
            State::Rejected { .. } | State::Unsettled => Ok(None),
        }
    }

    /// Records what an attempt with `key_id` showed.
    pub fn settle(&self, key_id: &str, outcome: Result<(), &ApiError>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Err(e) if is_rejection(e) => {
                *state = State::Rejected {
                    key_id: key_id.to_owned(),
                    code: e.code().unwrap_or_default().to_owned(),
                }
            }
            _ => {
                if !matches!(&*state, State::Rejected { key_id: k, .. } if k != key_id) {
                    *state = State::Settled;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn refused() -> ApiError {
        ApiError::Api {
            action: "DescribeImageCaches".into(),
            status: 404,
            code: "InvalidAccessKeyId.NotFound".into(),
            message: "Specified access key is not found.".into(),
            request_id: String::new(),
            retry_after: None,
        }
    }

    #[tokio::test]
    async fn a_refused_key_fails_later_calls_at_once_and_another_key_is_tried() {
        let gate = CredentialGate::default();
        let pass = gate.enter("AK1").await.unwrap();
        assert!(matches!(pass, Pass::First(_)));
        gate.settle("AK1", Err(&refused()));
        drop(pass);
        assert_eq!(
            gate.enter("AK1").await.err().as_deref(),
            Some("InvalidAccessKeyId.NotFound")
        );
        assert!(matches!(gate.enter("AK2").await, Ok(Pass::First(_))));
    }

    #[tokio::test]
    async fn others_wait_for_the_first_answer_then_go_together() {
        let gate = Arc::new(CredentialGate::default());
        let first = gate.enter("AK").await.unwrap();
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { matches!(gate.enter("AK").await, Ok(Pass::Open)) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiting.is_finished(),
            "the second call waits for the first answer"
        );
        gate.settle("AK", Ok(()));
        drop(first);
        assert!(waiting.await.unwrap());
    }
}
