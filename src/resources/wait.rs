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
        /// The last check's error, when checks were failing at the end (an outage).
        last_error: Option<String>,
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
                after,
                status,
                last_error,
            } => {
                match after {
                    Some(d) => write!(
                        f,
                        "timed out after {} (the timeout from `timeouts`); last status: {status}",
                        crate::tf::schema::format_duration(*d)
                    )?,
                    None => write!(f, "timed out; last status: {status}")?,
                }
                match last_error {
                    Some(e) => write!(f, "; the last checks failed: {e}"),
                    None => Ok(()),
                }
            }
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

/// An error a check may fail with: transient ones (throttling, server errors, no
/// answer) do not end a wait that has a deadline.
pub trait CheckError: fmt::Display {
    /// True when trying again later may succeed.
    fn is_transient(&self) -> bool;
}

impl CheckError for crate::aliyun::ApiError {
    fn is_transient(&self) -> bool {
        crate::aliyun::retry::classify(self).is_some()
    }
}

/// Checks with `poll` until it returns [`Poll::Done`], a failure, the deadline or a stop.
///
/// One check is one API call with its own retries (about half a minute of them).
/// An outage can last longer, so a check that still fails with a transient error
/// does not end a wait that has a deadline: the wait goes on polling, and only the
/// operation's deadline ends it, naming the last status and the last error. A wait
/// without a deadline fails on such an error, so it can never poll forever.
pub async fn until<C, T, E, F, Fut>(cx: &Cx<C>, mut poll: F) -> Result<T, WaitError<E>>
where
    E: CheckError,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let mut interval = FIRST_INTERVAL;
    let mut last_status = String::from("(not yet checked)");
    let mut last_error: Option<String> = None;
    let expired = || cx.deadline.is_some_and(|d| Instant::now() >= d);
    let timeout = |status: String, last_error: Option<String>| WaitError::Timeout {
        after: cx.timeout,
        status,
        last_error,
    };
    loop {
        // The checks share the operation's deadline, so a check made at or after it
        // could only fail with the client's "deadline exceeded": end the wait here and
        // say what it was waiting for instead.
        if expired() {
            return Err(timeout(last_status, last_error));
        }
        let check = tokio::select! {
            biased;
            _ = cx.cancel.cancelled() => return Err(WaitError::Stopped { status: last_status }),
            r = poll() => r,
        };
        match check {
            // A check cut short by the deadline (a slow answer, or retries of a
            // throttled one) is the wait timing out, not an API failure.
            Err(e) if expired() => {
                let error = last_error.or_else(|| e.is_transient().then(|| e.to_string()));
                return Err(timeout(last_status, error));
            }
            Err(e) if e.is_transient() && cx.deadline.is_some() => {
                log::warn!("a status check failed, still waiting: {e}");
                last_error = Some(e.to_string());
            }
            Err(e) => return Err(WaitError::Api(e)),
            Ok(Poll::Done(t)) => return Ok(t),
            Ok(Poll::Failed { status, detail }) => {
                return Err(WaitError::Failed { status, detail })
            }
            Ok(Poll::Gone) => return Err(WaitError::Gone),
            Ok(Poll::Pending(status)) => {
                last_status = status;
                last_error = None;
            }
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
        if expired() {
            return Err(timeout(last_status, last_error));
        }
        interval = interval.mul_f64(GROWTH).min(MAX_INTERVAL);
    }
}

/// Reports a wait that followed a successful API call (create, update, delete)
/// and did not reach its goal. What is known comes first: the call succeeded and
/// the object is `id`; then why the wait ended. `object` is e.g. "Image cache",
/// `done` what the call did ("created"), `goal` what the wait waited for
/// ("status Ready").
pub fn report<E: fmt::Display>(
    diags: &mut crate::tf::Diagnostics,
    object: &str,
    id: &str,
    done: &str,
    goal: &str,
    e: &WaitError<E>,
) {
    match e {
        WaitError::Api(err) => diags.error(
            format!("{object} {id} was {done}, but its status could not be read"),
            format!(
                "{object} {done} as {id}; its status could not be read: {err}. \
                 Run `terraform apply` again once the API answers: the object is kept in the state."
            ),
        ),
        WaitError::Timeout { .. } => diags.error(
            format!("{object} {id} was {done}, but did not reach {goal} in time"),
            format!("{object} {done} as {id}; waiting for {goal}: {e}."),
        ),
        _ => diags.error(
            format!("{object} {id} was not {done}"),
            format!("Waiting for {goal}: {e}."),
        ),
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
    E: CheckError,
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
    E: CheckError,
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

    /// Test errors: transient when they say so.
    impl CheckError for String {
        fn is_transient(&self) -> bool {
            self.starts_with("transient")
        }
    }

    fn cx(timeout: Option<Duration>) -> Cx<()> {
        Cx {
            client: Arc::new(()),
            deadline: timeout.map(|t| Instant::now() + t),
            timeout,
            cancel: CancellationToken::new(),
            imported: false,
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
    async fn an_outage_longer_than_one_check_does_not_end_a_wait_with_a_deadline() {
        let start = Instant::now();
        let outage = Duration::from_secs(45);
        let r: Result<u32, WaitError<String>> = until(&cx(Some(Duration::from_secs(3600))), || {
            let down = start.elapsed() < outage;
            async move {
                // Each failed check stands for a call whose retries took 20 s.
                if down {
                    tokio::time::sleep(Duration::from_secs(20)).await;
                    Err("transient: ServiceUnavailable".to_string())
                } else {
                    Ok(Poll::Done(1))
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 1);
        assert!(start.elapsed() >= outage);
    }

    #[tokio::test(start_paused = true)]
    async fn an_outage_until_the_deadline_is_a_timeout_naming_the_last_error() {
        let r: Result<(), WaitError<String>> =
            until(&cx(Some(Duration::from_secs(60))), || async {
                tokio::time::sleep(Duration::from_secs(7)).await;
                Err("transient: connection refused".to_string())
            })
            .await;
        let e = r.unwrap_err().to_string();
        assert!(e.starts_with("timed out after 1m"), "{e}");
        assert!(
            e.ends_with("the last checks failed: transient: connection refused"),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_or_with_a_lasting_error_a_failed_check_ends_the_wait() {
        let r: Result<(), WaitError<String>> = until(&cx(None), || async {
            Err("transient: ServiceUnavailable".to_string())
        })
        .await;
        assert!(matches!(r, Err(WaitError::Api(_))));
        let r: Result<(), WaitError<String>> =
            until(&cx(Some(Duration::from_secs(60))), || async {
                Err("Forbidden.RAM".to_string())
            })
            .await;
        assert!(matches!(r, Err(WaitError::Api(e)) if e == "Forbidden.RAM"));
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
