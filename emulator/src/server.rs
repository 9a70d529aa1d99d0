//! The HTTP server: the accept loop (own, so that a fault can close a
//! connection without any response), the router, and the RPC entry point
//! that strings together verification, routing, latency, faults,
//! idempotency, the handler and rendering.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::body::Bytes;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::serve::{IncomingStream, Listener};
use axum::{Extension, Router};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::clock::{format_utc, wall_now};
use crate::config::Config;
use crate::error::{ApiResult, EmuError};
use crate::faults::{Fault, FaultPhase, FaultState};
use crate::response;
use crate::routes::{self, Route};
use crate::rpc::{NonceStore, RawRequest, Rejection, SignedRpc, Verifier};
use crate::world::{check_client_token, request_id, Body, Call, Settings, World};

/// Counts of signed API requests per action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    /// Every verified request that reached an action (faulted ones included).
    pub received: BTreeMap<String, u64>,
    /// Requests answered with an injected fault (or dropped).
    pub faulted: BTreeMap<String, u64>,
    /// Requests answered with HTTP 200.
    pub succeeded: BTreeMap<String, u64>,
}

/// One entry of `GET /_emulator/requests`.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    /// Order of arrival.
    pub seq: u64,
    /// Wall-clock time.
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Action, when known.
    pub action: Option<String>,
    /// Version, when known.
    pub version: Option<String>,
    /// `v1` / `v3`.
    pub signature: Option<&'static str>,
    /// Signing AccessKey, when verified.
    pub access_key_id: Option<String>,
    /// Parameters, secrets masked.
    pub params: BTreeMap<String, String>,
    /// HTTP status answered (0 = connection dropped).
    pub status: u16,
    /// Error code, if any.
    pub code: Option<String>,
    /// Error message, if any.
    pub message: Option<String>,
    /// Injected fault, e.g. `throttling/after`.
    pub fault: Option<String>,
    /// RequestId answered.
    pub request_id: String,
}

/// Mask secrets (`Password`, `Signature`, `SecurityToken`, ...) in a parameter map.
pub fn mask(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| {
            let last = k.rsplit('.').next().unwrap_or(k);
            let secret = matches!(
                last,
                "Signature" | "SecurityToken" | "AccessKeySecret" | "OIDCToken"
            ) || last.contains("Password")
                || last.contains("Secret");
            (k.clone(), if secret { "******".into() } else { v.clone() })
        })
        .collect()
}

/// Mutable emulator state behind one lock.
#[derive(Debug)]
pub struct Inner {
    /// Objects.
    pub world: World,
    /// Counters.
    pub calls: CallCounts,
    /// Recent requests.
    pub log: VecDeque<LogEntry>,
    log_seq: u64,
    /// Replay protection.
    pub nonces: NonceStore,
    /// Fault generator.
    pub faults: FaultState,
}

/// What every request handler shares.
#[derive(Debug)]
pub struct Shared {
    /// Start configuration (keys, window, latency, log size).
    pub config: Config,
    inner: Mutex<Inner>,
}

impl Shared {
    /// Build from a configuration.
    pub fn new(config: Config) -> Self {
        let mut world = World::new(Settings::from_config(&config), config.clock.clone());
        world.identity = crate::sts::Identity::from_config(&config);
        let faults = FaultState::new(
            config.fault_rate,
            config.fault_seed,
            config.fault_actions.clone(),
            config.fault_kinds.clone(),
            config.fault_after_ratio,
        );
        Shared {
            inner: Mutex::new(Inner {
                world,
                calls: CallCounts::default(),
                log: VecDeque::new(),
                log_seq: 0,
                nonces: NonceStore::default(),
                faults,
            }),
            config,
        }
    }

    /// Lock the state (a panicking handler cannot wedge the emulator).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    pub(crate) fn push_log(&mut self, mut e: LogEntry, limit: usize) {
        self.log_seq += 1;
        e.seq = self.log_seq;
        self.log.push_back(e);
        while self.log.len() > limit {
            self.log.pop_front();
        }
    }

    /// Empty objects, counters, log, tokens and nonces (settings stay).
    pub fn reset(&mut self) {
        self.world.clear();
        self.calls = CallCounts::default();
        self.log.clear();
        self.nonces.clear();
        self.faults.clear_script();
    }
}

