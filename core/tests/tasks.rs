//! The client book's tasks derived from a real cache: whose they are, which list they fall in,
//! what consent and a leaver's book change, and what survives a refresh.

#![allow(clippy::unwrap_used)]

mod support;

use carnet_core::consent::Channel;
use carnet_core::tasks::{self, Scope, TaskKind, TaskLists, TaskState};
use carnet_core::{Cache, CacheKey, changes, outbox};
use carnet_protocol::{Change, Entity, MutationKind, Record, TaskAction, TaskStateRecord};
use chrono::NaiveDate;
use support::{Sample, deliver_model, sample_model_bytes, today};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn sql(cache: &Cache, statement: &str) {
    cache
        .write(|tx| {
            tx.execute_batch(statement)?;
            Ok(())
        })
        .unwrap();
}

fn ids(list: &[tasks::Task]) -> Vec<&str> {
    list.iter().map(|t| t.id.as_str()).collect()
}

fn lists(cache: &Cache, advisor: &str, scope: Scope, on: NaiveDate) -> TaskLists {
    tasks::lists(cache, "S001", advisor, scope, on, 50).unwrap()
}

#[test]
fn an_advisor_sees_her_books_tasks_and_the_store_its_group_tasks() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    deliver_model(&cache, 1, &sample_model_bytes());
    // Marie Lefèvre (C4, no book) spent 120 € on her first visit two days ago.
    sql(
        &cache,
        "INSERT INTO purchase (id, receipt_id, customer_id, store_id, bought_at, product_id,
                               quantity, amount_cents, gift, advisor_id)
         VALUES ('R20-1', 'R20', 'C4', 'S001', strftime('%s', '2026-10-30 15:00:00'), 'P05',
                 1, 12000, 0, 'A1')",
    );

    let mine = lists(&cache, "A1", Scope::Mine, today());
    // Hélène Dupont (C1, in A1's book) turns a year older on 5 November.
    let birthday = mine
        .upcoming
        .iter()
        .find(|t| t.id == "birthday:C1:2026")
        .unwrap_or_else(|| panic!("{mine:#?}"));
    assert_eq!(
        birthday.kind,
        TaskKind::Birthday {
            on: day("2026-11-05")
        }
    );
    assert_eq!(birthday.due_on, day("2026-11-05"));
    assert_eq!(birthday.advisor_id.as_deref(), Some("A1"));
    assert_eq!(birthday.customer.last_name, "Dupont");
    assert_eq!(birthday.channels, [Channel::Email]);
    assert_eq!(birthday.state, TaskState::Open);
    assert!(
        mine.overdue
            .iter()
            .chain(&mine.today)
            .chain(&mine.upcoming)
            .all(|t| t.advisor_id.as_deref() == Some("A1"))
    );

    // Marie's thank-you was due yesterday: overdue, in the store's list, nobody's book.
    let store = lists(&cache, "A1", Scope::Store, today());
    assert_eq!(ids(&store.overdue), ["thank_you:C4:2026-10-30"]);
    let thanks = &store.overdue[0];
    assert_eq!(
        thanks.kind,
        TaskKind::ThankYou {
            on: day("2026-10-30"),
            amount_cents: 12_000,
            new_tier: None
        }
    );
    assert_eq!(thanks.advisor_id, None);
    assert!(!ids(&mine.overdue).contains(&"thank_you:C4:2026-10-30"));

    // Three weeks on, the birthday has passed and the thank-you is stale: both gone.
    let later = lists(&cache, "A1", Scope::Mine, day("2026-11-22"));
    assert!(!ids(&later.upcoming).contains(&"birthday:C1:2026"));
    let later_store = lists(&cache, "A1", Scope::Store, day("2026-11-22"));
    assert!(later_store.overdue.is_empty(), "{later_store:#?}");
}

