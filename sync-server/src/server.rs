//! `serve`: TLS listener, the HTTP API, graceful shutdown on SIGTERM / Ctrl-C.

use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;

use crate::config::ServeSettings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::{http, tls};

/// Runs the server until SIGTERM or Ctrl-C. Prints `listening on https://ADDR` and
/// `certificate sha256 HEX` on stdout once it accepts connections.
pub async fn serve(settings: ServeSettings) -> Result<()> {
    let identity = tls::load_or_create(&settings.data)?;
    let tls_config = RustlsConfig::from_config(tls::server_config(&identity)?);
    let db = Db::open(&settings.data)?;
    let listener = std::net::TcpListener::bind(settings.listen)
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", settings.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Config(format!("listener: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Config(format!("listener: {e}")))?;
    let handle = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    let server = axum_server::from_tcp_rustls(listener, tls_config)
        .map_err(|e| Error::Config(format!("listener: {e}")))?
        .handle(handle);
    println!("listening on https://{addr}");
    println!("certificate sha256 {}", identity.fingerprint());
    tracing::info!(%addr, "serving");
    server
        .serve(http::router(db).into_make_service())
        .await
        .map_err(|e| Error::Config(format!("server: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_on_signal(handle: axum_server::Handle<std::net::SocketAddr>) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}
