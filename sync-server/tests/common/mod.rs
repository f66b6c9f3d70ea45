//! Shared helpers of the integration tests: a synthetic export, the real server binary on
//! loopback TLS, the CLI, a pinned HTTPS client, enrolled devices (`device`), a provisioned
//! back office with session devices (`provisioned`), a generated tiny store (`store`) and the
//! pieces of the crash campaign (`crash`), a real SMTP server (`smtp`).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod backend;
pub mod crash;
pub mod device;
pub mod equality;
pub mod fake_server;
pub mod needles;
pub mod provisioned;
pub mod smtp;
pub mod store;

pub use device::{ADVISOR, Device};

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carnet_fixtures::format::{
    Address, Advisor, Brand, Category, Consent, Counts, Customer, FORMAT_NAME, FORMAT_VERSION,
    Manifest, Offer, Product, PurchaseLine, Store, files,
};
use carnet_protocol::{ApiError, Change, Mutation, Record};

/// The server binary: the one Cargo built for these tests or, run from an example (Cargo gives
/// examples no binary path), the one of the example's profile, built (or found up to date) by
/// Cargo first, with the examples' feature set so that nothing is built twice.
pub fn bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| match option_env!("CARGO_BIN_EXE_carnet-sync-server") {
        Some(path) => PathBuf::from(path),
        None => build_for_the_example(),
    })
}

fn build_for_the_example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/examples/<name>
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let target = profile_dir.parent().unwrap();
    let server = profile_dir.join("carnet-sync-server");
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["build", "-p", "carnet-sync-server", "--bins", "--examples"])
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        cargo.arg("--release");
    }
    match cargo.status() {
        Ok(status) => assert!(status.success(), "building the server failed: {cargo:?}"),
        // No Cargo here: an existing binary will do.
        Err(e) => assert!(
            server.exists(),
            "cannot build the server ({e}) and {} is missing",
            server.display()
        ),
    }
    server
}

/// The server secret of every server and CLI run of these tests (a test value, nothing else).
pub const SECRET: &str = "7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de7e57c0de";

/// The server binary as a command, given the tests' server secret the way an operator would.
pub fn server_command() -> Command {
    let mut command = Command::new(bin());
    command.env("CARNET_SERVER_SECRET", SECRET);
    // No nightly run of the client book's tasks behind a test's back; the test of that run
    // asks for it.
    command.env("CARNET_TASKS_AT", "off");
    command
}

/// The database of the server on `data`, opened with the tests' secret: what a test reads to
/// see what the server stored (it may run meanwhile).
pub fn server_db(data: &Path) -> ServerDb {
    use carnet_sync_server::{db, secret};
    secret::install(&secret::ServerSecret::from_hex(SECRET, "the tests").unwrap()).unwrap();
    match backend::database_for(data) {
        Some(url) => ServerDb::Postgres(url),
        None => ServerDb::Sqlite(db::open_writer(data).unwrap()),
    }
}

/// A test's own connection to a server's database, on either back end.
pub enum ServerDb {
    /// The data directory's file, open.
    Sqlite(rusqlite::Connection),
    /// The PostgreSQL database's connection string.
    Postgres(String),
}

impl std::fmt::Debug for ServerDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerDb")
    }
}