#[test]
fn consent_a_leavers_book_and_what_advisors_did_shape_the_lists() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    // Withdrawing marketing by e-mail, her only channel, leaves Hélène without a task.
    sql(
        &cache,
        "UPDATE consent SET granted = 0 WHERE customer_id = 'C1' AND purpose = 'marketing'",
    );
    assert_eq!(tasks::refresh(&cache, "S001", today()).unwrap(), 0);
    assert!(
        lists(&cache, "A1", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    sql(
        &cache,
        "UPDATE consent SET granted = 1 WHERE customer_id = 'C1' AND purpose = 'marketing'",
    );
    assert_eq!(tasks::refresh(&cache, "S001", today()).unwrap(), 1);

    // Her book belonged to B7, who left: the task is the store's, not B7's.
    sql(
        &cache,
        "UPDATE customer SET advisor_id = 'B7' WHERE id = 'C1'",
    );
    tasks::refresh(&cache, "S001", today()).unwrap();
    assert!(
        lists(&cache, "A1", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    assert!(
        lists(&cache, "B7", Scope::Mine, today())
            .upcoming
            .is_empty()
    );
    let store = lists(&cache, "A1", Scope::Store, today());
    assert_eq!(ids(&store.upcoming), ["birthday:C1:2026"]);

    // A1 takes it: it is in her list, and shows whose it is in the store's.
    sql(
        &cache,
        "INSERT INTO task_state (task_id, customer_id, state, advisor_id, at)
         VALUES ('birthday:C1:2026', 'C1', 'taken', 'A1', '2026-11-01T09:00:00Z')",
    );
    let mine = lists(&cache, "A1", Scope::Mine, today());
    assert_eq!(ids(&mine.upcoming), ["birthday:C1:2026"]);
    assert_eq!(
        lists(&cache, "A1", Scope::Store, today()).upcoming[0].state,
        TaskState::Taken {
            advisor_id: "A1".into()
        }
    );

    // Snoozed to the 8th: it waits in the upcoming list until then. Done: it stays listed
    // after the birthday has passed.
    sql(
        &cache,
        "UPDATE task_state SET state = 'snoozed', until = '2026-11-08' WHERE task_id = 'birthday:C1:2026'",
    );
    let snoozed = lists(&cache, "A1", Scope::Store, day("2026-11-03"));
    assert_eq!(ids(&snoozed.upcoming), ["birthday:C1:2026"]);
    assert_eq!(snoozed.upcoming[0].due_on, day("2026-11-08"));
    assert_eq!(
        snoozed.upcoming[0].state,
        TaskState::Snoozed {
            until: day("2026-11-08")
        }
    );
    sql(
        &cache,
        "UPDATE task_state SET state = 'done', until = NULL, at = '2026-11-03T10:00:00Z'
         WHERE task_id = 'birthday:C1:2026'",
    );
    let after = lists(&cache, "A1", Scope::Mine, day("2026-11-20"));
    assert_eq!(ids(&after.done), ["birthday:C1:2026"], "{after:#?}");
    assert!(after.upcoming.is_empty() && after.today.is_empty());
    // A month after it was done it leaves the done list.
    assert!(
        lists(&cache, "A1", Scope::Mine, day("2026-12-20"))
            .done
            .is_empty()
    );

    // Dismissed: listed nowhere.
    sql(
        &cache,
        "UPDATE customer SET birthday = '11-25' WHERE id = 'C1'",
    );
    tasks::refresh(&cache, "S001", day("2026-11-20")).unwrap();
    sql(
        &cache,
        "INSERT INTO task_state (task_id, customer_id, state, advisor_id, reason, at)
         VALUES ('birthday:C1:2026', 'C1', 'dismissed', 'A1', 'moved abroad', '2026-11-20T09:00:00Z')
         ON CONFLICT(task_id) DO UPDATE SET state = 'dismissed', reason = 'moved abroad'",
    );
    let dismissed = lists(&cache, "A1", Scope::Store, day("2026-11-20"));
    assert_eq!(dismissed.total, 0, "{dismissed:#?}");
}

fn act(cache: &Cache, advisor: &str, task: &str, action: TaskAction) -> carnet_core::Result<u64> {
    outbox::record(
        cache,
        MutationKind::Task {
            task_id: task.into(),
            customer_id: task.split(':').nth(1).unwrap().into(),
            action,
        },
        Some(advisor),
        chrono::Utc::now(),
    )
}

#[test]
fn acting_on_a_task_shows_at_once_queues_the_edit_and_yields_to_the_feed() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let task = "birthday:C1:2026";
    // Offline: snoozed at once, and queued for the server.
    let seq = act(
        &cache,
        "A1",
        task,
        TaskAction::Snooze {
            until: "2026-11-04".into(),
        },
    )
    .unwrap();
    let mine = lists(&cache, "A1", Scope::Mine, today());
    assert_eq!(
        mine.upcoming[0].state,
        TaskState::Snoozed {
            until: day("2026-11-04")
        }
    );
    let queued = outbox::entries(&cache).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].seq, seq);
    assert_eq!(queued[0].customer_id.as_deref(), Some("C1"));

    // Bad actions are refused before anything is written or queued.
    let bad = [
        ("birthday:C2:2026", TaskAction::Done, "C1"),
        (
            task,
            TaskAction::Snooze {
                until: "soon".into(),
            },
            "C1",
        ),
        (task, TaskAction::Dismiss { reason: " ".into() }, "C1"),
    ];
    for (id, action, customer) in bad {
        let refused = outbox::record(
            &cache,
            MutationKind::Task {
                task_id: id.into(),
                customer_id: customer.into(),
                action,
            },
            Some("A1"),
            chrono::Utc::now(),
        );
        assert!(
            matches!(refused, Err(carnet_core::Error::InvalidInput(_))),
            "{refused:?}"
        );
    }
    assert_eq!(outbox::entries(&cache).unwrap().len(), 1);

    // Another advisor took the group task of C4 (the feed says so): taking it here is refused
    // with her name, and nothing is queued.
    let theirs = "thank_you:C4:2026-10-30";
    let record = Record::TaskState(TaskStateRecord {
        id: TaskStateRecord::id_for("S001", theirs),
        task_id: theirs.into(),
        customer_id: "C4".into(),
        action: TaskAction::Take,
        advisor_id: Some("A2".into()),
        at: "2026-11-01T08:00:00Z".into(),
    });
    let cursor = changes::cursor(&cache).unwrap();
    changes::apply_page(&cache, &[Change::Upsert { record }], &cursor).unwrap();
    match act(&cache, "A1", theirs, TaskAction::Take) {
        Err(carnet_core::Error::TaskTaken { advisor_id }) => assert_eq!(advisor_id, "A2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(outbox::entries(&cache).unwrap().len(), 1);
    // She may act on it herself.
    act(&cache, "A2", theirs, TaskAction::Done).unwrap();

    // A tombstone of the feed removes the state; an erased customer takes hers with her.
    let cursor = changes::cursor(&cache).unwrap();
    changes::apply_page(
        &cache,
        &[Change::Delete {
            entity: Entity::TaskState,
            id: TaskStateRecord::id_for("S001", theirs),
        }],
        &cursor,
    )
    .unwrap();
    act(&cache, "A1", theirs, TaskAction::Take).unwrap();
    let count = |sql: &str| -> i64 {
        cache
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    };
    assert_eq!(
        count("SELECT count(*) FROM task_state WHERE customer_id = 'C1'"),
        1
    );
    let cursor = changes::cursor(&cache).unwrap();
    changes::apply_page(
        &cache,
        &[Change::Delete {
            entity: Entity::Customer,
            id: "C1".into(),
        }],
        &cursor,
    )
    .unwrap();
    assert_eq!(
        count("SELECT count(*) FROM task_state WHERE customer_id = 'C1'"),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM task WHERE customer_id = 'C1'"),
        0
    );
}

#[test]
fn a_campaign_of_the_store_makes_tasks_for_its_targets_in_their_language() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    let campaign = |id: &str, stores: &[&str]| {
        Record::Campaign(carnet_protocol::CampaignRecord {
            id: id.into(),
            title: "Coffrets de Noël".into(),
            starts_on: "2026-10-25".into(),
            ends_on: "2026-11-15".into(),
            target: carnet_protocol::CampaignTarget::Tier {
                tier: "gold".into(),
            },
            messages: [
                ("fr".to_owned(), "Nos coffrets sont arrivés".to_owned()),
                (
                    "it".to_owned(),
                    "I nostri cofanetti sono arrivati".to_owned(),
                ),
            ]
            .into(),
            product_ids: vec!["P05".into()],
            stores: stores.iter().map(|s| (*s).to_owned()).collect(),
        })
    };
    let cursor = changes::cursor(&cache).unwrap();
    changes::apply_page(
        &cache,
        &[
            Change::Upsert {
                record: campaign("XMAS", &["S001"]),
            },
            Change::Upsert {
                record: campaign("MILANO", &["S002"]),
            },
        ],
        &cursor,
    )
    .unwrap();
    tasks::refresh(&cache, "S001", today()).unwrap();
    let today_tasks = |scope| lists(&cache, "A1", scope, today()).today;
    let mine: Vec<(String, TaskKind)> = today_tasks(Scope::Mine)
        .into_iter()
        .map(|t| (t.id, t.kind))
        .collect();
    // Hélène (fr) and Niccolò (it), both gold and in A1's book; the other store's campaign
    // makes nothing here.
    assert_eq!(
        mine,
        [
            (
                "campaign:C3:XMAS".to_owned(),
                TaskKind::Campaign {
                    campaign_id: "XMAS".into(),
                    title: "Coffrets de Noël".into(),
                    message: Some("I nostri cofanetti sono arrivati".into()),
                    ends_on: day("2026-11-15"),
                }
            ),
            (
                "campaign:C1:XMAS".to_owned(),
                TaskKind::Campaign {
                    campaign_id: "XMAS".into(),
                    title: "Coffrets de Noël".into(),
                    message: Some("Nos coffrets sont arrivés".into()),
                    ends_on: day("2026-11-15"),
                }
            ),
        ]
    );
    // The store's gold customers outside any book get it as group tasks.
    let group: Vec<String> = today_tasks(Scope::Store)
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert!(group.contains(&"campaign:C4:XMAS".to_owned()), "{group:?}");
    // A tombstone withdraws the campaign: its tasks go at the next refresh.
    let cursor = changes::cursor(&cache).unwrap();
    changes::apply_page(
        &cache,
        &[Change::Delete {
            entity: Entity::Campaign,
            id: "XMAS".into(),
        }],
        &cursor,
    )
    .unwrap();
    tasks::refresh(&cache, "S001", today()).unwrap();
    assert!(today_tasks(Scope::Mine).is_empty());
}

#[test]
fn a_list_cut_at_its_limit_keeps_the_soonest_after_a_snooze() {
    let sample = Sample::new();
    let cache = sample.loaded_cache(&CacheKey::generate().unwrap());
    tasks::refresh(&cache, "S001", today()).unwrap();
    // Two tasks of A1's book: one due on the 3rd, snoozed to the 10th; one due on the 5th.
    sql(
        &cache,
        "INSERT INTO task (id, customer_id, advisor_id, kind, detail, due_on, channels) VALUES
           ('birthday:C3:2026', 'C3', 'A1', 'birthday', '{\"kind\":\"birthday\",\"on\":\"2026-11-03\"}',
            '2026-11-03', 'email');
         INSERT INTO task_state (task_id, customer_id, state, advisor_id, until, at)
         VALUES ('birthday:C3:2026', 'C3', 'snoozed', 'A1', '2026-11-10', '2026-11-01T09:00:00Z')",
    );
    let all = lists(&cache, "A1", Scope::Mine, today());
    assert_eq!(ids(&all.upcoming), ["birthday:C1:2026", "birthday:C3:2026"]);
    let first = tasks::lists(&cache, "S001", "A1", Scope::Mine, today(), 1).unwrap();
    assert_eq!(
        ids(&first.upcoming),
        ["birthday:C1:2026"],
        "the 5th before the 10th"
    );
}

/// Every stored task, as the lists would read it.
fn stored_tasks(cache: &Cache) -> Vec<[Option<String>; 7]> {
    cache
        .read(|c| {
            let mut q = c.prepare(
                "SELECT id, customer_id, advisor_id, kind, detail, due_on, channels
                   FROM task ORDER BY id",
            )?;
            let rows = q.query_map([], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ])
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap()
}

fn apply(cache: &Cache, page: &[Change]) {
    let cursor = changes::cursor(cache).unwrap();
    changes::apply_page(cache, page, &format!("{cursor}+")).unwrap();
}

#[test]
fn a_sync_derives_again_only_the_customers_its_pages_touched_as_a_whole_refresh_would() {
    use carnet_fixtures::format::{self, files};
    use carnet_protocol::{CallOutcome, NoteRecord, OutreachRecord};
    use tasks::Refreshed;

    let (_dir, export, cache) = support::tiny_cache();
    let on = day(&export.manifest().as_of);
    let customers: Vec<format::Customer> = support::records(&export, files::CUSTOMERS);
    let purchases: Vec<format::PurchaseLine> = support::records(&export, files::PURCHASES);

    // Before the first derivation a page notes nothing: the first refresh is whole anyway.
    apply(&cache, &[]);
    let first = tasks::refresh_changed(&cache, "S001", on).unwrap();
    let Refreshed::Whole { tasks: before } = first else {
        panic!("{first:?}")
    };
    assert!(before > 0);
    let whole_before = stored_tasks(&cache);
    assert_eq!(
        tasks::refresh_changed(&cache, "S001", on).unwrap(),
        Refreshed::Unchanged
    );

    let with_task = |n: usize| -> String {
        let mut ids: Vec<&str> = whole_before
            .iter()
            .filter_map(|t| t[1].as_deref())
            .collect();
        ids.dedup();
        ids[n].to_owned()
    };
    let reachable_without_task = customers
        .iter()
        .find(|c| {
            c.home_store_id == "S001"
                && c.email.is_some()
                && c.consents
                    .iter()
                    .any(|k| k.channel == "email" && k.purpose == "marketing" && k.granted)
                && !whole_before.iter().any(|t| t[1].as_deref() == Some(&c.id))
        })
        .unwrap();
    let record_of = |id: &str| customers.iter().find(|c| c.id == id).unwrap().clone();

    // A page of the day: her birthday noted (in three days), another withdraws every
    // marketing consent, a third was called this morning, a fourth's purchase line is
    // removed, and a note that no task reads.
    let mut birthday = reachable_without_task.clone();
    birthday.birthday = Some((on + chrono::Days::new(3)).format("%m-%d").to_string());
    let mut withdrawn = record_of(&with_task(0));
    for k in &mut withdrawn.consents {
        if k.purpose == "marketing" {
            k.granted = false;
        }
    }
    let called = with_task(1);
    let line = purchases
        .iter()
        .find(|p| p.customer_id == with_task(2))
        .unwrap();
    let page = vec![
        Change::Upsert {
            record: Record::Customer(birthday.clone()),
        },
        Change::Upsert {
            record: Record::Customer(withdrawn.clone()),
        },
        Change::Upsert {
            record: Record::Outreach(OutreachRecord {
                id: "O-touched-1".into(),
                customer_id: called.clone(),
                channel: "phone".into(),
                task_id: None,
                advisor_id: None,
                at: format!("{on}T09:00:00Z"),
                outcome: Some(CallOutcome::Reached),
                message: None,
                delivery: None,
            }),
        },
        Change::Delete {
            entity: Entity::Purchase,
            id: line.id.clone(),
        },
        Change::Upsert {
            record: Record::Note(NoteRecord {
                id: "N-touched-1".into(),
                customer_id: with_task(3),
                text: "prefers a call after 6 pm".into(),
                advisor_id: Some("A1".into()),
                written_at: format!("{on}T09:05:00Z"),
            }),
        },
    ];
    apply(&cache, &page);
    let mut marked: Vec<String> = cache
        .read(|c| {
            let mut q = c.prepare("SELECT customer_id FROM task_touched ORDER BY 1")?;
            let ids = q.query_map([], |r| r.get(0))?;
            Ok(ids.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .unwrap();
    let mut expected = vec![
        birthday.id.clone(),
        withdrawn.id.clone(),
        called.clone(),
        line.customer_id.clone(),
    ];
    expected.sort();
    expected.dedup();
    marked.sort();
    assert_eq!(
        marked, expected,
        "the customers of the page, less the note's"
    );

    let refreshed = tasks::refresh_changed(&cache, "S001", on).unwrap();
    assert_eq!(
        refreshed,
        Refreshed::Customers {
            customers: expected.len() as u64,
            tasks: stored_tasks(&cache).len() as u64
        }
    );
    let touched_only = stored_tasks(&cache);
    assert_ne!(touched_only, whole_before);
    let of = |tasks: &[[Option<String>; 7]], id: &str| {
        tasks.iter().filter(|t| t[1].as_deref() == Some(id)).count()
    };
    assert_eq!(of(&touched_only, &birthday.id), 1, "her birthday task");
    assert_eq!(of(&touched_only, &withdrawn.id), 0, "no consent, no task");
    assert_eq!(of(&touched_only, &called), 0, "in the quiet period");
    // The whole store derived again gives exactly the same tasks.
    tasks::refresh(&cache, "S001", on).unwrap();
    assert_eq!(stored_tasks(&cache), touched_only);
    assert_eq!(
        tasks::refresh_changed(&cache, "S001", on).unwrap(),
        Refreshed::Unchanged
    );

    // A product concerns every customer (a launch, a brand): the next refresh is whole. So is
    // the first of another day.
    let product: format::Product = export
        .records(files::PRODUCTS)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    apply(
        &cache,
        &[Change::Upsert {
            record: Record::Product(product),
        }],
    );
    assert!(matches!(
        tasks::refresh_changed(&cache, "S001", on).unwrap(),
        Refreshed::Whole { .. }
    ));
    assert!(matches!(
        tasks::refresh_changed(&cache, "S001", on + chrono::Days::new(1)).unwrap(),
        Refreshed::Whole { .. }
    ));
}