/// A TCP listener whose connections can be killed by the request handler:
/// once killed, writes fail and reads see end-of-file, so hyper drops the
/// connection without sending a single byte. That is how a fault "drops the
/// connection" (no complete HTTP response) with plain `axum::serve`.
pub struct KillableListener(pub TcpListener);

/// Connection info handed to handlers: peer address and the kill switch.
#[derive(Clone, Debug)]
pub struct Conn {
    /// Peer address.
    pub peer: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl Conn {
    /// Make the connection fail: nothing more is written, it gets closed.
    pub fn kill(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

/// A `TcpStream` that can be killed.
pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> bool {
        self.kill.load(Ordering::SeqCst)
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by fault injection",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = Conn;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, peer)) => {
                    let kill = Arc::new(AtomicBool::new(false));
                    let io = KillableStream {
                        inner,
                        kill: kill.clone(),
                    };
                    return (io, Conn { peer, kill });
                }
                // Out of file descriptors and the like: back off briefly.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(Conn {
            peer: self.0.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// The router: `/` for the APIs, `/_emulator/…` for inspection.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(rpc).post(rpc))
        .merge(crate::inspect::routes())
        .merge(crate::metadata::routes())
        .fallback(not_found)
        .with_state(shared)
}

async fn not_found() -> EmuError {
    EmuError::new(
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
    )
}

/// Serve on `listener` until `stop` turns true (or its sender is dropped).
pub async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let make = app.into_make_service_with_connect_info::<Conn>();
    let _ = axum::serve(KillableListener(listener), make)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await;
}

fn host_id(host: &str, product: &str) -> String {
    if host.is_empty() {
        format!("{}.aliyuncs.com", product.to_ascii_lowercase())
    } else {
        host.to_string()
    }
}

struct Exchange<'a> {
    shared: &'a Shared,
    request_id: String,
    method: String,
}

impl Exchange<'_> {
    fn log(
        &self,
        rpc: Option<&SignedRpc>,
        rej: Option<&Rejection>,
        status: u16,
        err: Option<&EmuError>,
        fault: Option<&Fault>,
    ) {
        let (action, version, signature, access_key_id, params) = match (rpc, rej) {
            (Some(r), _) => (
                Some(r.action.clone()),
                Some(r.version.clone()),
                Some(r.sig.label()),
                Some(r.access_key_id.clone()),
                mask(r.params.flat()),
            ),
            (None, Some(j)) => (
                j.action.clone(),
                j.version.clone(),
                j.sig.map(|s| s.label()),
                None,
                mask(&j.flat),
            ),
            (None, None) => (None, None, None, None, BTreeMap::new()),
        };
        let entry = LogEntry {
            seq: 0,
            time: format_utc(wall_now()),
            method: self.method.clone(),
            action,
            version,
            signature,
            access_key_id,
            params,
            status,
            code: err.map(|e| e.code.clone()),
            message: err.map(|e| e.message.clone()),
            fault: fault.map(Fault::label),
            request_id: self.request_id.clone(),
        };
        let limit = self.shared.config.request_log_limit;
        self.shared.lock().push_log(entry, limit);
    }

    fn fault(&self, rpc: &SignedRpc, fault: &Fault, conn: Option<&Conn>) -> Response {
        {
            let mut inner = self.shared.lock();
            *inner.calls.faulted.entry(rpc.action.clone()).or_default() += 1;
        }
        let product = routes::product(&rpc.version);
        match (fault.error(), conn) {
            (None, Some(conn)) => {
                self.log(Some(rpc), None, 0, None, Some(fault));
                // Nothing of this response will reach the client.
                conn.kill();
                Response::default()
            }
            (err, _) => {
                let err = err.unwrap_or_else(EmuError::unavailable);
                self.log(Some(rpc), None, err.status, Some(&err), Some(fault));
                response::error(
                    rpc.format,
                    &err,
                    &self.request_id,
                    &host_id(&rpc.host, product),
                    product,
                    fault.retry_after_ms,
                )
            }
        }
    }
}

