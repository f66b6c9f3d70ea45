//! The store network with real interfaces: the sync server and a handheld process in two
//! network namespaces joined by a veth pair (iproute2), the handheld watching its interface
//! as a phone's path monitor does. The link goes down: the handheld locks, and says why; it
//! comes back: the advisor signs in again and the edit made before goes through; the handheld
//! moves to another subnet (the guest Wi-Fi) that still reaches the server: it stays locked.
//!
//! Needs root (or CAP_NET_ADMIN) and `ip`; where the kernel refuses a namespace, the test says
//! so on stderr and passes without running.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use carnet_core::outbox;
use carnet_core::session::{
    DevFileKeyStore, NetworkEvent, Platform, Session, SessionObserver, SessionState, SystemClock,
};
use carnet_core::sync::CancelHandle;
use carnet_protocol::{ContactField, ContactValue, MutationKind};
use common::{Server, cli, cli_in, field};

const ADVISOR: &str = "A1";
const ADVISOR_PIN: &str = "48213957";
const SERVER_ADDR: &str = "10.77.0.1";
const DEVICE_ADDR: &str = "10.77.0.2";
const STORE_RANGE: &str = "10.77.0.0/24";
/// The guest Wi-Fi: another subnet, routed to the server, outside the store's range.
const GUEST_SERVER_ADDR: &str = "10.78.0.1";
const GUEST_DEVICE_ADDR: &str = "10.78.0.2";
/// How long the parent waits for the handheld to tell something.
const PATIENCE: Duration = Duration::from_secs(60);

/// Runs `ip ARGS`; its success.
fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `ip ARGS`, which must succeed.
fn must(args: &[&str]) {
    assert!(ip(args), "ip {} failed", args.join(" "));
}

/// Two namespaces joined by a veth pair: the server's side (`srv`) and the handheld's
/// (`dev`), removed when dropped.
struct Link {
    server_ns: String,
    device_ns: String,
    device_if: String,
    server_if: String,
}

impl Link {
    /// `None` where namespaces, a veth pair or `ip netns exec` cannot be had here (what was
    /// made is removed).
    fn new() -> Option<Link> {
        let id = std::process::id();
        let link = Link {
            server_ns: format!("carnet-srv-{id}"),
            device_ns: format!("carnet-dev-{id}"),
            server_if: format!("cs{id}"),
            device_if: format!("cd{id}"),
        };
        let (s, d) = (link.server_ns.as_str(), link.device_ns.as_str());
        let pair = [
            "link",
            "add",
            &link.server_if,
            "netns",
            s,
            "type",
            "veth",
            "peer",
            "name",
            &link.device_if,
            "netns",
            d,
        ];
        let made = ip(&["netns", "add", s])
            && ip(&["netns", "add", d])
            && ip(&pair)
            && [
                (s, &link.server_if, SERVER_ADDR),
                (d, &link.device_if, DEVICE_ADDR),
            ]
            .iter()
            .all(|(ns, iface, addr)| {
                ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", iface])
                    && ip(&["-n", ns, "link", "set", iface, "up"])
                    && ip(&["-n", ns, "link", "set", "lo", "up"])
            })
            && Command::new("ip")
                .args(["netns", "exec", d, "true"])
                .status()
                .is_ok_and(|st| st.success());
        made.then_some(link)
    }

    fn device(&self, args: &[&str]) {
        let mut all = vec!["-n", self.device_ns.as_str()];
        all.extend_from_slice(args);
        must(&all);
    }

    fn server(&self, args: &[&str]) {
        let mut all = vec!["-n", self.server_ns.as_str()];
        all.extend_from_slice(args);
        must(&all);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Deleting a namespace deletes its end of the pair, and with it the other.
        ip(&["netns", "delete", &self.device_ns]);
        ip(&["netns", "delete", &self.server_ns]);
    }
}

/// The handheld process, seen from the test: its lines, and its stdin for orders.
struct Handheld {
    child: Child,
    orders: ChildStdin,
    lines: Receiver<String>,
}

impl Handheld {
    /// Waits for a line starting with `prefix` (other lines are skipped); the rest of it.
    fn expect(&self, prefix: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut said = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("the handheld never said {prefix:?}; it said {said:#?}");
            };
            // The test harness may print its own words first on the line.
            if let Some(at) = line.find(prefix) {
                return line[at + prefix.len()..].trim().to_owned();
            }
            said.push(line);
        }
    }

    fn order(&mut self, order: &str) {
        writeln!(self.orders, "{order}").unwrap();
    }
}

