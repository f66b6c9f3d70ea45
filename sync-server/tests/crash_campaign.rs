//! A seeded crash campaign: the server, a device process and the importer SIGKILLed at random
//! points of initial sync, delta sync, push and import. After each kill the victim is started
//! again, the work finished, the device cache compared row for row with what the server
//! imported and every edit the device recorded counted on the server: nothing lost, nothing
//! applied twice. Seed and size: `CARNET_CRASH_SEED`, `CARNET_CRASH_KILLS` (`common::crash`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carnet_core::sync::{CancelHandle, Phase, sync};
use carnet_core::{Cache, outbox};
use carnet_protocol::MutationKind;
use chrono::{DateTime, SubsecRound, Utc};
use common::crash::{
    self, AppliedWatch, DeviceProcess, Kill, Point, Rng, Tally, Victim, Work, open_cache,
};
use common::store::{TinyStore, crm_delta, full_sync};
use common::{equality, import, pinned_client};

/// The test that runs as the device process.
const DEVICE_PROCESS: &str = "crash_campaign_device_process";
/// Changes a page of an initial and of a delta sync: enough pages for a kill to land between.
const INITIAL_PAGE: u32 = 100;
const DELTA_PAGE: u32 = 5;
/// Customers each CRM delta changes.
const DELTA_CHANGES: usize = 25;
/// Profile views recorded before each push.
const EDITS_PER_PUSH: usize = 200;
/// Draws of a kill point before a kill that comes after the work is done fails the campaign.
const DRAWS: usize = 10;