impl ServerDb {
    /// Runs `f` on the connection. A PostgreSQL connection waits for its driver on a runtime of
    /// its own, which a thread of the test's runtime may neither start nor drop: it is opened,
    /// used and closed on a thread of its own.
    pub fn with<T: Send>(
        &self,
        f: impl FnOnce(&carnet_sync_server::sql::Conn<'_>) -> T + Send,
    ) -> T {
        match self {
            ServerDb::Sqlite(c) => f(&carnet_sync_server::sql::Conn::Lite(c)),
            ServerDb::Postgres(url) => std::thread::scope(|s| {
                s.spawn(|| {
                    let direct = carnet_sync_server::db::open_direct_postgres(url).unwrap();
                    f(&direct.conn())
                })
                .join()
                .unwrap()
            }),
        }
    }

    /// The first column of the first row, as an integer.
    pub fn count(&self, sql: &str, params: &[&str]) -> i64 {
        let params: Vec<&str> = params.to_vec();
        self.with(|c| c.query_row(sql, params, |r| r.get(0)).unwrap())
    }

    /// The first column of every row, as text.
    pub fn texts(&self, sql: &str, params: &[&str]) -> Vec<String> {
        let params: Vec<&str> = params.to_vec();
        self.with(|c| c.query_map(sql, params, |r| r.get(0)).unwrap())
    }
}

/// A small export: 3 stores, 300 customers (60 % S001, 20 % S002, 20 % S003), 5 purchase lines
/// each, an offer for every third.
#[derive(Clone, Debug)]
pub struct Data {
    pub stores: Vec<Store>,
    /// None by default: client books are tested on generated exports.
    pub advisors: Vec<Advisor>,
    pub brands: Vec<Brand>,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    pub customers: Vec<Customer>,
    pub purchases: Vec<PurchaseLine>,
    pub offers: Vec<Offer>,
}

pub const CRM_TIME: &str = "2024-06-01T10:00:00Z";

pub fn data() -> Data {
    let stores = [("S001", "Paris"), ("S002", "Lyon"), ("S003", "Milano")]
        .iter()
        .map(|(id, city)| Store {
            id: (*id).into(),
            name: format!("Carnet {city}"),
            country: if *city == "Milano" { "IT" } else { "FR" }.into(),
            city: (*city).into(),
            postal_code: "00000".into(),
            timezone: "Europe/Paris".into(),
            currency: Some("EUR".into()),
        })
        .collect();
    let brands = (1..=3)
        .map(|i| Brand {
            id: format!("B{i:03}"),
            name: format!("Brand {i}"),
            positioning: "prestige".into(),
        })
        .collect();
    let categories = vec![
        Category {
            id: "skincare".into(),
            name: "Soin".into(),
            parent_id: None,
            sensitive: false,
        },
        Category {
            id: "skincare.cream".into(),
            name: "Crème".into(),
            parent_id: Some("skincare".into()),
            sensitive: false,
        },
    ];
    let products = (1..=20)
        .map(|i| Product {
            id: format!("P{i:06}"),
            ean: format!("{:013}", 3_000_000_000_000u64 + i),
            line_id: format!("L{i:03}"),
            name: format!("Crème {i}"),
            brand_id: format!("B{:03}", 1 + i % 3),
            category_id: "skincare.cream".into(),
            shade: None,
            size: Some("50 ml".into()),
            price_cents: 1000 + i as i64,
            replenishable: true,
            cycle_days: Some(60),
            launch_on: None,
        })
        .collect();
    let mut customers = Vec::new();
    let mut purchases = Vec::new();
    let mut offers = Vec::new();
    for i in 1..=300u32 {
        let store = match i % 5 {
            0..=2 => "S001",
            3 => "S002",
            _ => "S003",
        };
        let id = format!("C{i:07}");
        customers.push(Customer {
            id: id.clone(),
            card: format!("{:013}", 2_000_000_000_000u64 + u64::from(i)),
            first_name: format!("Prénom{i}"),
            // Long enough that no random token or signature in a log holds it by chance.
            last_name: format!("Nomfamille{i}"),
            email: Some(format!("client{i}@example.com")),
            phone: Some(format!("06 00 00 {:02} {:02}", i / 100, i % 100)),
            address: Address {
                line1: format!("{i} rue des Lilas"),
                postal_code: "75011".into(),
                city: "Paris".into(),
                country: "FR".into(),
            },
            language: "fr".into(),
            home_store_id: store.into(),
            tier: "gold".into(),
            points: i64::from(i),
            customer_type: "individual".into(),
            segment: "skincare_expert".into(),
            consents: vec![Consent {
                channel: "email".into(),
                purpose: "marketing".into(),
                granted: true,
                recorded_at: "2024-01-01T00:00:00Z".into(),
                source: "web".into(),
                advisor_id: None,
            }],
            created_on: "2020-01-01".into(),
            updated_at: CRM_TIME.into(),
            advisor_id: None,
            birthday: None,
        });
        for j in 1..=5u32 {
            purchases.push(PurchaseLine {
                id: format!("R{i:07}-{j}"),
                receipt_id: format!("R{i:07}"),
                customer_id: id.clone(),
                store_id: store.into(),
                bought_at: "2024-05-01T12:00:00Z".into(),
                product_id: format!("P{:06}", 1 + (i + j) % 20),
                quantity: 1,
                amount_cents: 1500,
                gift: false,
                advisor_id: None,
                currency: Some("EUR".into()),
                channel: Default::default(),
                order_id: None,
                return_of: None,
            });
        }
        if i % 3 == 0 {
            offers.push(Offer {
                id: format!("O{i:07}"),
                customer_id: id.clone(),
                title: "-20 % sur les soins".into(),
                kind: "percent".into(),
                value: 20,
                brand_id: None,
                category_id: Some("skincare".into()),
                valid_from: "2024-06-01".into(),
                valid_to: "2024-12-31".into(),
                used_at: None,
            });
        }
    }
    Data {
        stores,
        advisors: Vec::new(),
        brands,
        categories,
        products,
        customers,
        purchases,
        offers,
    }
}

fn write_jsonl<T: serde::Serialize>(dir: &Path, file: &str, rows: &[T]) -> u64 {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(file)).unwrap());
    for r in rows {
        serde_json::to_writer(&mut f, r).unwrap();
        f.write_all(b"\n").unwrap();
    }
    f.flush().unwrap();
    rows.len() as u64
}

