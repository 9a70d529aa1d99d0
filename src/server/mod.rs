//! The plugin server: how Terraform starts, reaches and stops this provider.
//!
//! Terraform runs the binary with a magic cookie and a client certificate in the
//! environment ([`env`](mod@env)), reads one handshake line from stdout ([`handshake`]),
//! connects with mutual TLS ([`tls`]) and speaks tfplugin6 over gRPC (`grpc`,
//! converting to and from `crate::tf` in `convert`). It ends the process through
//! `plugin.GRPCController/Shutdown` (`controller`). Logs and panics go to stderr in
//! the form Terraform understands ([`log`]).
//!
//! This module is the only place where protobuf types exist; everything outside it
//! speaks [`crate::tf::protocol`].

mod controller;
mod convert;
pub mod env;
mod grpc;
pub mod handshake;
pub mod log;
pub(crate) mod proto;
pub mod tls;

use std::io::Write as _;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_util::sync::CancellationToken;
use tonic::transport::server::{Connected, Router, TcpConnectInfo};

use crate::server::controller::Controller;
use crate::server::env::PluginEnv;
use crate::server::grpc::ProviderService;
use crate::tf::protocol::ProviderServer;

/// The release version: the crate version, which `scripts/release.sh` requires to
/// match the tag being released.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long a client may take to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight calls may take to finish after `Shutdown` (Terraform kills
/// the process 2 s after asking).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Runs the provider as a Terraform plugin, in debug mode with `--debug`, or prints
/// its version with `--version`, and returns the process exit code.
///
/// `make` builds the provider; it is called once, inside the async runtime, before
/// the handshake (so it should be cheap: Terraform starts a provider process several
/// times per command).
pub fn run(make: impl FnOnce() -> Arc<dyn ProviderServer>) -> ExitCode {
    let started = Instant::now();
    let debug = match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Plugin) => false,
        Ok(Mode::Debug) => true,
        Ok(Mode::Version) => {
            println!("terraform-provider-aliyun {VERSION}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let plugin_env = if debug {
        None
    } else {
        match PluginEnv::from_env() {
            Ok(e) => Some(e),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    log::install(env::log_level());
    log::install_panic_hook();

    // One thread: the provider waits on Terraform and on the API and never has
    // CPU work worth a second core, and a single-threaded runtime spends nothing
    // on waking and stealing between workers (a few percent of the provider's CPU
    // at a thousand resources). Blocking work still goes to `spawn_blocking`.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        let provider = make();
        match plugin_env {
            Some(env) => serve_plugin(env, provider, started).await,
            None => serve_debug(provider).await,
        }
    });
    // Do not wait for stray tasks (a hung API call must not delay the exit).
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ::log::error!("plugin server failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No argument: started by Terraform.
    Plugin,
    /// `--debug`: serve for `TF_REATTACH_PROVIDERS`.
    Debug,
    /// `--version`: print the version and exit (wins over `--debug`).
    Version,
}

/// `--debug`, `--version` or nothing.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut mode = Mode::Plugin;
    for a in args {
        match a.as_str() {
            "--debug" | "-debug" if mode == Mode::Plugin => mode = Mode::Debug,
            "--debug" | "-debug" => {}
            "--version" | "-version" | "-v" => mode = Mode::Version,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; the options are --debug (run the \
                     provider for TF_REATTACH_PROVIDERS) and --version"
                ))
            }
        }
    }
    Ok(mode)
}

/// Plugin mode: handshake on stdout, mutual TLS (unless Terraform disabled it),
/// serve until `Shutdown`.
async fn serve_plugin(
    env: PluginEnv,
    provider: Arc<dyn ProviderServer>,
    started: Instant,
) -> anyhow::Result<()> {
    // Terraform forwards Ctrl-C to the whole process group and then sends
    // StopProvider; dying on the signal would lose the state of in-flight applies.
    ignore_interrupts()?;
    ::log::info!(
        "terraform-provider-aliyun {VERSION} starting (plugin protocol {})",
        env::PROTOCOL_VERSION
    );
    let tls = env
        .client_cert_pem
        .as_deref()
        .map(tls::server_tls)
        .transpose()?;
    let listener = bind_loopback(env.port_range).await?;
    let addr = listener.local_addr()?;

    let line = handshake::handshake_line(addr, tls.as_ref().map(|t| t.cert_der.as_ref()));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    ::log::debug!(
        "serving on {addr} ({}), handshake {:?} after start",
        if tls.is_some() {
            "mutual TLS"
        } else {
            "plaintext"
        },
        started.elapsed()
    );

    let shutdown = CancellationToken::new();
    watch_parent(shutdown.clone());
    let router = router(provider, Controller::new(Some(shutdown.clone())));
    let serve = async {
        match tls {
            Some(tls) => {
                let incoming = tls_incoming(listener, tls.config, shutdown.clone());
                router
                    .serve_with_incoming_shutdown(incoming, shutdown.cancelled())
                    .await
            }
            None => {
                let incoming = TcpListenerStream::new(listener);
                router
                    .serve_with_incoming_shutdown(incoming, shutdown.cancelled())
                    .await
            }
        }
    };
    let grace = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = serve => r?,
        () = grace => ::log::warn!("calls still running {SHUTDOWN_GRACE:?} after Shutdown; exiting anyway"),
    }
    ::log::debug!("shut down after {:?}", started.elapsed());
    Ok(())
}

