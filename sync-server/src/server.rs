//! `serve`: TLS listener, the HTTP API, graceful shutdown on SIGTERM / Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum_server::tls_rustls::RustlsConfig;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::config::ServeSettings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{self, AppState};
use crate::lease::LeaseSigner;
use crate::tls;

/// Connections waiting to be accepted. A store's handhelds come back on the network together
/// (the morning, a Wi-Fi outage): with the usual 128, a burst of 200 new connections had SYNs
/// dropped and those devices waited the kernel's 1 s retransmission.
const ACCEPT_BACKLOG: u32 = 1024;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    // Non-blocking, as the TLS acceptor wants it.
    socket.listen(ACCEPT_BACKLOG)?.into_std()
}

/// Runs the server until SIGTERM or Ctrl-C. Prints `listening on https://ADDR` and
/// `certificate sha256 HEX` on stdout once it accepts connections.
pub async fn serve(settings: ServeSettings) -> Result<()> {
    let identity = tls::load_or_create(&settings.data)?;
    let tls_config = RustlsConfig::from_config(tls::server_config(&identity)?);
    let db = Db::open(&settings.data)?;
    let lease = std::sync::Arc::new(crate::lease::LeaseSigner::load_or_create(&settings.data)?);
    let listener = listen(settings.listen)
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", settings.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Config(format!("listener: {e}")))?;
    let handle = axum_server::Handle::new();
    // Registered before "listening on" is printed: a SIGTERM sent as soon as the line is read
    // must find the handler in place, not kill the process.
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error::Config(format!("cannot listen for SIGTERM: {e}")))?;
    tokio::spawn(shutdown_on_signal(handle.clone(), terminate));
    let server = axum_server::from_tcp_rustls(listener, tls_config)
        .map_err(|e| Error::Config(format!("listener: {e}")))?
        .handle(handle);
    println!("listening on https://{addr}");
    println!("certificate sha256 {}", identity.fingerprint());
    tracing::info!(%addr, "serving");
    if !settings.trusted_proxies.is_empty() {
        tracing::info!(
            proxies = settings.trusted_proxies.len(),
            "X-Forwarded-For believed from trusted proxies"
        );
    }
    let app = router(AppState {
        db,
        lease,
        certificate_pin: identity.fingerprint(),
        trusted_proxies: settings.trusted_proxies.into(),
    });
    // The peer's address reaches the handlers: devices are served only from their store's
    // network.
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .map_err(|e| Error::Config(format!("server: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_on_signal(
    handle: axum_server::Handle<std::net::SocketAddr>,
    mut terminate: tokio::signal::unix::Signal,
) {
    tokio::select! {
        _ = terminate.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}

/// The application's routes, with the protocol gate and gzip compression. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: without the peer's address, every
/// device request is refused as off the store's network.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::sync_api::routes())
        .merge(crate::device_api::routes())
        .merge(crate::admin::routes())
        .fallback(http::not_found)
        .layer(middleware::from_fn(http::require_protocol))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .with_state(state)
}

/// The state of a server on `db` with `lease`, trusting no proxy.
pub fn state(db: Arc<Db>, lease: Arc<LeaseSigner>, certificate_pin: String) -> AppState {
    AppState {
        db,
        lease,
        certificate_pin,
        trusted_proxies: Arc::from([]),
    }
}