impl Drop for Handheld {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn link_down_locks_back_up_signs_in_and_sends_and_the_guest_wifi_stays_locked() {
    if std::env::var_os("CARNET_HANDHELD_CHILD").is_some() {
        return; // the child runs `handheld_in_its_namespace` instead
    }
    let Some(link) = Link::new() else {
        eprintln!(
            "SKIPPED: this kernel or account refuses network namespaces (`ip netns add`, a veth \
             pair or `ip netns exec` failed); the real-interface test needs root or \
             CAP_NET_ADMIN"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    common::data().write(&export);
    let data = dir.path().join("server");
    let d = data.to_str().unwrap();
    common::import(&data, &export);
    cli(&[
        "store",
        "add",
        "--data",
        d,
        "--store",
        "S001",
        "--name",
        "Paris",
        "--network",
        STORE_RANGE,
    ]);
    let (ok, _, err) = cli_in(
        &[
            "advisor", "add", "--data", d, "--store", "S001", "--id", ADVISOR, "--name", "Alice",
        ],
        &format!("{ADVISOR_PIN}\n"),
    );
    assert!(ok, "{err}");
    let code = field(
        &cli(&[
            "enrollment",
            "issue",
            "--data",
            d,
            "--store",
            "S001",
            "--no-qr",
        ]),
        "code ",
    );
    let server = Server::start_in_namespace(&link.server_ns, &data, &format!("{SERVER_ADDR}:0"));

    // The handheld: this test binary again, in its namespace.
    let mut child = Command::new("ip")
        .args(["netns", "exec", &link.device_ns])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "handheld_in_its_namespace",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("CARNET_HANDHELD_CHILD", "1")
        .env("CARNET_HANDHELD_DIR", dir.path().join("handheld"))
        .env("CARNET_HANDHELD_SERVER", &server.base)
        .env("CARNET_HANDHELD_PIN", &server.fingerprint)
        .env("CARNET_HANDHELD_CODE", &code)
        .env("CARNET_HANDHELD_IFACE", &link.device_if)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let orders = child.stdin.take().unwrap();
    let mut handheld = Handheld {
        child,
        orders,
        lines,
    };
    let ready = handheld.expect("carnet: ready");
    assert!(ready.contains("pending 1"), "{ready}");

    // The link goes down.
    let down = Instant::now();
    link.device(&["link", "set", &link.device_if, "down"]);
    let locked = handheld.expect("carnet: locked");
    let took = down.elapsed();
    assert_eq!(locked, "NotOnStoreNetwork");
    eprintln!(
        "link down → locked in {} ms (the handheld's path monitor polls every 200 ms)",
        took.as_millis()
    );

    // Back up: presence again, the advisor signs in, the edit made before goes through.
    link.device(&["link", "set", &link.device_if, "up"]);
    handheld.order("sign-in");
    let synced = handheld.expect("carnet: synced");
    assert_eq!(synced, "pushed 1 pending 0", "{synced}");

    // The guest Wi-Fi: another subnet, still routed to the server.
    link.server(&[
        "addr",
        "add",
        &format!("{GUEST_SERVER_ADDR}/24"),
        "dev",
        &link.server_if,
    ]);
    link.device(&["addr", "flush", "dev", &link.device_if]);
    link.device(&[
        "addr",
        "add",
        &format!("{GUEST_DEVICE_ADDR}/24"),
        "dev",
        &link.device_if,
    ]);
    link.device(&[
        "route",
        "add",
        &format!("{SERVER_ADDR}/32"),
        "dev",
        &link.device_if,
    ]);
    let locked = handheld.expect("carnet: locked");
    assert_eq!(locked, "NotOnStoreNetwork");
    handheld.order("try");
    // The server answered (this is no lost link): refused as off the store network.
    let tried = handheld.expect("carnet: tried");
    assert_eq!(
        tried, "presence refused NotOnStoreNetwork; sign-in refused",
        "{tried}"
    );
    handheld.order("quit");
    handheld.expect("carnet: bye");
    drop(server);
}

/// Prints every lock of the session, for the parent.
struct Announcer;

impl SessionObserver for Announcer {
    fn state_changed(&self, state: SessionState) {
        if let SessionState::Locked { reason } = state {
            println!("carnet: locked {reason:?}");
        }
    }
}

/// What the interface looks like: up, and its IPv4 addresses.
fn interface(iface: &str) -> (bool, String) {
    let up = std::fs::read_to_string(format!("/sys/class/net/{iface}/operstate"))
        .is_ok_and(|s| s.trim() == "up");
    let addrs = Command::new("ip")
        .args(["-4", "-o", "addr", "show", "dev", iface])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    (up, addrs)
}

/// The handheld, run by the test above in its own namespace: enrols, signs in, syncs, makes an
/// edit, then watches its interface and obeys the parent's orders on stdin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handheld_in_its_namespace() {
    let Some(dir) = std::env::var_os("CARNET_HANDHELD_DIR") else {
        return; // only runs as the child
    };
    let var = |name: &str| std::env::var(name).unwrap();
    let keys = Arc::new(DevFileKeyStore::new(std::path::Path::new(&dir).join("keys")).unwrap());
    let session = Session::open(
        std::path::Path::new(&dir).join("data"),
        Platform {
            key_store: keys,
            clock: Arc::new(SystemClock::new()),
            app_version: "netns-test".into(),
        },
    )
    .unwrap();
    session
        .enroll(
            var("CARNET_HANDHELD_SERVER"),
            var("CARNET_HANDHELD_PIN"),
            var("CARNET_HANDHELD_CODE"),
        )
        .await
        .unwrap();
    session
        .sign_in(ADVISOR.into(), ADVISOR_PIN.into())
        .await
        .unwrap();
    session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    {
        let cache = session.cache().unwrap();
        let edit = MutationKind::ContactEdit {
            customer_id: "C0000001".into(),
            field: ContactField::Phone,
            value: Some(ContactValue::Text("06 12 34 56 78".into())),
        };
        outbox::record(&cache, edit, Some(ADVISOR), chrono::Utc::now()).unwrap();
    }
    let pending = outbox::pending(&session.cache().unwrap(), 10)
        .unwrap()
        .len();
    session.subscribe(Arc::new(Announcer));
    let _renewal = session.spawn_background(Duration::from_secs(1));

    // The path monitor: a change of the interface's state or addresses is a network event.
    // Its first look is taken before "ready": the parent cuts the link as soon as it reads it.
    let iface = var("CARNET_HANDHELD_IFACE");
    // The kernel says a veth is up (operstate) only when its link watch runs, up to a second
    // after `ip link set up`: a first look before that sees it down, and the cut is no change.
    let deadline = Instant::now() + PATIENCE;
    while !interface(&iface).0 {
        assert!(Instant::now() < deadline, "{iface} never came up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let watched = session.clone();
    let mut last = interface(&iface);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = interface(&iface);
            if now != last {
                let event = NetworkEvent {
                    path_available: now.0 && !now.1.is_empty(),
                    wifi_hint: None,
                    source_address: None,
                };
                watched.network_changed(event).await;
                last = now;
            }
        }
    });
    println!("carnet: ready pending {pending}");