/// Runs only as the device process of the campaign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_campaign_device_process() {
    if let Ok(spec) = std::env::var("CARNET_CRASH_DEVICE") {
        crash::device_process(&spec).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_crash_campaign_loses_and_duplicates_nothing() {
    let seed = crash::seed();
    let plan = crash::plan();
    let mut rng = Rng::new(seed);
    let kills = crash::schedule(plan, &mut rng);
    eprintln!("crash campaign seed {seed} (CARNET_CRASH_SEED): {plan:?} (CARNET_CRASH_KILLS)");
    let mut campaign = Campaign::new(rng).await;
    for (n, kill) in kills.iter().enumerate() {
        campaign.run(n + 1, *kill).await;
    }
    let t = &campaign.tally;
    println!("{}", t.summary(seed));
    assert_eq!(
        (t.server_kills, t.device_kills, t.importer_kills),
        (plan.server as u64, plan.device as u64, plan.importer as u64),
        "every kill cut work short"
    );
    assert_eq!(
        t.recoveries,
        t.kills() + t.late,
        "every kill was recovered from"
    );
    assert_eq!(
        (t.rows_lost, t.rows_duplicated, t.edits_lost, t.edits_twice),
        (0, 0, 0, 0),
        "seed {seed}: rows lost, rows duplicated, edits lost, edits applied twice"
    );
}

struct Campaign {
    store: TinyStore,
    /// A data directory that imports every export once, undisturbed.
    reference: PathBuf,
    /// The export the server imported last.
    export: PathBuf,
    deltas: usize,
    /// The device's cache, kept across the campaign (its outbox numbers its edits).
    main: PathBuf,
    fresh: usize,
    /// Every profile view the device recorded, by its time as the server stores it.
    edits: Vec<String>,
    clock: DateTime<Utc>,
    /// How long an undisturbed push of [`EDITS_PER_PUSH`] edits takes to be answered.
    push_time: Duration,
    server_push_kills: usize,
    device_push_kills: usize,
    rng: Rng,
    tally: Tally,
}

impl Campaign {
    async fn new(rng: Rng) -> Self {
        let store = TinyStore::new().await;
        let reference = store.dir.path().join("reference");
        import(&reference, &store.export);
        let mut campaign = Campaign {
            reference,
            export: store.export.clone(),
            deltas: 0,
            main: store.dir.path().join("main.db"),
            fresh: 0,
            edits: Vec::new(),
            clock: Utc::now().trunc_subsecs(0) - chrono::TimeDelta::hours(1),
            push_time: Duration::ZERO,
            server_push_kills: 0,
            device_push_kills: 0,
            rng,
            tally: Tally::default(),
            store,
        };
        // The device's first sync and a first push, undisturbed: how long a push takes.
        let cache = open_cache(&campaign.main);
        full_sync(&cache, &campaign.store.client()).await;
        campaign.record_edits(&cache);
        let started = Instant::now();
        let answered = std::sync::Mutex::new(None);
        sync(
            Arc::clone(&cache),
            &campaign.store.client(),
            true,
            &CancelHandle::new(),
            &|p| {
                if p.phase == Phase::Push {
                    *answered.lock().unwrap() = Some(started.elapsed());
                }
            },
        )
        .await
        .unwrap();
        campaign.push_time = answered.into_inner().unwrap().unwrap();
        campaign.compare(&cache);
        campaign
    }

    /// Runs `kill` (drawing its point again while it comes after the work is done), recovers
    /// and compares.
    async fn run(&mut self, n: usize, kill: Kill) {
        for _ in 0..DRAWS {
            self.store.device.renew().await.unwrap();
            let (point, cut) = match kill.during {
                Work::Import => self.import_killed().await,
                Work::InitialSync => self.sync_killed(kill.victim, false).await,
                Work::DeltaSync => self.sync_killed(kill.victim, true).await,
                Work::Push => self.push_killed(kill.victim).await,
            };
            self.tally.recoveries += 1;
            eprintln!(
                "kill {n}: {:?} during {:?} at {point}: {}",
                kill.victim,
                kill.during,
                if cut {
                    "cut it short"
                } else {
                    "too late, drawn again"
                },
            );
            if cut {
                self.tally.count_kill(kill.victim);
                return;
            }
            self.tally.late += 1;
        }
        panic!("kill {n}: {DRAWS} kill points in a row came after the work was done");
    }

    /// A kill during a sync: of a new cache (initial) or of the device's after a CRM delta.
    async fn sync_killed(&mut self, victim: Victim, delta: bool) -> (String, bool) {
        let (path, limit) = if delta {
            self.import_next();
            (self.main.clone(), DELTA_PAGE)
        } else {
            self.fresh += 1;
            (self.file(&format!("fresh-{}.db", self.fresh)), INITIAL_PAGE)
        };
        let share = self.rng.between(0.05, 0.7);
        let cut = self
            .killed(victim, &path, limit, Point::Pulled(share))
            .await;
        self.recover(victim, &path, limit).await;
        self.compare(&open_cache(&path));
        if !delta {
            remove_cache(&path);
        }
        (format!("{:.0} % of the pull", share * 100.0), cut)
    }

    /// A kill while the device pushes [`EDITS_PER_PUSH`] new edits: as soon as the server has
    /// applied them (its answer on its way), or after a delay.
    async fn push_killed(&mut self, victim: Victim) -> (String, bool) {
        self.record_edits(&open_cache(&self.main));
        let data = self.store.data.clone();
        let device_id = self.store.device.id.clone();
        // Each victim's first push kill, then every other one, comes at the server's commit.
        let kills = if victim == Victim::Server {
            &mut self.server_push_kills
        } else {
            &mut self.device_push_kills
        };
        *kills += 1;
        let (point, mut said) = if *kills % 2 == 0 {
            let delay = self.push_time.mul_f64(self.rng.between(0.2, 1.05));
            let said = format!("{} ms of the push", delay.as_millis());
            (Point::After(delay), said)
        } else {
            let watch = AppliedWatch::new(&data, &device_id);
            (
                Point::Applied(watch),
                "the server's commit of the push".into(),
            )
        };
        let watch = AppliedWatch::new(&data, &device_id);
        let main = self.main.clone();
        let cut = self.killed(victim, &main, INITIAL_PAGE, point).await;
        // Edits the server applied whose answer the device never recorded: sent again.
        let applied = watch.applied();
        let pending = outbox::pending(&open_cache(&main), EDITS_PER_PUSH)
            .unwrap()
            .len() as u64;
        let answered = EDITS_PER_PUSH as u64 - pending;
        self.tally.edits_resent += applied.saturating_sub(answered);
        said += &format!(" ({applied} applied by the server, {answered} answered)");
        self.recover(victim, &main, INITIAL_PAGE).await;
        self.compare(&open_cache(&main));
        (said, cut)
    }

    /// SIGKILLs the importer during the next CRM delta, imports it again, compares the server
    /// with a clean import of the same exports, then syncs the device.
    async fn import_killed(&mut self) -> (String, bool) {
        let next = self.next_export();
        let entities = 1 + self.rng.below(5);
        let delay = Duration::from_millis(self.rng.below(20) as u64);
        let cut = crash::kill_import(&self.store.data, &next, entities, delay);
        self.import(&next);
        let main = open_cache(&self.main);
        full_sync(&main, &self.store.client()).await;
        self.compare(&main);
        let point = format!("{entities} entities and {} ms", delay.as_millis());
        (point, cut)
    }

    /// SIGKILLs `victim` at `point` of a sync of the cache at `path`; whether it cut it short.
    async fn killed(&mut self, victim: Victim, path: &Path, limit: u32, point: Point) -> bool {
        match victim {
            Victim::Server => {
                let client = self.store.client().with_page_limit(limit);
                let pid = self.store.server.child.id();
                crash::sync_killing_server(open_cache(path), client, pid, point).await
            }
            Victim::Device => {
                let spec = crash::device_spec(path, limit, &self.store.device);
                DeviceProcess::start(DEVICE_PROCESS, &spec).kill_at(point)
            }
            Victim::Importer => unreachable!("the importer does not sync"),
        }
    }

    /// Starts the killed process again and finishes the sync with it.
    async fn recover(&mut self, victim: Victim, path: &Path, limit: u32) {
        match victim {
            Victim::Server => {
                self.store.server.stopped_for(|| {});
                let http = pinned_client(&self.store.server.fingerprint);
                self.store.device = self.store.device.with_client(http);
                full_sync(&open_cache(path), &self.store.client()).await;
            }
            Victim::Device => {
                let spec = crash::device_spec(path, limit, &self.store.device);
                DeviceProcess::start(DEVICE_PROCESS, &spec).finish();
            }
            Victim::Importer => unreachable!("the importer is recovered by importing again"),
        }
    }

    /// A file of the campaign's folder.
    fn file(&self, name: &str) -> PathBuf {
        self.store.dir.path().join(name)
    }

    /// The next CRM export, written from the last one.
    fn next_export(&mut self) -> PathBuf {
        self.deltas += 1;
        let next = self.file(&format!("export-{}", self.deltas));
        crm_delta(&self.export, &next, self.deltas, DELTA_CHANGES);
        next
    }

    fn import_next(&mut self) {
        let next = self.next_export();
        self.import(&next);
    }

    /// Imports `export` into the server (again, after a kill) and into the reference, and
    /// counts the server's rows that differ from the reference's.
    fn import(&mut self, export: &Path) {
        import(&self.store.data, export);
        import(&self.reference, export);
        self.export = export.to_path_buf();
        let (lost, extra) = equality::differences(
            &crash::imported_rows(&self.reference),
            &crash::imported_rows(&self.store.data),
        );
        self.count_rows("server after import", lost, extra);
    }

    /// Records [`EDITS_PER_PUSH`] profile views of the store's customers, a millisecond apart.
    fn record_edits(&mut self, cache: &Cache) {
        let customers: Vec<String> = cache
            .read(|c| {
                Ok(c.prepare("SELECT id FROM customer")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
        for _ in 0..EDITS_PER_PUSH {
            self.clock += chrono::TimeDelta::milliseconds(1);
            let customer_id = customers[self.rng.below(customers.len())].clone();
            outbox::record(
                cache,
                MutationKind::ProfileView { customer_id },
                None,
                self.clock,
            )
            .unwrap();
            self.edits
                .push(carnet_sync_server::ids::format_time(self.clock));
        }
        self.tally.edits += EDITS_PER_PUSH as u64;
    }

    /// The cache against the export the server imported last, row for row; the outbox empty;
    /// every recorded edit on the server once.
    fn compare(&mut self, cache: &Cache) {
        let (lost, extra) = crash::cache_differences(cache, &self.export);
        self.count_rows("device cache", lost, extra);
        let pending = outbox::pending(cache, 1).unwrap().len();
        assert_eq!(pending, 0, "a finished sync leaves no edit pending");
        let (lost, twice) =
            crash::edit_differences(&self.store.data, &self.store.device.id, &self.edits);
        // The server's audit table holds every edit so far: its count is the campaign's.
        self.tally.edits_lost = lost;
        self.tally.edits_twice = twice;
    }

    fn count_rows(&mut self, what: &str, lost: u64, extra: u64) {
        if lost + extra > 0 {
            eprintln!("{what}: {lost} rows lost, {extra} rows duplicated or stale");
        }
        self.tally.rows_lost += lost;
        self.tally.rows_duplicated += extra;
    }
}

fn remove_cache(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}