impl Data {
    /// Writes the export into `dir`.
    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let counts = Counts {
            stores: write_jsonl(dir, files::STORES, &self.stores),
            brands: write_jsonl(dir, files::BRANDS, &self.brands),
            categories: write_jsonl(dir, files::CATEGORIES, &self.categories),
            products: write_jsonl(dir, files::PRODUCTS, &self.products),
            customers: write_jsonl(dir, files::CUSTOMERS, &self.customers),
            purchases: write_jsonl(dir, files::PURCHASES, &self.purchases),
            offers: write_jsonl(dir, files::OFFERS, &self.offers),
            advisors: write_jsonl(dir, files::ADVISORS, &self.advisors),
            // No appointment files.
            ..Default::default()
        };
        let manifest = Manifest {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            generator: "sync-server tests".into(),
            seed: 0,
            size: "export".into(),
            as_of: "2024-06-01".into(),
            counts,
        };
        std::fs::write(
            dir.join(files::MANIFEST),
            serde_json::to_string(&manifest).unwrap(),
        )
        .unwrap();
    }

    pub fn store_of(&self, customer_id: &str) -> &str {
        &self
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .unwrap()
            .home_store_id
    }
}

/// Runs the CLI; panics unless it succeeds. Returns stdout.
/// The GDPR access export of `customer` from the data directory `data`, through the CLI (the
/// file is written beside it).
pub fn access_export(data: &Path, customer: &str) -> serde_json::Value {
    let out = data.with_extension("access.json");
    cli(&[
        "customer",
        "export",
        "--data",
        data.to_str().unwrap(),
        customer,
        "--out",
        out.to_str().unwrap(),
    ]);
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

pub fn cli(args: &[&str]) -> String {
    let mut command = server_command();
    command.args(args).env("RUST_LOG", "warn");
    backend::point(&mut command);
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Rotates the lease-signing key of the server on `data` from the command line; the new public
/// key (base64url).
pub fn rotate_lease_key(data: &Path) -> String {
    let out = cli(&["lease-key", "rotate", "--data", data.to_str().unwrap()]);
    out.split_whitespace()
        .find(|w| w.len() == 43)
        .unwrap_or_else(|| panic!("no key in {out:?}"))
        .to_owned()
}

pub fn import(data_dir: &Path, export: &Path) -> String {
    cli(&[
        "import",
        "--data",
        data_dir.to_str().unwrap(),
        export.to_str().unwrap(),
    ])
}

/// Runs the CLI with `stdin`; returns (success, stdout, stderr).
pub fn cli_in(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut command = server_command();
    command.args(args);
    backend::point(&mut command);
    let mut child = command
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A device's edit of a customer's phone.
pub fn phone_edit(customer: &str, phone: &str) -> carnet_protocol::MutationKind {
    carnet_protocol::MutationKind::ContactEdit {
        customer_id: customer.into(),
        field: carnet_protocol::ContactField::Phone,
        value: Some(carnet_protocol::ContactValue::Text(phone.into())),
    }
}

/// The value of the line of `out` starting with `name`.
pub fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name:?} in {out:?}"))
        .trim()
        .to_owned()
}

/// The real server on loopback; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub fingerprint: String,
    pub data: PathBuf,
    /// Where its debug log goes, when started with [`Server::start_logged`].
    pub log: Option<PathBuf>,
}

impl Server {
    /// The server on `data`, warnings on the test's stderr.
    pub fn start(data: &Path) -> Server {
        Self::spawn(data, "warn", Stdio::inherit(), None, &[])
    }

    /// The server on `data` with a config file (`--config`), warnings on the test's stderr.
    pub fn start_configured(data: &Path, config: &Path) -> Server {
        let config = ["--config", config.to_str().unwrap()];
        Self::spawn(data, "warn", Stdio::inherit(), None, &config)
    }

    /// The server on `data` with `RUST_LOG=debug`, its stderr appended to `log`, for a test
    /// to scan for what must never be logged; `serve` gets `extra` arguments.
    pub fn start_logged(data: &Path, log: PathBuf, extra: &[&str]) -> Server {
        Self::start_logged_on("127.0.0.1:0", data, log, extra)
    }

