//! Connections that try to hold the server's resources, as an attacker on the store network
//! would: a body whose last byte never comes, headers that never end, a TLS connection that
//! never asks anything. Each reports what the server did with it. Used by `tests/resources.rs`
//! (counts scaled down) and `examples/attack-bench.rs` (full size).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;

/// The server under attack.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    tls: TlsConnector,
}

impl Target {
    /// `base` is `https://IP:PORT`; `pin` the certificate's SHA-256.
    pub fn new(base: &str, pin: &str) -> Target {
        carnet_protocol::pin::install_default_provider();
        let addr = base.trim_start_matches("https://").parse().unwrap();
        let mut config = carnet_protocol::pin::client_config(pin).unwrap();
        // HTTP/1.1 spoken by hand.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Target {
            addr,
            tls: TlsConnector::from(Arc::new(config)),
        }
    }

    async fn tcp_from(&self, local: IpAddr) -> io::Result<TcpStream> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(local, 0))?;
        socket.connect(self.addr).await
    }

    /// A TLS connection from `local`.
    pub async fn tls_from(&self, local: IpAddr) -> io::Result<TlsStream<TcpStream>> {
        let tcp = self.tcp_from(local).await?;
        let name = ServerName::IpAddress(self.addr.ip().into());
        self.tls.connect(name, tcp).await
    }
}

/// What the server did with one attacking connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Closed before or during the TLS handshake (over a cap, or the handshake bound).
    Refused,
    /// Closed (or answered and closed) this long after the attack began.
    Closed(Duration),
    /// Still open when the attacker gave up.
    StillOpen,
}

impl Fate {
    /// Whether the server ended it (refused or closed).
    pub fn ended(self) -> bool {
        !matches!(self, Fate::StillOpen)
    }
}

/// Waits until the server closes `stream` (end of stream or an error), reading and dropping
/// whatever it sends, for at most `hold`.
async fn until_closed<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    started: Instant,
    hold: Duration,
) -> Fate {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::from_std(started + hold);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return Fate::StillOpen,
            Ok(Ok(0)) | Ok(Err(_)) => return Fate::Closed(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// An unauthenticated push of a `len`-byte body (chunked: no length declared for the server
/// to refuse up front), sent to the last byte but one, which never comes.
pub async fn slow_body(target: Target, local: IpAddr, len: usize, hold: Duration) -> Fate {
    let started = Instant::now();
    let Ok(stream) = target.tls_from(local).await else {
        return Fate::Refused;
    };
    let (mut read, mut write) = tokio::io::split(stream);
    let head = format!(
        "POST /v1/stores/S001/mutations HTTP/1.1\r\nhost: {}\r\nx-carnet-protocol: {}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        target.addr,
        carnet_protocol::PROTOCOL_VERSION
    );
    let sender = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        let mut left = len - 1;
        while left > 0 {
            let n = left.min(chunk.len());
            write.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            write.write_all(&chunk[..n]).await?;
            write.write_all(b"\r\n").await?;
            left -= n;
        }
        write.flush().await?;
        // Hold the last byte (and the connection) back.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok::<_, io::Error>(write)
    });
    let fate = until_closed(&mut read, started, hold).await;
    sender.abort();
    fate
}

/// Headers that never end: a line every `every`, never the blank line.
pub async fn slow_headers(target: Target, local: IpAddr, every: Duration, hold: Duration) -> Fate {
    let started = Instant::now();
    let Ok(stream) = target.tls_from(local).await else {
        return Fate::Refused;
    };
    let (mut read, mut write) = tokio::io::split(stream);
    let sender = tokio::spawn(async move {
        write
            .write_all(b"GET /v1/stores/S001/changes HTTP/1.1\r\nhost: carnet\r\n")
            .await?;
        for i in 0u64.. {
            tokio::time::sleep(every).await;
            write
                .write_all(format!("x-slow-{i}: a\r\n").as_bytes())
                .await?;
            write.flush().await?;
        }
        Ok::<_, io::Error>(())
    });
    let fate = until_closed(&mut read, started, hold).await;
    sender.abort();
    fate
}

/// A TLS connection that never sends a request.
pub async fn idle_tls(target: Target, local: IpAddr, hold: Duration) -> Fate {
    let started = Instant::now();
    let Ok(mut stream) = target.tls_from(local).await else {
        return Fate::Refused;
    };
    until_closed(&mut stream, started, hold).await
}

/// How many of `fates` the server refused, closed, and left open; and the latest close.
pub fn tally(fates: &[Fate]) -> (usize, usize, usize, Duration) {
    let refused = fates.iter().filter(|f| **f == Fate::Refused).count();
    let open = fates.iter().filter(|f| **f == Fate::StillOpen).count();
    let latest = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Closed(d) => Some(*d),
            _ => None,
        })
        .max()
        .unwrap_or_default();
    (refused, fates.len() - refused - open, open, latest)
}

/// A process's resident memory, MB (from /proc/PID/status).
pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

/// Samples `pid`'s resident memory every 50 ms until `stop`; the highest, MB.
pub fn peak_rss(
    pid: u32,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<f64> {
    tokio::spawn(async move {
        let mut peak = 0f64;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(rss_mb(pid));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        peak
    })
}

/// Loopback address `127.0.0.n`.
pub fn loopback(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}
