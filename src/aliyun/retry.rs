//! When to retry a failed call, and how long to wait first.
//!
//! Three separate pieces, so each can be read and tested alone:
//! * [`RetryPolicy`]: a plain value (attempt budget and backoff bounds) with
//!   [`Default`] and [`RetryPolicy::none`];
//! * [`classify`]: one `match` that says whether an error is transient and of
//!   which kind (see docs/development/api-reference.md, «Errors and retry classification»);
//! * [`backoff`] / [`delay`]: pure functions of policy, kind, attempt number
//!   and a jitter factor, so tests pin the jitter and get exact durations.
//!
//! The loop that uses them (re-signing every attempt, honouring deadline and
//! cancellation) is in [`client`](super::client).

use std::time::Duration;

use super::error::ApiError;

/// Retry budget and backoff bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, first one included (1 = never retry).
    pub max_attempts: u32,
    /// First backoff after a transport or server error.
    pub initial_backoff: Duration,
    /// First backoff after a throttling error (the service asks us to slow
    /// down, so start higher).
    pub throttling_initial_backoff: Duration,
    /// Upper bound of any computed backoff (not of `x-acs-retry-after`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 12 attempts, 100 ms (500 ms for throttling) doubling up to 5 s: about
    /// half a minute of retrying in the worst case, which rides out a
    /// throttling burst; callers bound the total with a deadline anyway.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 12,
            initial_backoff: Duration::from_millis(100),
            throttling_initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// Why an error is worth retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryKind {
    /// No HTTP answer (connection refused or reset, TLS failure, timeout).
    Transport,
    /// The service failed (HTTP 500/502/503/504, `ServiceUnavailable`,
    /// `InternalError`, `UnknownError`).
    Server,
    /// The service asked us to slow down (any code containing `Throttling`,
    /// or an `x-acs-retry-after` header).
    Throttling,
}

/// Whether `err` is transient, and of which kind. `None` means: do not retry
/// (every other 4xx, decode errors of a 2xx answer, deadline, cancellation).
pub fn classify(err: &ApiError) -> Option<RetryKind> {
    match err {
        ApiError::Transport { .. } => Some(RetryKind::Transport),
        ApiError::Api {
            code, retry_after, ..
        } if code.contains("Throttling") || retry_after.is_some() => Some(RetryKind::Throttling),
        ApiError::Api { code, .. }
            if matches!(
                code.as_str(),
                "ServiceUnavailable" | "InternalError" | "UnknownError"
            ) =>
        {
            Some(RetryKind::Server)
        }
        // A gateway error page (HTML) from a proxy also counts as a server error.
        ApiError::Api { status, .. } | ApiError::Decode { status, .. }
            if matches!(status, 500 | 502 | 503 | 504) =>
        {
            Some(RetryKind::Server)
        }
        _ => None,
    }
}

