//! The nightly run of the client book's tasks: a running server makes them at its hour, the
//! same from a store's feed (same ids, same advisors) as a device of the store makes from its
//! synced cache; the manager's results count what is open, and a task done on a device leaves
//! the count; an erasure takes her tasks away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use carnet_protocol::{MutationKind, Outcome, TaskAction};
use common::store::{STORE, TinyStore, full_sync};
use common::{ADVISOR, cli, mutation, server_db};

/// `(task id, advisor)` of every task in `rows`.
type Tasks = BTreeSet<(String, Option<String>)>;

fn device_tasks(cache: &carnet_core::Cache) -> Tasks {
    cache
        .read(|c| {
            let mut stmt = c.prepare("SELECT id, advisor_id FROM task")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .unwrap()
}

fn server_tasks(data: &std::path::Path) -> Tasks {
    server_db(data).with(|c| {
        c.query_map(
            "SELECT id, advisor_id FROM task WHERE store_id = ?1",
            [STORE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
        .into_iter()
        .collect()
    })
}

/// The `open tasks` column summed over advisors, and the group's line, of `advisor results`.
fn open_in_results(setup: &TinyStore) -> (u32, u32) {
    let out = cli(&[
        "advisor",
        "results",
        "--data",
        setup.data(),
        "--store",
        STORE,
    ]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = header.iter().position(|h| *h == "open tasks").unwrap();
    let mut mine = 0;
    let mut group = None;
    for line in lines {
        if let Some(n) = line.strip_prefix("group tasks open: ") {
            group = Some(n.trim().parse().unwrap());
        } else {
            mine += line
                .split('\t')
                .nth(column)
                .unwrap()
                .parse::<u32>()
                .unwrap();
        }
    }
    (mine, group.expect(&out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_night_makes_the_devices_tasks_and_the_results_count_them() {
    let setup = TinyStore::new().await;
    let out = cli(&["model", "build", "--data", setup.data()]);
    assert!(out.starts_with("model 1: "), "{out}");
    let as_of = carnet_fixtures::Export::open(&setup.export)
        .unwrap()
        .manifest()
        .as_of
        .clone();

    // The device: a full sync, then its own tasks for the day.
    let cache = setup.device("handheld");
    full_sync(&cache, &setup.client()).await;
    let day: chrono::NaiveDate = as_of.parse().unwrap();
    let made = carnet_core::tasks::refresh(&cache, STORE, day).unwrap();
    let on_device = device_tasks(&cache);
    assert_eq!(made as usize, on_device.len());
    assert!(
        on_device.len() >= 5,
        "too few tasks to compare: {on_device:?}"
    );

    // The server: the same tasks, with the same ids and advisors.
    let out = cli(&[
        "tasks",
        "run",
        "--data",
        setup.data(),
        "--store",
        STORE,
        "--day",
        &as_of,
    ]);
    assert!(
        out.contains(&format!("{STORE}\t")) && out.contains(&format!("{} tasks", on_device.len())),
        "{out}"
    );
    let on_server = server_tasks(&setup.data);
    assert_eq!(on_server, on_device);
    let kinds: BTreeSet<String> = server_db(&setup.data)
        .texts("SELECT kind FROM task WHERE store_id = ?1", &[STORE])
        .into_iter()
        .collect();
    assert!(kinds.len() >= 2, "one kind only: {kinds:?}");

    // The manager's results count them: her book's by advisor, the rest as the group's.
    let (mine, group) = open_in_results(&setup);
    let with_advisor = on_server.iter().filter(|(_, a)| a.is_some()).count() as u32;
    assert_eq!(
        (mine, group),
        (with_advisor, on_server.len() as u32 - with_advisor)
    );

    // A task done on a device leaves the count.
    let (task_id, _) = on_server.iter().next().unwrap().clone();
    let customer_id = server_db(&setup.data).texts(
        "SELECT customer_id FROM task WHERE store_id = ?1 AND id = ?2",
        &[STORE, &task_id],
    )[0]
    .clone();
    let mut done = mutation(
        1,
        &format!("{as_of}T12:00:00Z"),
        MutationKind::Task {
            task_id: task_id.clone(),
            customer_id: customer_id.clone(),
            action: TaskAction::Done,
        },
    );
    done.advisor_id = Some(ADVISOR.into());
    let pushed = setup.device.push(STORE, vec![done]).await;
    assert_eq!(pushed.results[0].outcome, Outcome::Applied);
    let (mine_after, group_after) = open_in_results(&setup);
    assert_eq!(mine_after + group_after, mine + group - 1);

    // An erasure takes her tasks away at once.
    let out = cli(&["customer", "erase", "--data", setup.data(), &customer_id]);
    assert!(out.contains("erased"), "{out}");
    assert_eq!(
        server_db(&setup.data).count(
            "SELECT count(*) FROM task WHERE customer_id = ?1",
            &[&customer_id]
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_makes_the_days_tasks_at_its_hour() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    carnet_fixtures::generate::generate(carnet_fixtures::generate::Size::Tiny, 42, &export)
        .unwrap();
    let data = dir.path().join("server");
    common::import(&data, &export);
    let out = cli(&["model", "build", "--data", data.to_str().unwrap()]);
    assert!(out.starts_with("model 1: "), "{out}");
    // Past its hour (00:00 UTC) the day's run is due at once.
    let log = dir.path().join("server.log");
    let _server = common::Server::start_logged(&data, log.clone(), &["--tasks-at", "00:00"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("the night's tasks are made")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no nightly run: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let today = chrono::Utc::now().date_naive().to_string();
    let db = server_db(&data);
    assert_eq!(
        db.texts("SELECT value FROM meta WHERE key = 'tasks_night'", &[]),
        [today.as_str()]
    );
    assert_eq!(
        db.texts("SELECT DISTINCT made_on FROM task", &[]),
        [today.as_str()]
    );
    let night = server_tasks(&data);
    assert!(!night.is_empty());
    // The same as the command makes for the day.
    cli(&[
        "tasks",
        "run",
        "--data",
        data.to_str().unwrap(),
        "--store",
        STORE,
        "--day",
        &today,
    ]);
    let again = server_tasks(&data);
    assert_eq!(again, night);
}

/// The settings `serve` resolves from a config file that sets `tasks_at` alone.
fn with_tasks_at(
    at: &str,
) -> carnet_sync_server::Result<carnet_sync_server::config::ServeSettings> {
    let file = carnet_sync_server::config::FileConfig {
        tasks_at: Some(at.into()),
        ..Default::default()
    };
    carnet_sync_server::config::resolve(
        Some("/tmp/never-used".into()),
        None,
        vec![],
        None,
        Default::default(),
        Some(file),
    )
}

#[test]
fn a_nightly_time_is_checked_when_the_server_starts() {
    let err = with_tasks_at("25:00").unwrap_err();
    assert!(err.to_string().contains("tasks_at: 25:00"), "{err}");
    assert_eq!(with_tasks_at("off").unwrap().tasks_at, None);
    assert_eq!(
        with_tasks_at("03:30").unwrap().tasks_at,
        chrono::NaiveTime::from_hms_opt(3, 30, 0)
    );
}
