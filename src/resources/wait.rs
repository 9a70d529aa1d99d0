//! Waiting for asynchronous status changes, shared by every resource.
//!
//! Polling is adaptive: the first check happens at once, then the interval grows
//! from a fraction of a second to a cap of a few seconds, so a create costs little
//! more than the cloud's own time (the official provider waits a fixed 10 s before
//! its first check, then polls every 3 s). Every wait honours the deadline from the
//! resource's `timeouts` and the stop token that `StopProvider` trips, and an
//! unrecognised status keeps the wait going rather than failing it.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::tf::Cx;

/// First interval after an immediate first check.
const FIRST_INTERVAL: Duration = Duration::from_millis(200);
/// Growth factor of the interval.
const GROWTH: f64 = 1.5;
/// Longest interval between two checks.
const MAX_INTERVAL: Duration = Duration::from_secs(5);

/// What one check of the remote object found.
#[derive(Debug)]
pub enum Poll<T> {
    /// The wait is over; here is the object.
    Done(T),
    /// Still in progress, in this status.
    Pending(String),
    /// A terminal failure status, with the cloud's explanation (event messages).
    Failed {
        /// The failure status.
        status: String,
        /// What the cloud said went wrong.
        detail: String,
    },
    /// The object no longer exists.
    Gone,
}

/// Why a wait ended without reaching its goal.
#[derive(Debug)]
pub enum WaitError<E> {
    /// The object reached a failure status.
    Failed {
        /// The failure status.
        status: String,
        /// The cloud's explanation.
        detail: String,
    },
    /// The deadline passed; `status` is the last status seen.
    Timeout {
        /// The configured timeout, if known.
        after: Option<Duration>,
        /// Last status seen.
        status: String,
    },
    /// Terraform asked the provider to stop (Ctrl-C).
    Stopped {
        /// Last status seen.
        status: String,
    },
    /// The object disappeared.
    Gone,
    /// A check failed with an error that retries did not cure.
    Api(E),
}

impl<E: fmt::Display> fmt::Display for WaitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failed { status, detail } if detail.is_empty() => {
                write!(f, "it reached status {status}")
            }
            // Callers end the sentence themselves; the cloud's messages often carry
            // their own full stop, which would make it "..".
            WaitError::Failed { status, detail } => {
                write!(
                    f,
                    "it reached status {status}: {}",
                    detail.trim_end_matches('.')
                )
            }
            WaitError::Timeout {
                after: Some(d),
                status,
            } => write!(
                f,
                "timed out after {} (the timeout from `timeouts`); last status: {status}",
                crate::tf::schema::format_duration(*d)
            ),
            WaitError::Timeout {
                after: None,
                status,
            } => write!(f, "timed out; last status: {status}"),
            WaitError::Stopped { status } => {
                write!(
                    f,
                    "interrupted by Terraform (stop requested); last status: {status}"
                )
            }
            WaitError::Gone => write!(f, "it no longer exists"),
            WaitError::Api(e) => write!(f, "{e}"),
        }
    }
}

/// Checks with `poll` until it returns [`Poll::Done`], a failure, the deadline or a stop.
pub async fn until<C, T, E, F, Fut>(cx: &Cx<C>, mut poll: F) -> Result<T, WaitError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let mut interval = FIRST_INTERVAL;
    let mut last_status = String::from("(not yet checked)");
    let expired = || cx.deadline.is_some_and(|d| Instant::now() >= d);
    loop {
        // The checks share the operation's deadline, so a check made at or after it
        // could only fail with the client's "deadline exceeded": end the wait here and
        // say what it was waiting for instead.
        if expired() {
            return Err(WaitError::Timeout {
                after: cx.timeout,
                status: last_status,
            });
        }
        let check = tokio::select! {
            biased;
            _ = cx.cancel.cancelled() => return Err(WaitError::Stopped { status: last_status }),
            r = poll() => r,
        };
        let check = match check {
            // A check cut short by the deadline (a slow answer, or retries of a
            // throttled one) is the wait timing out, not an API failure.
            Err(_) if expired() => {
                return Err(WaitError::Timeout {
                    after: cx.timeout,
                    status: last_status,
                })
            }
            other => other,
        };
        match check.map_err(WaitError::Api)? {
            Poll::Done(t) => return Ok(t),
            Poll::Failed { status, detail } => return Err(WaitError::Failed { status, detail }),
            Poll::Gone => return Err(WaitError::Gone),
            Poll::Pending(status) => last_status = status,
        }
        let mut sleep_for = interval;
        if let Some(deadline) = cx.deadline {
            sleep_for = sleep_for.min(deadline.saturating_duration_since(Instant::now()));
        }
        tokio::select! {
            biased;
            _ = cx.cancel.cancelled() => return Err(WaitError::Stopped { status: last_status }),
            _ = tokio::time::sleep(sleep_for) => {}
        }
        // The sleep is cut short at the deadline: a check now could only fail with
        // the API's "deadline exceeded", which hides the status the wait was stuck in.
        if cx.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(WaitError::Timeout {
                after: cx.timeout,
                status: last_status,
            });
        }
        interval = interval.mul_f64(GROWTH).min(MAX_INTERVAL);
    }
}

/// A remote object whose status is watched.
pub trait Watched {
    /// Its current status.
    fn status(&self) -> &str;
    /// The cloud's explanation of a failure (event messages, error info).
    fn failure_detail(&self) -> String;
}

