//! [`CredentialProvider`]: one cached, refreshing credential of one provider
//! block, and the [`Source`] trait every way of obtaining credentials
//! implements.
//!
//! The API client asks the provider for credentials before **every attempt**
//! ([`CredentialProvider::get`]), as the official SDK clients do, so a
//! refresh happens inside retries and inside long waits. Rules (refresh
//! policy, with the reasons in `docs/development/credentials.md`):
//!
//! - A credential without an expiration (a static AccessKey, a static STS
//!   token) is never refreshed and never causes a network call.
//! - A temporary credential is refreshed once `now ≥ Expiration − margin`,
//!   with `margin = clamp(lifetime / 4, 180 s, 900 s)` and `lifetime =
//!   Expiration − fetch time`: 900 s for the default 3600 s session (the
//!   Python SDK's margin), 225 s for a 900 s session (no refresh storm).
//! - One refresh in flight per provider: the cache sits behind a
//!   `tokio::sync::Mutex`; callers that arrive during a refresh wait for it
//!   and then use its result instead of starting their own.
//! - A failed refresh while the old value still has at least 60 s left keeps
//!   the old value (logged) and tries again after 5–15 s (jittered, so a
//!   down endpoint is not hammered by every request); otherwise the error,
//!   which names the source, is returned. An expired value is never used for
//!   signing.
//! - When the service rejects a token as expired or mismatched,
//!   [`CredentialProvider::refresh_after_rejection`] forces one refresh,
//!   unless another caller has already replaced the rejected credential.
//! - Every fetch is bounded ([`FETCH_TIMEOUT`] over the sources' own
//!   timeouts), so a dead endpoint is an error, never a hang.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Credentials;

/// Upper bound of one fetch, whatever the source (its own timeouts are
/// shorter: 1 s per metadata request, 5 s + 10 s per STS or URI request,
/// 60 s for an external process).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(90);

/// A value whose remaining life is shorter than this is not kept when a
/// refresh fails.
pub const KEEP_ON_FAILURE: Duration = Duration::from_secs(60);

/// Credentials as a source returned them.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The credential triple (signed with atomically).
    pub credentials: Credentials,
    /// When they stop working; `None` = never (static).
    pub expiration: Option<SystemTime>,
}

/// A failure to obtain credentials. `Display` names the source first; it
/// never contains a secret, a token or a raw answer of a credential endpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct CredentialsError {
    /// Which source failed, e.g. `AssumeRole acs:ram::1:role/x over static AccessKey`.
    pub source_name: String,
    /// What went wrong.
    pub message: String,
}

impl CredentialsError {
    /// An error of `source_name`.
    pub fn new(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        CredentialsError {
            source_name: source_name.into(),
            message: message.into(),
        }
    }
}

/// One way of obtaining credentials (STS, instance metadata, a URI, a process).
#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// Human-readable description used in errors and logs.
    fn name(&self) -> String;
    /// Obtains a fresh credential (network or process). Must bound its own time.
    async fn fetch(&self) -> Result<Fetched, CredentialsError>;
}

/// The time, injectable for tests.
pub type Now = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A credential of one provider block: static, or a [`Source`] with a cache.
/// Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct CredentialProvider {
    inner: Arc<Inner>,
}

struct Inner {
    kind: Kind,
    now: Now,
}

enum Kind {
    Static(Credentials),
    Refreshing {
        source: Box<dyn Source>,
        cache: tokio::sync::Mutex<Option<Cached>>,
    },
}

struct Cached {
    fetched: Fetched,
    refresh_at: Option<SystemTime>,
}

impl fmt::Debug for CredentialProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.kind {
            Kind::Static(c) => f
                .debug_tuple("CredentialProvider::Static")
                .field(&c.access_key_id)
                .finish(),
            Kind::Refreshing { source, .. } => f
                .debug_tuple("CredentialProvider::Refreshing")
                .field(&source.name())
                .finish(),
        }
    }
}

impl From<Credentials> for CredentialProvider {
    fn from(c: Credentials) -> Self {
        CredentialProvider::fixed(c)
    }
}

/// The refresh margin for a credential of `lifetime`: a quarter of it,
/// at least 180 s (Go's margin) and at most 900 s (Python's).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).clamp(Duration::from_secs(180), Duration::from_secs(900))
}

impl CredentialProvider {
    /// Credentials that never change (no network call, ever).
    pub fn fixed(credentials: Credentials) -> Self {
        CredentialProvider {
            inner: Arc::new(Inner {
                kind: Kind::Static(credentials),
                now: Arc::new(SystemTime::now),
            }),
        }
    }

    /// A credential fetched lazily from `source` at the first [`get`](Self::get)
    /// and refreshed before it expires.
    pub fn refreshing(source: impl Source + 'static) -> Self {
        Self::refreshing_with_clock(Box::new(source), Arc::new(SystemTime::now))
    }

    /// [`refreshing`](Self::refreshing) with an injected clock.
    pub fn refreshing_with_clock(source: Box<dyn Source>, now: Now) -> Self {
        CredentialProvider {
            inner: Arc::new(Inner {
                kind: Kind::Refreshing {
                    source,
                    cache: tokio::sync::Mutex::new(None),
                },
                now,
            }),
        }
    }

