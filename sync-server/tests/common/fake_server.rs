//! A real TLS listener on loopback with the real server's certificate handling, serving
//! whatever router a test gives it: for answers the real server never gives.

use axum::Router;

/// Serves `router` over TLS on loopback with an identity made in `dir`; returns the base URL
/// and the certificate pin.
pub async fn serve(router: Router, dir: &std::path::Path) -> (String, String) {
    carnet_protocol::pin::install_default_provider();
    let identity = carnet_sync_server::tls::load_or_create(dir).unwrap();
    let config = axum_server::tls_rustls::RustlsConfig::from_config(
        carnet_sync_server::tls::server_config(&identity).unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = axum_server::from_tcp_rustls(listener, config).unwrap();
    tokio::spawn(async move { server.serve(router.into_make_service()).await });
    (format!("https://{addr}"), identity.fingerprint())
}