    let (orders_tx, mut orders) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if orders_tx.send(line).is_err() {
                return;
            }
        }
    });
    while let Some(order) = orders.recv().await {
        match order.as_str() {
            "sign-in" => {
                let deadline = Instant::now() + PATIENCE;
                while session.check_presence().await.is_err() {
                    assert!(Instant::now() < deadline, "never present again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                session
                    .sign_in(ADVISOR.into(), ADVISOR_PIN.into())
                    .await
                    .unwrap();
                let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
                let pending = outbox::pending(&session.cache().unwrap(), 10)
                    .unwrap()
                    .len();
                println!("carnet: synced pushed {} pending {pending}", report.pushed);
            }
            "try" => {
                let presence = match session.check_presence().await {
                    Ok(_) => "presence granted".to_owned(),
                    Err(carnet_core::session::SessionError::Locked(reason)) => {
                        format!("presence refused {reason:?}")
                    }
                    Err(e) => format!("presence failed {e:?}"),
                };
                let sign_in = match session.sign_in(ADVISOR.into(), ADVISOR_PIN.into()).await {
                    Ok(_) => "sign-in granted",
                    Err(_) => "sign-in refused",
                };
                println!("carnet: tried {presence}; {sign_in}");
            }
            _ => {
                println!("carnet: bye");
                return;
            }
        }
    }
}
