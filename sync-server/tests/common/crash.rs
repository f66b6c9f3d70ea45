//! The pieces of a seeded crash campaign: its seed and size from the environment, a schedule
//! of kills (which process, in which phase, at what point), SIGKILL at a pull's progress or
//! after a delay, a device sync in a child process that says how far it got, and the tally.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use carnet_core::sync::{CancelHandle, Phase, SyncClient, SyncError, SyncReport, sync};
use carnet_core::{Cache, CacheKey};
use carnet_reco::split::SplitMix64;

use super::store::STORE;
use super::{Device, equality, server_db};

/// The seed when `CARNET_CRASH_SEED` is not set.
pub const DEFAULT_SEED: u64 = 20_240_601;
/// Server and device kills each when `CARNET_CRASH_KILLS` is not set (what CI runs).
pub const DEFAULT_KILLS: usize = 4;

/// The campaign's seed: `CARNET_CRASH_SEED`, else [`DEFAULT_SEED`].
pub fn seed() -> u64 {
    env_number("CARNET_CRASH_SEED").unwrap_or(DEFAULT_SEED)
}

/// How many kills of each process: `CARNET_CRASH_KILLS` of the server and of the device, half
/// as many of the importer (at least two).
pub fn plan() -> Plan {
    let kills = env_number("CARNET_CRASH_KILLS").map_or(DEFAULT_KILLS, |n| n as usize);
    Plan {
        server: kills,
        device: kills,
        importer: (kills / 2).max(2),
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
    )
}

/// Kills per process.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub server: usize,
    pub device: usize,
    pub importer: usize,
}

/// The campaign's random draws: the recommendation engine's seeded generator (SplitMix64).
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        self.0.shuffle(items);
    }
}

/// The process a kill takes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Victim {
    Server,
    Device,
    Importer,
}

/// What was running when it died.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    InitialSync,
    DeltaSync,
    Push,
    Import,
}

/// One scheduled kill.
#[derive(Clone, Copy, Debug)]
pub struct Kill {
    pub victim: Victim,
    pub during: Work,
}

/// The kills of `plan`, the server's and the device's spread evenly over initial sync, delta
/// sync and push, in an order drawn from `rng`.
pub fn schedule(plan: Plan, rng: &mut Rng) -> Vec<Kill> {
    let mut kills = Vec::new();
    for (victim, count) in [(Victim::Server, plan.server), (Victim::Device, plan.device)] {
        let first = rng.below(3);
        for i in 0..count {
            let during = [Work::InitialSync, Work::DeltaSync, Work::Push][(first + i) % 3];
            kills.push(Kill { victim, during });
        }
    }
    for _ in 0..plan.importer {
        kills.push(Kill {
            victim: Victim::Importer,
            during: Work::Import,
        });
    }
    rng.shuffle(&mut kills);
    kills
}

/// When to send SIGKILL.
#[derive(Debug)]
pub enum Point {
    /// Once this share of the pull (changes applied of the server's estimate) is done.
    Pulled(f64),
    /// This long after the sync started.
    After(Duration),
    /// As soon as the server has applied a push (its answer may still be on its way).
    Applied(AppliedWatch),
}

/// Watches the server's mutation log for a device's edits.
#[derive(Debug)]
pub struct AppliedWatch {
    conn: super::ServerDb,
    device_id: String,
    /// The count before the push.
    before: u64,
}

impl AppliedWatch {
    pub fn new(data: &Path, device_id: &str) -> Self {
        let conn = server_db(data);
        let before = applied_count(&conn, device_id);
        Self {
            conn,
            device_id: device_id.to_owned(),
            before,
        }
    }

    /// Edits applied since the watch began.
    pub fn applied(&self) -> u64 {
        applied_count(&self.conn, &self.device_id) - self.before
    }

    /// Returns once the server has applied an edit more.
    fn wait(&self) {
        for _ in 0..120_000 {
            if self.applied() > 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Not a time limit on the test: a push this slow is stuck.
        panic!("the server applied nothing in two minutes");
    }
}

fn applied_count(conn: &super::ServerDb, device_id: &str) -> u64 {
    conn.count(
        "SELECT count(*) FROM mutation_log WHERE device_id = ?1",
        &[device_id],
    ) as u64
}

/// SIGKILL to `pid`, at once (the caller reaps it).
pub fn sigkill(pid: u32) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -KILL {pid}");
}

/// The key of every cache of the campaign.
pub fn cache_key() -> CacheKey {
    CacheKey::from_bytes(&[1; 32]).unwrap()
}

pub fn open_cache(path: &Path) -> Arc<Cache> {
    Arc::new(Cache::open(path, &cache_key()).unwrap())
}

