//! `serve`: TLS listener, the HTTP API, graceful shutdown on SIGTERM / Ctrl-C.

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
    // Held while serving: a restore refuses to replace the database under a running server.
    let _lock = crate::data_dir::lock(&settings.data, "serve")?;
    let identity = tls::load_or_create(&settings.data)?;
    let lease = {
        let conn = crate::db::open_writer(&settings.data)?;
        Arc::new(LeaseSigner::load_or_create(&conn, &settings.data)?)
    };
    let db = Db::open(&settings.data)?;
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
    let tls_config = RustlsConfig::from_config(tls::server_config(&identity)?);
    let server = axum_server::from_tcp_rustls(listener, tls_config)
        .map_err(|e| Error::Config(format!("listener: {e}")))?
        .handle(handle);
    println!("listening on https://{addr}");
    println!("certificate sha256 {}", identity.fingerprint());
    tracing::info!(%addr, "serving");
    server
        .serve(router(db, lease, identity.fingerprint()).into_make_service())
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

/// The application's routes, with the protocol gate and gzip compression.
pub fn router(db: Arc<Db>, lease: Arc<LeaseSigner>, certificate_pin: String) -> Router {
    Router::new()
        .merge(crate::sync_api::routes())
        .merge(crate::device_api::routes())
        .merge(crate::admin::routes())
        .fallback(http::not_found)
        .layer(middleware::from_fn(http::require_protocol))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .with_state(AppState {
            db,
            lease,
            certificate_pin,
        })
}