    /// [`Server::start_logged`], listening on `listen` (an address chosen beforehand, for a
    /// config that names it).
    pub fn start_logged_on(listen: &str, data: &Path, log: PathBuf, extra: &[&str]) -> Server {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        Self::spawn_on(listen, data, "debug", file.into(), Some(log), extra)
    }

    /// Stops the server (SIGKILL), runs `between`, then starts it again on the same address and
    /// data directory (without the first start's extra arguments), so that enrolled devices
    /// find it where they were told.
    pub fn stopped_for(&mut self, between: impl FnOnce()) {
        self.kill();
        between();
        let listen = self.base.trim_start_matches("https://").to_owned();
        let restarted = match self.log.clone() {
            Some(log) => {
                let file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
                Self::spawn_on(&listen, &self.data, "debug", file.into(), Some(log), &[])
            }
            None => Self::spawn_on(&listen, &self.data, "warn", Stdio::inherit(), None, &[]),
        };
        *self = restarted;
    }

    fn spawn(
        data: &Path,
        level: &str,
        stderr: Stdio,
        log: Option<PathBuf>,
        extra: &[&str],
    ) -> Server {
        Self::spawn_on("127.0.0.1:0", data, level, stderr, log, extra)
    }

    /// The server on `data` inside the network namespace `namespace` (`ip netns exec`),
    /// listening on `listen`, warnings on the test's stderr.
    pub fn start_in_namespace(namespace: &str, data: &Path, listen: &str) -> Server {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", namespace]).arg(bin());
        command.env("CARNET_SERVER_SECRET", SECRET);
        Self::spawn_command(command, listen, data, "warn", Stdio::inherit(), None, &[])
    }

    fn spawn_on(
        listen: &str,
        data: &Path,
        level: &str,
        stderr: Stdio,
        log: Option<PathBuf>,
        extra: &[&str],
    ) -> Server {
        Self::spawn_command(server_command(), listen, data, level, stderr, log, extra)
    }

    fn spawn_command(
        mut command: Command,
        listen: &str,
        data: &Path,
        level: &str,
        stderr: Stdio,
        log: Option<PathBuf>,
        extra: &[&str],
    ) -> Server {
        command
            .args([
                "serve",
                "--data",
                data.to_str().unwrap(),
                "--listen",
                listen,
            ])
            .args(extra);
        backend::point(&mut command);
        let mut child = command
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        let mut fingerprint = None;
        while base.is_none() || fingerprint.is_none() {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(addr) = line.strip_prefix("listening on ") {
                base = Some(addr.trim().to_owned());
            } else if let Some(fp) = line.strip_prefix("certificate sha256 ") {
                fingerprint = Some(fp.trim().to_owned());
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base: base.unwrap(),
            fingerprint: fingerprint.unwrap(),
            data: data.to_path_buf(),
            log,
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM; waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop within 10 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn pinned_client(fingerprint: &str) -> reqwest::Client {
    device::pinned_from(fingerprint, None)
}

/// An error answer: (status, body).
pub async fn api_error(r: reqwest::Response) -> (u16, ApiError) {
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    let error = serde_json::from_str(&body)
        .unwrap_or_else(|_| panic!("status {status} without an error body: {body:?}"));
    (status, error)
}

/// (status, error code) of an answer; the code is empty for a success.
pub async fn status_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    let code = serde_json::from_str::<ApiError>(&body)
        .map(|e| e.error)
        .unwrap_or_default();
    (status, code)
}

/// Upserted records of a list of changes, by (entity, id), and the deleted ones.
pub fn upserts(changes: &[Change]) -> Vec<&Record> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Upsert { record } => Some(record),
            Change::Delete { .. } => None,
        })
        .collect()
}

pub fn deletes(changes: &[Change]) -> Vec<(String, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Delete { entity, id } => Some((entity.as_str().to_owned(), id.clone())),
            Change::Upsert { .. } => None,
        })
        .collect()
}

/// A mutation.
/// The rejection code of an outcome; panics when it was not rejected.
pub fn rejected_code(o: &carnet_protocol::Outcome) -> &str {
    match o {
        carnet_protocol::Outcome::Rejected { code, .. } => code,
        _ => panic!("not rejected: {o:?}"),
    }
}

pub fn mutation(seq: u64, made_at: &str, change: carnet_protocol::MutationKind) -> Mutation {
    Mutation {
        seq,
        made_at: made_at.into(),
        advisor_id: Some(ADVISOR.into()),
        change,
    }
}

/// A data directory with the default export imported, and the export's folder.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub data: Data,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data = data();
        let env = Env { dir, data };
        env.data.write(&env.export());
        import(&env.data_dir(), &env.export());
        env
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn export(&self) -> PathBuf {
        self.dir.path().join("export")
    }
}