/// Syncs `cache` in this process and SIGKILLs the server (`server_pid`) at `point`. Returns
/// whether the kill interrupted the sync (it failed on the network).
pub async fn sync_killing_server(
    cache: Arc<Cache>,
    client: SyncClient,
    server_pid: u32,
    point: Point,
) -> bool {
    let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pulled = match point {
        Point::Pulled(share) => Some(share),
        _ => None,
    };
    let task = tokio::spawn({
        let fired = Arc::clone(&fired);
        async move {
            let on_progress = move |p: carnet_core::sync::Progress| {
                if let Some(share) = pulled
                    && p.phase == Phase::Pull
                    && p.done as f64 >= share * p.total as f64
                    && !fired.swap(true, std::sync::atomic::Ordering::SeqCst)
                {
                    sigkill(server_pid);
                }
            };
            sync(cache, &client, true, &CancelHandle::new(), &on_progress).await
        }
    });
    match point {
        Point::Pulled(_) => {}
        Point::After(delay) => {
            tokio::time::sleep(delay).await;
            sigkill(server_pid);
        }
        Point::Applied(watch) => {
            tokio::task::spawn_blocking(move || watch.wait())
                .await
                .unwrap();
            sigkill(server_pid);
        }
    }
    interrupted(task.await.unwrap())
}

fn interrupted(result: Result<SyncReport, SyncError>) -> bool {
    match result {
        Ok(_) => false,
        Err(SyncError::Network(_)) => true,
        Err(other) => panic!("a sync cut by a server crash failed otherwise: {other:?}"),
    }
}

/// What the device process is told: `cache|page limit|device`.
pub fn device_spec(cache: &Path, page_limit: u32, device: &Device) -> String {
    format!("{}|{page_limit}|{}", cache.display(), device.export())
}

/// The device process (run by the test binary as a child): syncs the cache of `spec` once,
/// printing `crash-device start`, a line per step (`push|pull DONE TOTAL`) and `done`.
pub async fn device_process(spec: &str) {
    let mut parts = spec.splitn(3, '|');
    let (path, limit, device) = (
        parts.next().unwrap(),
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap(),
    );
    let cache = open_cache(Path::new(path));
    let device = Device::import(device);
    device.renew().await.unwrap();
    let client = device.sync_client().with_page_limit(limit);
    say("start");
    let report = sync(cache, &client, true, &CancelHandle::new(), &|p| {
        let phase = match p.phase {
            Phase::Push => "push",
            Phase::Pull => "pull",
        };
        say(&format!("{phase} {} {}", p.done, p.total));
    })
    .await
    .unwrap();
    say(&format!("done {} {}", report.pushed, report.pulled));
}

fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "crash-device {line}").unwrap();
    out.flush().unwrap();
}

/// A device process running (the test binary's `child_test`), and what it has said so far.
pub struct DeviceProcess {
    child: Child,
    lines: Receiver<String>,
    done: bool,
}

impl DeviceProcess {
    /// Starts `child_test` of this test binary with `spec` in `CARNET_CRASH_DEVICE`.
    pub fn start(child_test: &str, spec: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child_test, "--nocapture", "--test-threads", "1"])
            .env("CARNET_CRASH_DEVICE", spec)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The test harness may print the test's name on the same line first.
                if let Some((_, said)) = line.split_once("crash-device ")
                    && send.send(said.to_owned()).is_err()
                {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            done: false,
        }
    }

    /// The next line, or None once the process has closed its output.
    fn next(&mut self) -> Option<String> {
        match self.lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                self.done |= line.starts_with("done");
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            // Not a time limit on the test: a process silent this long is stuck.
            Err(RecvTimeoutError::Timeout) => panic!("the device process said nothing"),
        }
    }

    /// Runs to the end; panics unless the sync succeeded.
    pub fn finish(mut self) {
        while self.next().is_some() {}
        let status = self.child.wait().unwrap();
        assert!(
            status.success() && self.done,
            "the device process failed: {status}"
        );
    }

    /// SIGKILLs it at `point` (`After` and `Applied` count from its `start`). Returns whether that cut its
    /// sync short: it was killed, not exited, and had not said `done`.
    pub fn kill_at(mut self, point: Point) -> bool {
        while let Some(line) = self.next() {
            let due = match &point {
                Point::After(delay) => {
                    if line == "start" {
                        std::thread::sleep(*delay);
                        true
                    } else {
                        false
                    }
                }
                Point::Applied(watch) => {
                    if line == "start" {
                        watch.wait();
                        true
                    } else {
                        false
                    }
                }
                Point::Pulled(share) => line
                    .strip_prefix("pull ")
                    .and_then(|rest| rest.split_once(' '))
                    .is_some_and(|(done, total)| {
                        done.parse::<f64>().unwrap() >= share * total.parse::<f64>().unwrap()
                    }),
            };
            if due {
                sigkill(self.child.id());
                break;
            }
        }
        let status = self.child.wait().unwrap();
        while self.next().is_some() {}
        status.signal() == Some(9) && !self.done
    }
}