    /// True when the credential can be renewed (anything but a fixed value).
    pub fn is_refreshable(&self) -> bool {
        matches!(self.inner.kind, Kind::Refreshing { .. })
    }

    /// Description of where the credential comes from.
    pub fn describe(&self) -> String {
        match &self.inner.kind {
            Kind::Static(c) if c.security_token.is_some() => "static STS token".into(),
            Kind::Static(_) => "static AccessKey".into(),
            Kind::Refreshing { source, .. } => source.name(),
        }
    }

    /// The static credential, if this provider is fixed (no network).
    pub fn static_credentials(&self) -> Option<&Credentials> {
        match &self.inner.kind {
            Kind::Static(c) => Some(c),
            Kind::Refreshing { .. } => None,
        }
    }

    /// Credentials to sign one request with, fetching or refreshing them first
    /// if needed. One refresh at a time; concurrent callers share its result.
    pub async fn get(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.get_fetched().await?.credentials)
    }

    /// Like [`get`](Self::get), with the expiration.
    pub async fn get_fetched(&self) -> Result<Fetched, CredentialsError> {
        let (source, cache) = match &self.inner.kind {
            Kind::Static(c) => {
                return Ok(Fetched {
                    credentials: c.clone(),
                    expiration: None,
                })
            }
            Kind::Refreshing { source, cache } => (source, cache),
        };
        let mut slot = cache.lock().await;
        let now = (self.inner.now)();
        if let Some(cached) = slot.as_ref() {
            if cached.refresh_at.is_none_or(|at| now < at) {
                return Ok(cached.fetched.clone());
            }
        }
        self.refresh_locked(source.as_ref(), &mut slot, now).await
    }

    /// The service refused `rejected_key_id` (expired or mismatched token):
    /// fetch a new credential unless another caller already did. Errors for a
    /// fixed credential, which cannot be renewed.
    pub async fn refresh_after_rejection(
        &self,
        rejected_key_id: &str,
    ) -> Result<Credentials, CredentialsError> {
        let (source, cache) = match &self.inner.kind {
            Kind::Static(_) => {
                return Err(CredentialsError::new(
                    self.describe(),
                    "cannot be refreshed",
                ))
            }
            Kind::Refreshing { source, cache } => (source, cache),
        };
        let mut slot = cache.lock().await;
        if let Some(cached) = slot.as_ref() {
            if cached.fetched.credentials.access_key_id != rejected_key_id
                || cached.fetched.credentials.security_token.as_ref().is_none()
            {
                return Ok(cached.fetched.credentials.clone());
            }
        }
        // Whatever the rejected value said about its expiry, the service knows better.
        *slot = None;
        let now = (self.inner.now)();
        Ok(self
            .refresh_locked(source.as_ref(), &mut slot, now)
            .await?
            .credentials)
    }

    async fn refresh_locked(
        &self,
        source: &dyn Source,
        slot: &mut Option<Cached>,
        now: SystemTime,
    ) -> Result<Fetched, CredentialsError> {
        log::debug!("credentials: fetching from {}", source.name());
        let result = match tokio::time::timeout(FETCH_TIMEOUT, source.fetch()).await {
            Ok(r) => r,
            Err(_) => Err(CredentialsError::new(
                source.name(),
                format!("no answer within {} s", FETCH_TIMEOUT.as_secs()),
            )),
        };
        let result = result.and_then(|f| match f.expiration {
            Some(exp) if exp <= now => Err(CredentialsError::new(
                source.name(),
                "returned a credential that has already expired",
            )),
            _ => Ok(f),
        });
        match result {
            Ok(fetched) => {
                let refresh_at = fetched.expiration.map(|exp| {
                    let lifetime = exp.duration_since(now).unwrap_or_default();
                    exp - refresh_margin(lifetime)
                });
                log::debug!(
                    "credentials: got {} from {} (expires in {})",
                    fetched.credentials.access_key_id,
                    source.name(),
                    fetched
                        .expiration
                        .and_then(|e| e.duration_since(now).ok())
                        .map_or("never".to_string(), |d| format!("{} s", d.as_secs()))
                );
                *slot = Some(Cached {
                    fetched: fetched.clone(),
                    refresh_at,
                });
                Ok(fetched)
            }
            Err(err) => {
                if let Some(cached) = slot.as_ref() {
                    let left = cached
                        .fetched
                        .expiration
                        .and_then(|e| e.duration_since(now).ok())
                        .unwrap_or_default();
                    if left >= KEEP_ON_FAILURE {
                        log::warn!(
                            "credentials: refresh failed ({err}); the current credential has {} s left and stays in use",
                            left.as_secs()
                        );
                        let fetched = cached.fetched.clone();
                        let pause = Duration::from_millis(5_000 + rand::random::<u64>() % 10_000);
                        let latest = fetched
                            .expiration
                            .map(|e| e - KEEP_ON_FAILURE)
                            .unwrap_or(now + pause);
                        *slot = Some(Cached {
                            fetched: fetched.clone(),
                            refresh_at: Some((now + pause).min(latest)),
                        });
                        return Ok(fetched);
                    }
                }
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    struct Counting {
        calls: Arc<AtomicU64>,
        attempts: Arc<AtomicU64>,
        lifetime: Duration,
        now: Arc<Mutex<SystemTime>>,
        fail: Arc<Mutex<bool>>,
        delay: Duration,
    }

    #[async_trait::async_trait]
    impl Source for Counting {
        fn name(&self) -> String {
            "test source".into()
        }
        async fn fetch(&self) -> Result<Fetched, CredentialsError> {
            tokio::time::sleep(self.delay).await;
            self.attempts.fetch_add(1, Ordering::SeqCst);
            if *self.fail.lock().unwrap() {
                return Err(CredentialsError::new(self.name(), "down"));
            }
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(Fetched {
                credentials: Credentials::new(format!("STS.{n}"), "s").with_security_token("t"),
                expiration: Some(*self.now.lock().unwrap() + self.lifetime),
            })
        }
    }

    struct Fixture {
        provider: CredentialProvider,
        calls: Arc<AtomicU64>,
        attempts: Arc<AtomicU64>,
        now: Arc<Mutex<SystemTime>>,
        fail: Arc<Mutex<bool>>,
    }

    fn fixture(lifetime: Duration, delay: Duration) -> Fixture {
        let calls = Arc::new(AtomicU64::new(0));
        let attempts = Arc::new(AtomicU64::new(0));
        let now = Arc::new(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
        ));
        let fail = Arc::new(Mutex::new(false));
        let source = Counting {
            calls: calls.clone(),
            attempts: attempts.clone(),
            lifetime,
            now: now.clone(),
            fail: fail.clone(),
            delay,
        };
        let clock = now.clone();
        let provider = CredentialProvider::refreshing_with_clock(
            Box::new(source),
            Arc::new(move || *clock.lock().unwrap()),
        );
        Fixture {
            provider,
            calls,
            attempts,
            now,
            fail,
        }
    }

    impl Fixture {
        fn advance(&self, secs: u64) {
            *self.now.lock().unwrap() += Duration::from_secs(secs);
        }
    }

    #[test]
    fn margin_is_a_quarter_between_three_and_fifteen_minutes() {
        assert_eq!(refresh_margin(Duration::from_secs(3600)).as_secs(), 900);
        assert_eq!(refresh_margin(Duration::from_secs(900)).as_secs(), 225);
        assert_eq!(refresh_margin(Duration::from_secs(300)).as_secs(), 180);
        assert_eq!(refresh_margin(Duration::from_secs(43200)).as_secs(), 900);
    }

    #[tokio::test]
    async fn timeline_of_a_one_hour_session() {
        let f = fixture(Duration::from_secs(3600), Duration::ZERO);
        assert_eq!(
            f.calls.load(Ordering::SeqCst),
            0,
            "lazy: nothing before the first get"
        );
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.0");
        f.advance(2699);
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.0");
        f.advance(1);
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.1");
        f.advance(2700);
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.2");
        assert_eq!(f.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_a_value_with_time_left_and_errs_without() {
        let f = fixture(Duration::from_secs(3600), Duration::ZERO);
        f.provider.get().await.unwrap();
        f.advance(2700);
        *f.fail.lock().unwrap() = true;
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.0");
        // The next calls within a few seconds do not hammer the failing source.
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.0");
        assert_eq!(f.attempts.load(Ordering::SeqCst), 2);
        f.advance(16);
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.0");
        assert_eq!(f.attempts.load(Ordering::SeqCst), 3);
        f.advance(900 - 30 - 16);
        let err = f.provider.get().await.unwrap_err();
        assert_eq!(err.to_string(), "test source: down");
        *f.fail.lock().unwrap() = false;
        assert_eq!(f.provider.get().await.unwrap().access_key_id, "STS.1");
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_refresh() {
        let f = fixture(Duration::from_secs(3600), Duration::from_millis(50));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let p = f.provider.clone();
            tasks.push(tokio::spawn(async move { p.get().await.unwrap() }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().access_key_id, "STS.0");
        }
        assert_eq!(f.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_rejection_refreshes_once_for_all_callers() {
        let f = fixture(Duration::from_secs(3600), Duration::ZERO);
        let first = f.provider.get().await.unwrap();
        let a = f
            .provider
            .refresh_after_rejection(&first.access_key_id)
            .await
            .unwrap();
        let b = f
            .provider
            .refresh_after_rejection(&first.access_key_id)
            .await
            .unwrap();
        assert_eq!(
            (a.access_key_id.as_str(), b.access_key_id.as_str()),
            ("STS.1", "STS.1")
        );
        assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn fixed_credentials_never_fetch_and_cannot_refresh() {
        let p = CredentialProvider::fixed(Credentials::new("id", "s").with_security_token("t"));
        assert!(!p.is_refreshable());
        assert_eq!(p.get().await.unwrap().access_key_id, "id");
        let e = p.refresh_after_rejection("id").await.unwrap_err();
        assert_eq!(e.source_name, "static STS token");
    }
}
