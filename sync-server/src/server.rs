//! `serve`: TLS listener, the HTTP API, graceful shutdown on SIGTERM / Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::config::{Database, ServeSettings};
use crate::connections::Gate;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{self, AppState};
use crate::lease::LeaseSigner;
use crate::limits::Limits;
use crate::messages::email::EmailSender;
use crate::messages::sms::{SmsProvider, Webhook, read_token};
use crate::messages::worker::Sender;
use crate::tls;

/// Connections waiting to be accepted. A store's handhelds come back on the network together
/// (the morning, a Wi-Fi outage): with the usual 128, a burst of 200 new connections had SYNs
/// dropped and those devices waited the kernel's 1 s retransmission.
const ACCEPT_BACKLOG: u32 = 1024;

/// Most an HTTP/1.1 connection buffers (headers, a body's next chunk): a lease and a signature
/// are well under 2 KiB, and hyper's default (≈ 400 KiB) lets each slow client hold more.
const HTTP1_BUFFER: usize = 64 * 1024;
/// HTTP/2 flow-control windows: what a client may send before the server reads it (hyper's
/// default is 1 MiB per stream and per connection). A 1 MiB push takes a few more window
/// updates, nothing on a LAN.
const HTTP2_STREAM_WINDOW: u32 = 256 * 1024;
const HTTP2_CONNECTION_WINDOW: u32 = 512 * 1024;
/// Requests at once on one HTTP/2 connection (a device sends one or two).
const HTTP2_STREAMS: u32 = 32;

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

/// How often the figures kept for the console (the stores' sales and customers) are looked at
/// for a change of their records (an import).
const KEPT_REFRESH: Duration = Duration::from_secs(60);

/// Runs the server until SIGTERM or Ctrl-C. Prints `listening on https://ADDR` and
/// `certificate sha256 HEX` on stdout once it accepts connections.
pub async fn serve(settings: ServeSettings) -> Result<()> {
    // Held while serving: a restore refuses to replace the database under a running server.
    let _lock = crate::data_dir::lock(&settings.data, "serve")?;
    let identity = tls::load_or_create(&settings.data)?;
    let db = match &settings.database {
        Database::Embedded => Db::open(&settings.data)?,
        Database::Postgres { url, pool } => Db::open_postgres(url, *pool).await?,
    };
    // Every replica signs with the key the database holds (made by the first).
    let lease = Arc::new(match &settings.database {
        Database::Embedded => {
            let conn = crate::db::open_writer(&settings.data)?;
            LeaseSigner::load_or_create(&crate::sql::Conn::Lite(&conn), &settings.data)?
        }
        Database::Postgres { .. } => db.write(LeaseSigner::load_or_create_stored).await?,
    });
    tokio::spawn(refresh_lease_keys(
        Arc::clone(&db),
        Arc::clone(&lease),
        settings.lease_key_refresh,
    ));
    let inbound_sms_token = start_sender(&settings, &db)?;
    if let Some(at) = settings.tasks_at {
        tokio::spawn(crate::tasks::nightly(Arc::clone(&db), at));
    }
    let limits = settings.limits.clone();
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
    // Counted and capped before any TLS work; the handshake, then the first request, bounded.
    let acceptor = RustlsAcceptor::new(RustlsConfig::from_config(tls::server_config(&identity)?))
        .handshake_timeout(limits.tls_handshake())
        .acceptor(Gate::new(&limits));
    let mut server = axum_server::from_tcp(listener)
        .map_err(|e| Error::Config(format!("listener: {e}")))?
        .acceptor(acceptor)
        .first_request_timeout(limits.header_read())
        .handle(handle);
    server
        .http_builder()
        .http1()
        .header_read_timeout(limits.header_read())
        .max_buf_size(HTTP1_BUFFER);
    server
        .http_builder()
        .http2()
        .initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW)
        .max_concurrent_streams(HTTP2_STREAMS);
    println!("listening on https://{addr}");
    println!("certificate sha256 {}", identity.fingerprint());
    tracing::info!(%addr, "serving");
    if !settings.trusted_proxies.is_empty() {
        tracing::info!(
            proxies = settings.trusted_proxies.len(),
            "X-Forwarded-For believed from trusted proxies"
        );
    }
    let sales = Arc::new(crate::sales::kept());
    tokio::spawn(Arc::clone(&sales).keep_fresh(Arc::clone(&db), KEPT_REFRESH));
    let customers = Arc::new(crate::directory::kept());
    tokio::spawn(Arc::clone(&customers).keep_fresh(Arc::clone(&db), KEPT_REFRESH));
    let app = router(AppState {
        db: Arc::clone(&db),
        lease,
        certificate_pin: identity.fingerprint(),
        trusted_proxies: settings.trusted_proxies.into(),
        limits: Arc::new(limits),
        journal: Arc::default(),
        server_urls: settings.server_urls.into(),
        inbound_sms_token,
        sales,
        customers,
    });
    // The peer's address reaches the handlers: devices are served only from their store's
    // network.
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .map_err(|e| Error::Config(format!("server: {e}")))?;
    // Connections cut at the grace period may still hold the state: close the database here,
    // before the process exits, rather than when the last of them lets go.
    db.close();
    tracing::info!("stopped");
    Ok(())
}

