//! What advisors do with client-book tasks, pushed by two devices of a store: the first to take
//! a group task keeps it and the other is told; later edits win; bad actions are refused with
//! a reason; the store's feed carries the state to every device of the store and no other;
//! an erasure removes it and the access export lists it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{Change, Mutation, MutationKind, Outcome, Record, TaskAction, reject};
use common::*;

const TASK: &str = "lapsing:C0000001:2024-03-02";
/// The second advisor of S001, signed in on the second device.
const OTHER: &str = "A077";
const OTHER_PIN: &str = "77077077";

fn act(seq: u64, made_at: &str, advisor: &str, task_id: &str, action: TaskAction) -> Mutation {
    let mut m = mutation(
        seq,
        made_at,
        MutationKind::Task {
            task_id: task_id.into(),
            customer_id: "C0000001".into(),
            action,
        },
    );
    m.advisor_id = Some(advisor.into());
    m
}

fn rejected(o: &Outcome) -> (&str, &str) {
    match o {
        Outcome::Rejected { code, reason, .. } => (code, reason),
        _ => panic!("not rejected: {o:?}"),
    }
}

/// The task states in `changes`: (task id, action, advisor).
fn states(changes: &[Change]) -> Vec<(String, TaskAction, Option<String>)> {
    upserts(changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::TaskState(s) => {
                Some((s.task_id.clone(), s.action.clone(), s.advisor_id.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_first_advisor_to_take_a_group_task_keeps_it_and_the_store_sees_it() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let first = server.device("S001").await;
    let second = server.device("S001").await;
    common::device::ensure_advisor(&env.data_dir(), "S001", OTHER, OTHER_PIN);
    assert_eq!(second.sign_in(OTHER, OTHER_PIN).await.status(), 200);
    let elsewhere = server.device("S002").await;
    let (_, start, _) = first.pull_all("S001", "", 5000).await;
    let (_, other_start, _) = elsewhere.pull_all("S002", "", 5000).await;

    // Both took it offline; the first push wins, the second is told, with a reason.
    let a = first
        .push(
            "S001",
            vec![act(
                1,
                "2024-08-01T10:00:00Z",
                ADVISOR,
                TASK,
                TaskAction::Take,
            )],
        )
        .await;
    assert_eq!(a.results[0].outcome, Outcome::Applied);
    let b = second
        .push(
            "S001",
            vec![act(
                1,
                "2024-08-01T09:59:00Z",
                OTHER,
                TASK,
                TaskAction::Take,
            )],
        )
        .await;
    assert_eq!(rejected(&b.results[0].outcome).0, reject::TASK_TAKEN);
    // Nor can the second one complete or dismiss it.
    let b = second
        .push(
            "S001",
            vec![act(
                2,
                "2024-08-01T10:05:00Z",
                OTHER,
                TASK,
                TaskAction::Done,
            )],
        )
        .await;
    assert_eq!(rejected(&b.results[0].outcome).0, reject::TASK_TAKEN);

    // Both devices of the store receive the winner's state; the other store's receives nothing.
    let (delta, after_take, _) = first.pull_all("S001", &start, 100).await;
    let taken = (TASK.to_owned(), TaskAction::Take, Some(ADVISOR.to_owned()));
    assert_eq!(states(&delta), std::slice::from_ref(&taken));
    let (delta, _, _) = second.pull_all("S001", &start, 100).await;
    assert_eq!(states(&delta), [taken]);
    let (delta, _, _) = elsewhere.pull_all("S002", &other_start, 100).await;
    assert!(states(&delta).is_empty(), "{delta:?}");

    // The holder snoozes it, then completes it; an older edit of hers arriving late loses.
    let a = first
        .push(
            "S001",
            vec![
                act(
                    2,
                    "2024-08-01T11:00:00Z",
                    ADVISOR,
                    TASK,
                    TaskAction::Snooze {
                        until: "2024-08-05".into(),
                    },
                ),
                act(3, "2024-08-05T10:00:00Z", ADVISOR, TASK, TaskAction::Done),
                act(
                    4,
                    "2024-08-02T10:00:00Z",
                    ADVISOR,
                    TASK,
                    TaskAction::Dismiss {
                        reason: "not reachable".into(),
                    },
                ),
            ],
        )
        .await;
    let outcomes: Vec<&Outcome> = a.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(
        outcomes,
        [&Outcome::Applied, &Outcome::Applied, &Outcome::Superseded]
    );
    let (delta, _, _) = first.pull_all("S001", &after_take, 100).await;
    assert_eq!(
        states(&delta),
        [(TASK.to_owned(), TaskAction::Done, Some(ADVISOR.to_owned()))],
        "one feed row per task, the latest state"
    );
}

#[tokio::test]
async fn bad_task_actions_are_refused_and_an_erasure_takes_the_states_with_her() {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    let (_, start, _) = api.pull_all("S001", "", 5000).await;
    let r = api
        .push(
            "S001",
            vec![
                // The id names another customer.
                act(
                    1,
                    "2024-08-01T10:00:00Z",
                    ADVISOR,
                    "birthday:C0000002:2024",
                    TaskAction::Done,
                ),
                act(
                    2,
                    "2024-08-01T10:00:00Z",
                    ADVISOR,
                    TASK,
                    TaskAction::Snooze {
                        until: "next week".into(),
                    },
                ),
                act(
                    3,
                    "2024-08-01T10:00:00Z",
                    ADVISOR,
                    TASK,
                    TaskAction::Dismiss {
                        reason: "  ".into(),
                    },
                ),
                act(
                    4,
                    "2024-08-01T10:00:00Z",
                    ADVISOR,
                    TASK,
                    TaskAction::Dismiss {
                        reason: "x".repeat(201),
                    },
                ),
                act(5, "2024-08-01T10:00:00Z", ADVISOR, TASK, TaskAction::Done),
            ],
        )
        .await;
    let codes: Vec<&str> = r.results[..4]
        .iter()
        .map(|r| rejected(&r.outcome).0)
        .collect();
    assert_eq!(codes, [reject::INVALID_VALUE; 4]);
    assert!(rejected(&r.results[1].outcome).1.contains("YYYY-MM-DD"));
    // The refusals blocked nothing, and wrote nothing.
    assert_eq!(r.results[4].outcome, Outcome::Applied);
    let (delta, end, _) = api.pull_all("S001", &start, 100).await;
    assert_eq!(states(&delta).len(), 1);

    // Her access export lists what was done with her tasks.
    let data = env.data_dir();
    let export = access_export(&data, "C0000001");
    assert_eq!(export["tasks"][0]["task_id"], TASK);
    assert_eq!(export["tasks"][0]["action"]["action"], "done");

    // Erased: the state goes with her, and later actions about her are refused.
    cli(&[
        "customer",
        "erase",
        "--data",
        data.to_str().unwrap(),
        "C0000001",
    ]);
    let (delta, _, _) = api.pull_all("S001", &end, 100).await;
    assert!(
        deletes(&delta).contains(&("task_state".to_owned(), format!("S001/{TASK}"))),
        "{delta:?}"
    );
    let r = api
        .push(
            "S001",
            vec![act(
                6,
                "2024-08-02T10:00:00Z",
                ADVISOR,
                TASK,
                TaskAction::Take,
            )],
        )
        .await;
    assert_eq!(rejected(&r.results[0].outcome).0, reject::CUSTOMER_ERASED);
}
