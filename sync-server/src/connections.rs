//! Connections the server holds: at most so many in all and per client address, and none
//! idle for long. The [`Gate`] sits in front of TLS: it counts every accepted connection and
//! closes at once, before any TLS work, one over a cap; the stream it hands on
//! ([`Guarded`]) fails when no byte has moved either way for the idle limit (whatever the
//! protocol: a TLS handshake, HTTP/1.1 keep-alive, HTTP/2) and gives its place back when
//! dropped.

use std::collections::HashMap;
use std::future::Ready;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::limits::Limits;

/// How often, at most, refused connections are logged (an attack must not flood the log).
const REFUSALS_LOGGED_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    refused: u64,
    last_logged: Option<Instant>,
}

/// Counts connections and refuses those over the caps; an `axum_server` acceptor placed
/// under the TLS acceptor.
#[derive(Debug, Clone)]
pub struct Gate {
    counts: Arc<Mutex<Counts>>,
    max_total: usize,
    max_per_address: usize,
    idle: Duration,
}

impl Gate {
    /// A gate applying `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            counts: Arc::default(),
            max_total: limits.max_connections,
            max_per_address: limits.max_connections_per_address,
            idle: limits.idle(),
        }
    }

    /// Connections open now: in all, and from `address`'s group.
    pub fn open(&self, address: IpAddr) -> (usize, usize) {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let from = counts.by_address.get(&group(address)).copied().unwrap_or(0);
        (counts.total, from)
    }

    /// A place for a connection from `address`, if both caps allow.
    fn enter(&self, address: IpAddr) -> Option<Place> {
        let key = group(address);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let from = counts.by_address.get(&key).copied().unwrap_or(0);
        if counts.total >= self.max_total || from >= self.max_per_address {
            counts.refused += 1;
            let now = Instant::now();
            if counts
                .last_logged
                .is_none_or(|t| now.duration_since(t) >= REFUSALS_LOGGED_EVERY)
            {
                tracing::warn!(
                    refused = counts.refused,
                    open = counts.total,
                    "connections refused over the caps (since the last report)"
                );
                counts.refused = 0;
                counts.last_logged = Some(now);
            }
            return None;
        }
        counts.total += 1;
        *counts.by_address.entry(key).or_insert(0) += 1;
        Some(Place {
            counts: Arc::clone(&self.counts),
            key,
        })
    }
}

/// The address a cap counts: an IPv4 address, or an IPv6 address's /64 (one host usually
/// holds a whole /64).
fn group(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

/// A counted connection; uncounted when dropped.
#[derive(Debug)]
struct Place {
    counts: Arc<Mutex<Counts>>,
    key: IpAddr,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.by_address.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.by_address.remove(&self.key);
            }
        }
    }
}

impl<S> axum_server::accept::Accept<TcpStream, S> for Gate {
    type Stream = Guarded<TcpStream>;
    type Service = S;
    type Future = Ready<io::Result<(Self::Stream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let admitted = stream.peer_addr().and_then(|peer| {
            let place = self.enter(peer.ip()).ok_or_else(|| {
                io::Error::new(io::ErrorKind::ConnectionRefused, "over the connection caps")
            })?;
            // Answers are written in several small pieces (TLS records, HTTP/2 frames): with
            // Nagle's algorithm each reply waited for the client's delayed ACK (40 ms).
            stream.set_nodelay(true)?;
            Ok((Guarded::new(stream, place, self.idle), service))
        });
        std::future::ready(admitted)
    }
}

/// A connection's stream that fails once no byte has moved for the idle limit.
#[derive(Debug)]
pub struct Guarded<S> {
    inner: S,
    idle: Duration,
    last: Instant,
    /// Fires at `last + idle` or earlier; moved on lazily, not at every byte.
    timer: Pin<Box<Sleep>>,
    _place: Place,
}

impl<S> Guarded<S> {
    fn new(inner: S, place: Place, idle: Duration) -> Self {
        let last = Instant::now();
        Self {
            inner,
            idle,
            last,
            timer: Box::pin(tokio::time::sleep_until(last + idle)),
            _place: place,
        }
    }

    fn moved(&mut self) {
        self.last = Instant::now();
    }

    /// Whether the connection has been idle too long (else the timer wakes this task then).
    fn idle_too_long(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            let due = self.last + self.idle;
            if Instant::now() >= due {
                return true;
            }
            self.timer.as_mut().reset(due);
        }
    }

    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(result) => {
                if result.as_ref().is_ok_and(|n| *n > 0) {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.pending_or_timed_out(cx),
        }
    }

    fn pending_or_timed_out<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if self.idle_too_long(cx) {
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the connection was idle too long",
            )))
        } else {
            Poll::Pending
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.pending_or_timed_out(cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, data);
        this.after_write(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, data);
        this.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => this.pending_or_timed_out(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum_server::accept::Accept;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn limits(total: usize, per_address: usize, idle_secs: f64) -> Limits {
        Limits {
            max_connections: total,
            max_connections_per_address: per_address,
            idle_secs,
            ..Limits::default()
        }
    }

    /// A connected pair: (the server's accepted stream, the client's).
    async fn pair(listener: &tokio::net::TcpListener, from: IpAddr) -> (TcpStream, TcpStream) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((from, 0).into()).unwrap();
        let (client, accepted) = tokio::join!(
            socket.connect(listener.local_addr().unwrap()),
            listener.accept()
        );
        (accepted.unwrap().0, client.unwrap())
    }

    #[tokio::test]
    async fn caps_per_address_and_in_all_and_places_come_back() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = Gate::new(&limits(3, 2, 60.0));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let c: IpAddr = "127.0.0.3".parse().unwrap();
        let mut held = Vec::new();
        for from in [a, a] {
            let (s, _client) = pair(&listener, from).await;
            held.push(gate.accept(s, ()).await.unwrap());
        }
        let (s, _client) = pair(&listener, a).await;
        assert!(gate.accept(s, ()).await.is_err(), "third from one address");
        let (s, _client) = pair(&listener, b).await;
        held.push(gate.accept(s, ()).await.unwrap());
        let (s, _client) = pair(&listener, c).await;
        assert!(gate.accept(s, ()).await.is_err(), "fourth in all");
        assert_eq!(gate.open(a), (3, 2));
        held.clear();
        assert_eq!(gate.open(a), (0, 0));
        let (s, _client) = pair(&listener, c).await;
        assert!(gate.accept(s, ()).await.is_ok());
    }

    #[test]
    fn ipv6_hosts_count_by_their_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same: IpAddr = "2001:db8:1:2:bbbb::7".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(group(one), group(same));
        assert_ne!(group(one), group(other));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(group(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[tokio::test]
    async fn an_idle_connection_fails_and_a_busy_one_lives() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = Gate::new(&limits(10, 10, 0.3));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        // Busy: a byte every 100 ms for a second keeps it open.
        let (s, mut client) = pair(&listener, a).await;
        let (mut busy, ()) = gate.accept(s, ()).await.unwrap();
        let writer = tokio::spawn(async move {
            for _ in 0..10 {
                client.write_all(b"x").await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            client
        });
        let mut got = [0u8; 10];
        busy.read_exact(&mut got).await.unwrap();
        let _client = writer.await.unwrap();
        // Then idle: the next read fails (the guard only keeps a broken timer from hanging).
        let read = tokio::time::timeout(Duration::from_secs(30), busy.read(&mut got)).await;
        let e = read.expect("the idle connection stayed open").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        drop(busy);
        assert_eq!(gate.open(a), (0, 0));
    }
}