/// Shuts the server down once the process that started it is gone. Terraform
/// normally ends its plugins with `Shutdown`, but a `kill -9` (a CI runner timing
/// out a job, an OOM kill) leaves them running, each holding a port and maybe an
/// API wait of an hour: on Unix the orphan is re-parented, which this notices
/// within a second.
fn watch_parent(shutdown: CancellationToken) {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                if std::os::unix::process::parent_id() != parent {
                    ::log::warn!("Terraform (process {parent}) is gone; shutting down");
                    shutdown.cancel();
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = shutdown;
}

/// Debug mode: plaintext on loopback, reattach instructions on stdout, serve until
/// Ctrl-C. One process then serves every Terraform command of a session.
async fn serve_debug(provider: Arc<dyn ProviderServer>) -> anyhow::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let reattach = handshake::reattach_value(addr, std::process::id());
    println!(
        "terraform-provider-aliyun {VERSION} is running in debug mode: plaintext gRPC on {addr} \
         (loopback only) until Ctrl-C.\n\n\
         To make Terraform use this process instead of starting its own, set in the \
         shell that runs terraform:\n\n    \
         TF_REATTACH_PROVIDERS='{reattach}'\n"
    );
    std::io::stdout().flush()?;

    let stop = CancellationToken::new();
    let on_interrupt = stop.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_interrupt.cancel();
    });
    router(provider, Controller::new(None))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), stop.cancelled())
        .await?;
    Ok(())
}

fn router(provider: Arc<dyn ProviderServer>, controller: Controller) -> Router {
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(ProviderService::new(provider).into_server())
        .add_service(controller.into_server())
}

/// Binds on 127.0.0.1, inside `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when Terraform
/// gave a range and a port in it is free, else on any free port.
async fn bind_loopback(range: Option<(u16, u16)>) -> std::io::Result<TcpListener> {
    if let Some((min, max)) = range {
        // Several provider processes start at once; begin at a pid-dependent port
        // so they do not all race for the first one. A few tries are plenty.
        let span = u32::from(max - min) + 1;
        let first = std::process::id() % span;
        for i in 0..span.min(50) {
            let port = min + ((first + i) % span) as u16;
            if let Ok(l) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
                return Ok(l);
            }
        }
    }
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await
}

/// Accepts TCP connections and completes TLS handshakes concurrently, yielding only
/// connections that authenticated with Terraform's certificate.
fn tls_incoming(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    shutdown: CancellationToken,
) -> ReceiverStream<std::io::Result<TlsConn>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                r = listener.accept() => r,
            };
            let (tcp, peer) = match accepted {
                Ok(c) => c,
                Err(e) => {
                    ::log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(TlsConn(stream))).await;
                    }
                    Ok(Err(e)) => ::log::warn!("refused a TLS connection from {peer}: {e}"),
                    Err(_) => ::log::warn!("TLS handshake from {peer} timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// A server-side TLS connection that tonic can serve (it needs [`Connected`]).
struct TlsConn(tokio_rustls::server::TlsStream<TcpStream>);

impl Connected for TlsConn {
    type ConnectInfo = TcpConnectInfo;
    fn connect_info(&self) -> TcpConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Keeps SIGINT from killing the process (plugin mode).
fn ignore_interrupts() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // Registering the handler replaces the default action (terminate) right away.
        let mut sigint = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            while sigint.recv().await.is_some() {
                ::log::debug!("interrupt ignored; Terraform stops us with StopProvider");
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            ::log::debug!("interrupt ignored; Terraform stops us with StopProvider");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args() {
        let a = |v: &[&str]| parse_args(v.iter().map(|s| s.to_string()));
        assert_eq!(a(&[]), Ok(Mode::Plugin));
        assert_eq!(a(&["--debug"]), Ok(Mode::Debug));
        assert_eq!(a(&["--version"]), Ok(Mode::Version));
        assert_eq!(a(&["--debug", "--version"]), Ok(Mode::Version));
        assert_eq!(a(&["-version"]), Ok(Mode::Version));
        assert!(a(&["--bogus"]).is_err());
    }

    #[tokio::test]
    async fn binds_inside_the_advised_range() {
        let l = bind_loopback(Some((40100, 40199))).await.unwrap();
        let port = l.local_addr().unwrap().port();
        assert!((40100..=40199).contains(&port), "{port}");
        assert!(l.local_addr().unwrap().ip().is_loopback());
    }
}