/// SIGKILLs an `import` of `export` into `data` once it has reported `entities` entities done
/// (of seven), plus `delay`. Returns whether it was still importing.
pub fn kill_import(data: &Path, export: &Path, entities: usize, delay: Duration) -> bool {
    let mut child = super::server_command()
        .args(["import", "--data", data.to_str().unwrap()])
        .arg(export)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = 0;
    for line in stderr.lines().map_while(Result::ok) {
        if line.starts_with("import: ") {
            seen += 1;
            if seen == entities {
                std::thread::sleep(delay);
                sigkill(child.id());
                break;
            }
        }
    }
    child.wait().unwrap().signal() == Some(9)
}

/// What the importer leaves in the server: the feed's rows of imported entities and the
/// import hashes, as comparable strings (seq left out: a rerun may number them otherwise).
pub fn imported_rows(data: &Path) -> BTreeMap<&'static str, Vec<String>> {
    use carnet_sync_server::sealed;
    server_db(data).with(|conn| {
        // Payloads opened: on PostgreSQL each is sealed with a nonce of its own.
        let mut feed = conn
            .query_map(
                "SELECT store_id, entity, entity_id, coalesce(customer_id, ''), deleted, payload
                 FROM feed WHERE entity IN
                 ('store', 'brand', 'category', 'product', 'customer', 'purchase', 'offer')",
                (),
                |r| {
                    Ok((
                        [r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .unwrap()
            .into_iter()
            .map(|(text, deleted, stored)| {
                let payload = sealed::from_stored(conn, stored).unwrap();
                format!("{}|{deleted}|{payload}", text.join("|"))
            })
            .collect::<Vec<_>>();
        feed.sort();
        let mut imported = conn
            .query_map("SELECT entity, entity_id, hash FROM imported", (), |r| {
                let hash: Vec<u8> = r.get(2)?;
                let hex: String = hash.iter().map(|b| format!("{b:02X}")).collect();
                Ok(format!(
                    "{}|{}|{hex}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ))
            })
            .unwrap();
        imported.sort();
        BTreeMap::from([("feed", feed), ("imported", imported)])
    })
}

/// (lost, extra) rows of a device cache against the store's share of `export`.
pub fn cache_differences(cache: &Cache, export: &Path) -> (u64, u64) {
    equality::differences(&equality::expected(export, STORE), &equality::actual(cache))
}

/// (lost, applied twice) of the profile views `made_at` a device recorded, counted in the
/// server's audit table (each applied edit is one row there).
pub fn edit_differences(data: &Path, device_id: &str, made_at: &[String]) -> (u64, u64) {
    let stored: BTreeMap<String, u64> = server_db(data)
        .texts(
            "SELECT viewed_at || '|' || count(*) FROM profile_view WHERE device_id = ?1
             GROUP BY viewed_at",
            &[device_id],
        )
        .into_iter()
        .map(|row| {
            let (at, n) = row.rsplit_once('|').unwrap();
            (at.to_owned(), n.parse().unwrap())
        })
        .collect();
    let lost = made_at.iter().filter(|m| !stored.contains_key(*m)).count() as u64;
    let twice = stored.values().map(|n| n - 1).sum();
    (lost, twice)
}

/// The campaign's counts.
#[derive(Debug, Default)]
pub struct Tally {
    pub server_kills: u64,
    pub device_kills: u64,
    pub importer_kills: u64,
    /// Kills sent after the work had finished: not counted above, drawn again.
    pub late: u64,
    pub recoveries: u64,
    pub rows_lost: u64,
    pub rows_duplicated: u64,
    pub edits: u64,
    pub edits_lost: u64,
    pub edits_twice: u64,
    /// Edits the server had applied when it or the device died, still pending on the device:
    /// sent again after recovery.
    pub edits_resent: u64,
}

impl Tally {
    pub fn kills(&self) -> u64 {
        self.server_kills + self.device_kills + self.importer_kills
    }

    pub fn count_kill(&mut self, victim: Victim) {
        match victim {
            Victim::Server => self.server_kills += 1,
            Victim::Device => self.device_kills += 1,
            Victim::Importer => self.importer_kills += 1,
        }
    }

    pub fn summary(&self, seed: u64) -> String {
        format!(
            "crash campaign seed {seed}: server kills {}, device kills {}, importer kills {}, \
             recoveries {}, rows lost {}, rows duplicated {}, edits lost {}, edits applied twice {} \
             ({} edits, {} re-sent after a kill, {} kills too late to count)",
            self.server_kills,
            self.device_kills,
            self.importer_kills,
            self.recoveries,
            self.rows_lost,
            self.rows_duplicated,
            self.edits_lost,
            self.edits_twice,
            self.edits,
            self.edits_resent,
            self.late,
        )
    }
}