/// Exponential backoff with full jitter: `min(cap, initial · 2^(attempt-1)) ·
/// jitter`, where `attempt` is the number of the attempt that just failed
/// (1-based) and `jitter` is drawn uniformly from `[0, 1]` by the caller
/// (clamped here). Pure, so tests pin `jitter = 1.0`.
pub fn backoff(policy: &RetryPolicy, kind: RetryKind, attempt: u32, jitter: f64) -> Duration {
    let initial = match kind {
        RetryKind::Throttling => policy.throttling_initial_backoff,
        RetryKind::Transport | RetryKind::Server => policy.initial_backoff,
    };
    let exponent = attempt.saturating_sub(1).min(30);
    let ceiling = initial
        .saturating_mul(1u32 << exponent)
        .min(policy.max_backoff);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

/// The wait before retrying `err`: the server's `x-acs-retry-after` when it
/// sent one, otherwise [`backoff`].
pub fn delay(
    policy: &RetryPolicy,
    err: &ApiError,
    kind: RetryKind,
    attempt: u32,
    jitter: f64,
) -> Duration {
    match err {
        ApiError::Api {
            retry_after: Some(after),
            ..
        } => *after,
        _ => backoff(policy, kind, attempt, jitter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, status: u16) -> ApiError {
        ApiError::Api {
            action: "A".into(),
            status,
            code: code.into(),
            message: String::new(),
            request_id: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn classification_table() {
        let transport = ApiError::Transport {
            action: "A".into(),
            message: "connection reset".into(),
            timeout: false,
        };
        let cases: Vec<(ApiError, Option<RetryKind>)> = vec![
            (transport, Some(RetryKind::Transport)),
            (api("Throttling", 400), Some(RetryKind::Throttling)),
            (api("Throttling.User", 400), Some(RetryKind::Throttling)),
            (api("Throttling.Api", 400), Some(RetryKind::Throttling)),
            (api("Rejected.Throttling", 400), Some(RetryKind::Throttling)),
            (api("ServiceUnavailable", 503), Some(RetryKind::Server)),
            (api("InternalError", 500), Some(RetryKind::Server)),
            (api("UnknownError", 500), Some(RetryKind::Server)),
            (
                api("StartImagePipelineExecution.Failed", 500),
                Some(RetryKind::Server),
            ),
            (api("Whatever", 502), Some(RetryKind::Server)),
            (api("Whatever", 504), Some(RetryKind::Server)),
            (api("IncorrectStatus", 400), None),
            (api("NoNeedUpdate", 400), None),
            (api("IdempotentParameterMismatch", 400), None),
            (api("SignatureDoesNotMatch", 400), None),
            (api("InvalidAccessKeyId.NotFound", 404), None),
            (api("Forbidden.RAM", 403), None),
            (api("Whatever", 501), None),
            (
                ApiError::Decode {
                    action: "A".into(),
                    status: 502,
                    request_id: String::new(),
                    message: "html".into(),
                },
                Some(RetryKind::Server),
            ),
            (
                ApiError::Decode {
                    action: "A".into(),
                    status: 200,
                    request_id: String::new(),
                    message: "bad json".into(),
                },
                None,
            ),
            (
                ApiError::Cancelled {
                    action: "A".into(),
                    attempts: 1,
                },
                None,
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(classify(&err), expected, "{err}");
        }
    }

    #[test]
    fn retry_after_header_makes_any_code_throttling_and_wins() {
        let mut err = api("Busy", 429);
        if let ApiError::Api { retry_after, .. } = &mut err {
            *retry_after = Some(Duration::from_millis(1234));
        }
        assert_eq!(classify(&err), Some(RetryKind::Throttling));
        let policy = RetryPolicy::default();
        assert_eq!(
            delay(&policy, &err, RetryKind::Throttling, 1, 0.0),
            Duration::from_millis(1234)
        );
        let plain = api("Throttling.User", 400);
        assert_eq!(
            delay(&policy, &plain, RetryKind::Throttling, 1, 1.0),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn backoff_doubles_then_caps_with_jitter_pinned() {
        let p = RetryPolicy::default();
        let ms = |kind, attempt| backoff(&p, kind, attempt, 1.0).as_millis();
        assert_eq!(ms(RetryKind::Server, 1), 100);
        assert_eq!(ms(RetryKind::Server, 2), 200);
        assert_eq!(ms(RetryKind::Server, 3), 400);
        assert_eq!(ms(RetryKind::Transport, 6), 3200);
        assert_eq!(ms(RetryKind::Server, 7), 5000);
        assert_eq!(ms(RetryKind::Server, 200), 5000);
        assert_eq!(ms(RetryKind::Throttling, 1), 500);
        assert_eq!(ms(RetryKind::Throttling, 2), 1000);
        assert_eq!(ms(RetryKind::Throttling, 4), 4000);
        assert_eq!(ms(RetryKind::Throttling, 5), 5000);
    }

    #[test]
    fn full_jitter_scales_between_zero_and_the_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(backoff(&p, RetryKind::Server, 3, 0.0), Duration::ZERO);
        assert_eq!(
            backoff(&p, RetryKind::Server, 3, 0.5),
            Duration::from_millis(200)
        );
        assert_eq!(
            backoff(&p, RetryKind::Server, 3, 7.0),
            Duration::from_millis(400)
        );
        assert_eq!(backoff(&p, RetryKind::Server, 3, -1.0), Duration::ZERO);
    }

    #[test]
    fn none_policy_allows_a_single_attempt() {
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::default().max_attempts, 12);
    }
}