/// Apply idempotency and call the handler, under the state lock.
fn run(world: &mut World, route: &Route, rpc: &SignedRpc) -> ApiResult<Body> {
    world.sweep();
    let call = Call {
        params: &rpc.params,
        access_key_id: &rpc.access_key_id,
        now: world.clock.now(),
    };
    let token = if route.client_token {
        rpc.params.opt("ClientToken")
    } else {
        None
    };
    if let Some(t) = &token {
        check_client_token(t)?;
        if let Some(body) = world.token_replay(&rpc.access_key_id, route.action, t, &rpc.params)? {
            return Ok(body);
        }
    }
    let body = (route.handler)(world, &call)?;
    if let Some(t) = &token {
        world.token_store(&rpc.access_key_id, route.action, t, &rpc.params, &body);
    }
    Ok(body)
}

async fn rpc(
    State(shared): State<Arc<Shared>>,
    conn: Option<Extension<ConnectInfo<Conn>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = RawRequest {
        method: method.as_str().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers,
        body,
    };
    let ex = Exchange {
        shared: &shared,
        request_id: request_id(),
        method: raw.method.clone(),
    };
    let verified = {
        let mut guard = shared.lock();
        let inner = &mut *guard;
        let now = inner.world.clock.now();
        Verifier {
            config: &shared.config,
            nonces: &mut inner.nonces,
            wall_now: wall_now(),
            identity: &inner.world.identity,
            clock_now: now,
        }
        .verify(&raw)
    };
    let rpc = match verified {
        Ok(r) => r,
        Err(rej) => {
            let product = routes::product(rej.version.as_deref().unwrap_or_default());
            ex.log(None, Some(&rej), rej.error.status, Some(&rej.error), None);
            return response::error(
                rej.format,
                &rej.error,
                &ex.request_id,
                &host_id(&rej.host, product),
                product,
                None,
            );
        }
    };
    let product = routes::product(&rpc.version);
    let host = host_id(&rpc.host, product);
    let Some(route) = routes::find(&rpc.action, &rpc.version) else {
        let err = EmuError::unknown_action();
        ex.log(Some(&rpc), None, err.status, Some(&err), None);
        return response::error(rpc.format, &err, &ex.request_id, &host, product, None);
    };
    let fault = {
        let mut inner = shared.lock();
        *inner.calls.received.entry(rpc.action.clone()).or_default() += 1;
        inner.faults.roll(&rpc.action)
    };
    let conn = conn.map(|Extension(ConnectInfo(c))| c);
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    if let Some(f) = fault.filter(|f| f.phase == FaultPhase::Before) {
        return ex.fault(&rpc, &f, conn.as_ref());
    }
    let result = {
        let mut inner = shared.lock();
        run(&mut inner.world, route, &rpc)
    };
    if let Some(f) = fault {
        // FaultPhase::After: the side effect happened, the answer is lost.
        return ex.fault(&rpc, &f, conn.as_ref());
    }
    match result {
        Ok(body) => {
            shared
                .lock()
                .calls
                .succeeded
                .entry(rpc.action.clone())
                .and_modify(|n| *n += 1)
                .or_insert(1);
            ex.log(Some(&rpc), None, 200, None, None);
            response::success(rpc.format, &rpc.action, &ex.request_id, &body)
        }
        Err(err) => {
            ex.log(Some(&rpc), None, err.status, Some(&err), None);
            response::error(rpc.format, &err, &ex.request_id, &host, product, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        let p: BTreeMap<String, String> = [
            ("ImageRegistryCredential.1.Password", "pw"),
            ("Signature", "sig"),
            ("SecurityToken", "tok"),
            ("OIDCToken", "jwt"),
            ("ImageCacheName", "n"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let m = mask(&p);
        assert_eq!(m["ImageRegistryCredential.1.Password"], "******");
        assert_eq!(m["Signature"], "******");
        assert_eq!(m["SecurityToken"], "******");
        assert_eq!(m["OIDCToken"], "******");
        assert_eq!(m["ImageCacheName"], "n");
    }
}