/// Checks with `describe` (which returns `None` once the object is gone) until the
/// status is one of `done`; a status in `failed` ends the wait with the object's
/// failure detail; any other status, known or not, keeps the wait going.
pub async fn until_status<C, T, E, F, Fut>(
    cx: &Cx<C>,
    describe: F,
    done: &[&str],
    failed: &[&str],
) -> Result<T, WaitError<E>>
where
    T: Watched,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    until(cx, || {
        let check = describe();
        async move {
            Ok(match check.await? {
                None => Poll::Gone,
                Some(t) if done.contains(&t.status()) => Poll::Done(t),
                Some(t) if failed.contains(&t.status()) => Poll::Failed {
                    status: t.status().to_string(),
                    detail: t.failure_detail(),
                },
                Some(t) => Poll::Pending(t.status().to_string()),
            })
        }
    })
    .await
}

/// Checks with `describe` until the object is gone.
pub async fn until_gone<C, T, E, F, Fut>(cx: &Cx<C>, describe: F) -> Result<(), WaitError<E>>
where
    T: Watched,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    until(cx, || {
        let check = describe();
        async move {
            Ok(match check.await? {
                None => Poll::Done(()),
                Some(t) => Poll::Pending(t.status().to_string()),
            })
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio_util::sync::CancellationToken;

    fn cx(timeout: Option<Duration>) -> Cx<()> {
        Cx {
            client: Arc::new(()),
            deadline: timeout.map(|t| Instant::now() + t),
            timeout,
            cancel: CancellationToken::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn first_check_is_immediate_and_intervals_grow_to_the_cap() {
        let start = Instant::now();
        let mut seen = Vec::new();
        let r: Result<u32, WaitError<String>> = until(&cx(None), || {
            seen.push(start.elapsed());
            let n = seen.len();
            async move {
                Ok(if n == 12 {
                    Poll::Done(7)
                } else {
                    Poll::Pending("Creating".into())
                })
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(seen[0], Duration::ZERO);
        assert_eq!(seen[1], FIRST_INTERVAL);
        let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.windows(2).all(|g| g[1] >= g[0]));
        assert_eq!(*gaps.last().unwrap(), MAX_INTERVAL);
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_names_the_last_status() {
        let r: Result<(), WaitError<String>> = until(&cx(Some(Duration::from_secs(5))), || async {
            Ok(Poll::Pending("Creating".into()))
        })
        .await;
        let e = r.unwrap_err();
        assert!(matches!(&e, WaitError::Timeout { status, .. } if status == "Creating"));
        assert_eq!(
            e.to_string(),
            "timed out after 5s (the timeout from `timeouts`); last status: Creating"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_refused_for_the_deadline_is_a_timeout_naming_the_status() {
        // Like the API client: a call at or after the deadline fails at once, and a
        // call in flight when it passes fails too.
        let c = cx(Some(Duration::from_secs(5)));
        let deadline = c.deadline.unwrap();
        let mut calls = 0;
        let r: Result<(), WaitError<String>> = until(&c, || {
            calls += 1;
            async move {
                if Instant::now() >= deadline {
                    return Err("deadline exceeded after 0 attempt(s)".to_string());
                }
                if calls == 4 {
                    // This check outlives the deadline.
                    tokio::time::sleep_until(deadline).await;
                    return Err("deadline exceeded after 3 attempt(s)".to_string());
                }
                Ok(Poll::Pending("Creating".into()))
            }
        })
        .await;
        let e = r.unwrap_err();
        assert_eq!(
            e.to_string(),
            "timed out after 5s (the timeout from `timeouts`); last status: Creating"
        );
        assert_eq!(calls, 4, "no check is made once the deadline has passed");
    }

    #[tokio::test(start_paused = true)]
    async fn stop_interrupts_the_wait() {
        let c = cx(None);
        let token = c.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            token.cancel();
        });
        let start = Instant::now();
        let r: Result<(), WaitError<String>> =
            until(&c, || async { Ok(Poll::Pending("BUILDING".into())) }).await;
        assert!(matches!(r, Err(WaitError::Stopped { .. })));
        assert!(start.elapsed() <= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_cut_short_by_its_deadline_is_a_timeout_not_an_api_error() {
        let c = cx(Some(Duration::from_secs(2)));
        let deadline = c.deadline.unwrap();
        // Like the API client, a check at or after the deadline fails at once.
        let r: Result<(), WaitError<String>> = until(&c, || async move {
            if Instant::now() >= deadline {
                Err("deadline exceeded".to_string())
            } else {
                Ok(Poll::Pending("Loading".into()))
            }
        })
        .await;
        let e = r.unwrap_err();
        assert!(
            matches!(&e, WaitError::Timeout { status, .. } if status == "Loading"),
            "{e:?}"
        );
    }

    #[test]
    fn a_failure_detail_does_not_double_the_full_stop() {
        let e: WaitError<String> = WaitError::Failed {
            status: "Failed".into(),
            detail: "The data does not fit.".into(),
        };
        assert_eq!(
            format!("{e}."),
            "it reached status Failed: The data does not fit."
        );
    }

    #[tokio::test]
    async fn failure_and_gone_end_the_wait() {
        let r: Result<(), WaitError<String>> = until(&cx(None), || async {
            Ok(Poll::Failed {
                status: "Failed".into(),
                detail: "pull failed".into(),
            })
        })
        .await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "it reached status Failed: pull failed"
        );
        let r: Result<(), WaitError<String>> = until(&cx(None), || async { Ok(Poll::Gone) }).await;
        assert!(matches!(r, Err(WaitError::Gone)));
    }
}
