//! The server's resources under attack, against the real binary on loopback: bodies held back,
//! headers that never end and idle TLS connections are refused or closed within the
//! configured bounds, the server's memory stays bounded, and a device keeps syncing
//! throughout. Unauthenticated bodies are never read; a device's body is read bounded in size
//! and time. (`examples/attack-bench.rs` runs the attack at full size and prints the device's
//! latency and the server's memory.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attacker;
mod common;

use std::time::Duration;

use attacker::{
    Fate, Target, idle_tls, loopback, peak_rss, rss_mb, slow_body, slow_headers, tally,
};
use carnet_protocol::PROTOCOL_VERSION;
use common::{Env, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Short bounds, so that the test takes seconds.
const LIMITS: &str = "[limits]
tls_handshake_secs = 2
header_read_secs = 2
idle_secs = 4
body_read_secs = 2
max_connections_per_address = 64
";

/// How long an attacker keeps trying: far past every bound above.
const HOLD: Duration = Duration::from_secs(25);

fn start(env: &Env) -> Server {
    let config = env.dir.path().join("carnet.toml");
    std::fs::write(&config, LIMITS).unwrap();
    Server::start_configured(&env.data_dir(), &config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_attack_is_refused_or_closed_in_bounds_while_a_device_keeps_syncing() {
    let env = Env::new();
    let server = start(&env);
    let device = server.device("S001").await;
    let pid = server.child.id();
    let target = Target::new(&server.base, &server.fingerprint);
    let before = rss_mb(pid);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let peak = peak_rss(pid, stop.clone());
    // Set while the attackers' connections are still being answered.
    let attacking = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let syncing = {
        let stop = stop.clone();
        let attacking = attacking.clone();
        tokio::spawn(async move {
            let (mut ok, mut failed) = (0, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = device.pull_raw("S001", "", 500).await;
                let status = r.status().as_u16();
                if status == 200 && r.bytes().await.is_ok() {
                    if attacking.load(std::sync::atomic::Ordering::Relaxed) {
                        ok += 1;
                    }
                } else {
                    failed.push(status);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (ok, failed)
        })
    };

    // From three loopback addresses other than the device's: 100 bodies of 2 MB held back at the last
    // byte, 250 requests whose headers never end, 500 TLS connections that never ask.
    let mut bodies = Vec::new();
    for _ in 0..100 {
        bodies.push(tokio::spawn(slow_body(
            target.clone(),
            loopback(2),
            2_000_000,
            HOLD,
        )));
    }
    let mut headers = Vec::new();
    for _ in 0..250 {
        let every = Duration::from_millis(500);
        headers.push(tokio::spawn(slow_headers(
            target.clone(),
            loopback(3),
            every,
            HOLD,
        )));
    }
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(tokio::spawn(idle_tls(target.clone(), loopback(4), HOLD)));
    }
    let fates = |tasks: Vec<tokio::task::JoinHandle<Fate>>| async move {
        let mut fates = Vec::new();
        for t in tasks {
            fates.push(t.await.unwrap());
        }
        fates
    };
    let bodies = fates(bodies).await;
    let headers = fates(headers).await;
    let idle = fates(idle).await;
    attacking.store(false, std::sync::atomic::Ordering::Relaxed);
    // The device syncs a little longer, with the attack over.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = peak.await.unwrap();
    let (ok, failed) = syncing.await.unwrap();

    for (what, fates) in [("bodies", &bodies), ("headers", &headers), ("idle", &idle)] {
        let (refused, closed, open, latest) = tally(fates);
        eprintln!(
            "{what}: {refused} refused, {closed} closed (latest after {latest:?}), {open} left open"
        );
        assert_eq!(open, 0, "{what}: connections the server left open");
    }
    // More connections from one address than its cap: some were refused at once.
    assert!(tally(&idle).0 > 0, "the per-address cap refused none");
    eprintln!("server RSS: {before:.0} MB before, {peak:.0} MB at the peak");
    assert!(
        peak < before + 150.0,
        "the server grew from {before:.0} MB to {peak:.0} MB"
    );
    assert!(failed.is_empty(), "device requests failed: {failed:?}");
    // Full pulls of the store's feed, one every 100 ms or so while the attack lasted (about
    // 3 s): about 20 on a quiet machine, fewer on a loaded one; a starved device gets none.
    assert!(
        ok >= 5,
        "the device synced only {ok} times during the attack"
    );
}

/// Sends `head` and `body` on a raw TLS connection from 127.0.0.1 and returns what the server
/// answered (status line), leaving the connection open from this side.
async fn raw(target: &Target, head: &str, body: &[u8]) -> String {
    let mut stream = target.tls_from(loopback(1)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the body is all sent (that is what some cases
    // test): a write refused then is no failure; what the server answered is what counts.
    if stream.write_all(body).await.is_ok() {
        let _ = stream.flush().await;
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(HOLD, stream.read(&mut buf)).await {
            Err(_) => panic!("no answer within {HOLD:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn bodies_are_read_after_the_device_is_known_and_only_so_much_so_long() {
    let env = Env::new();
    let server = start(&env);
    let device = server.device("S001").await;
    let target = Target::new(&server.base, &server.fingerprint);
    let push = |auth: &str, length: usize| {
        format!(
            "POST /v1/stores/S001/mutations HTTP/1.1\r\nhost: carnet\r\nx-carnet-protocol: {PROTOCOL_VERSION}\r\n\
             content-type: application/json\r\n{auth}content-length: {length}\r\n\r\n"
        )
    };
    // No credentials: answered 401 with the body's last byte never sent, so it was not read.
    let status = raw(&target, &push("", 2_000_000), &vec![b' '; 1_000]).await;
    assert!(status.contains(" 401 "), "{status}");
    // A known device declaring more than a push may carry: 413 before a byte is read.
    let signed: String = device
        .headers("POST", "/v1/stores/S001/mutations", b"")
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let status = raw(&target, &push(&signed, 2_000_000), b"").await;
    assert!(status.contains(" 413 "), "{status}");
    // A known device whose body stops short: 408 once the body's time is up.
    let status = raw(&target, &push(&signed, 1000), b"{\"mutations\": [").await;
    assert!(status.contains(" 408 "), "{status}");
    // Enrolment is read before anyone is known: a few KiB at most.
    let enrol = format!(
        "POST {} HTTP/1.1\r\nhost: carnet\r\nx-carnet-protocol: {PROTOCOL_VERSION}\r\ncontent-length: 100000\r\n\r\n",
        carnet_protocol::presence::ENROLL_PATH
    );
    let status = raw(&target, &enrol, b"").await;
    assert!(status.contains(" 413 "), "{status}");
}