/// Starts sending the queued e-mails and SMS; returns the token the SMS gateway's replies
/// carry. A wrong `[email]` or `[sms]` stops the server here, before it listens.
fn start_sender(settings: &ServeSettings, db: &Arc<Db>) -> Result<Option<Arc<str>>> {
    let m = &settings.messages;
    let email = m.email.as_ref().map(EmailSender::new).transpose()?;
    let sms = m
        .sms
        .as_ref()
        .map(|c| Webhook::new(c).map(|w| Box::new(w) as Box<dyn SmsProvider>))
        .transpose()?;
    let inbound = match m.sms.as_ref().and_then(|c| c.inbound_token_file.as_ref()) {
        Some(file) => {
            Some(Arc::from(read_token(file).map_err(|e| {
                Error::Config(format!("[sms] inbound_token_file: {e}"))
            })?))
        }
        None => None,
    };
    tracing::info!(
        email = email.is_some(),
        sms = sms.is_some(),
        "sending messages"
    );
    tokio::spawn(
        Sender {
            db: Arc::clone(db),
            email,
            sms,
            public_url: m.public_url.clone(),
            retry: m.retry.clone(),
            poll: m.poll,
        }
        .run(),
    );
    Ok(inbound)
}

/// Reads the lease keys again every `period`: another replica or the command line may have
/// rotated them.
async fn refresh_lease_keys(db: Arc<Db>, signer: Arc<LeaseSigner>, period: Duration) {
    let mut every = tokio::time::interval(period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let signer = Arc::clone(&signer);
        if let Err(e) = db.read(move |conn| signer.reload(conn)).await {
            tracing::warn!(error = %e, "the lease keys could not be read again");
        }
    }
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
        // Reached by customers' browsers and the SMS gateway, which speak no device protocol.
        .merge(crate::messages::unsubscribe::routes())
        // Managers' browsers: HTML pages, no device protocol.
        .merge(crate::console::routes())
        .layer(middleware::from_fn_with_state(state.clone(), http::journal))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .with_state(state)
}

/// The state of a server on `db` with `lease`, trusting no proxy, with default limits.
pub fn state(db: Arc<Db>, lease: Arc<LeaseSigner>, certificate_pin: String) -> AppState {
    AppState {
        db,
        lease,
        certificate_pin,
        trusted_proxies: Arc::from([]),
        limits: Arc::new(Limits::default()),
        journal: Arc::default(),
        server_urls: Arc::from([]),
        inbound_sms_token: None,
        sales: Arc::new(crate::sales::kept()),
        customers: Arc::new(crate::directory::kept()),
    }
}
