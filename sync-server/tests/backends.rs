//! The two back ends give the same answers: the same export imported into a server on SQLite
//! and one on PostgreSQL, the same devices' pulls and pushes, compared answer by answer.
//! Runs when the tests have a PostgreSQL server (`scripts/postgres-tests.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{
    Change, ContactField, ContactValue, FeedbackVerdict, MutationKind, MutationResult, Outcome,
};
use common::*;

/// What a device sees of a server: every change of its store's feed (in feed order), the
/// outcomes of a push, then the feed again.
#[derive(Debug, PartialEq)]
struct Seen {
    before: Vec<String>,
    outcomes: Vec<MutationResult>,
    again: Vec<MutationResult>,
    after: Vec<String>,
}

fn as_json(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect()
}

fn edits() -> Vec<carnet_protocol::Mutation> {
    let phone = |id: &str, v: &str| MutationKind::ContactEdit {
        customer_id: id.into(),
        field: ContactField::Phone,
        value: Some(ContactValue::Text(v.into())),
    };
    vec![
        mutation(
            1,
            "2024-08-01T10:00:00Z",
            phone("C0000001", "06 11 22 33 44"),
        ),
        // An older edit of the same field: the newer one stands.
        mutation(
            2,
            "2024-07-01T10:00:00Z",
            phone("C0000001", "06 99 99 99 99"),
        ),
        mutation(
            3,
            "2024-08-01T10:02:00Z",
            MutationKind::Feedback {
                customer_id: "C0000002".into(),
                product_id: "P00001".into(),
                verdict: FeedbackVerdict::Like,
            },
        ),
        // A customer of another store, and one who does not exist: rejected alike.
        mutation(
            4,
            "2024-08-01T10:03:00Z",
            phone("C0000299", "06 00 00 00 01"),
        ),
        mutation(
            5,
            "2024-08-01T10:04:00Z",
            phone("C9999999", "06 00 00 00 02"),
        ),
    ]
}

async fn seen_by_a_device(data: &std::path::Path, env: &Env) -> Seen {
    import(data, &env.export());
    let server = Server::start(data);
    let api = server.device("S001").await;
    let (before, _, _) = api.pull_all("S001", "", 50).await;
    let outcomes = api.push("S001", edits()).await.results;
    // The same push again (a retry after a lost answer): the same outcomes, nothing applied.
    let again = api.push("S001", edits()).await.results;
    let (after, _, _) = api.pull_all("S001", "", 50).await;
    Seen {
        before: as_json(&before),
        outcomes,
        again,
        after: as_json(&after),
    }
}

#[tokio::test]
async fn sqlite_and_postgresql_answer_alike() {
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let lite = env.dir.path().join("on-sqlite");
    backend::keep_on_sqlite(&lite);
    let pg = env.dir.path().join("on-postgres");
    let on_sqlite = seen_by_a_device(&lite, &env).await;
    let on_postgres = seen_by_a_device(&pg, &env).await;
    assert!(backend::database_for(&lite).is_none());
    assert!(backend::database_for(&pg).is_some());
    // What the SQLite server answered is what the other tests hold it to; the same from
    // PostgreSQL, answer for answer.
    assert!(on_sqlite.before.len() > 1000, "{}", on_sqlite.before.len());
    assert_eq!(on_sqlite.outcomes.len(), 5);
    assert!(matches!(on_sqlite.outcomes[0].outcome, Outcome::Applied));
    assert!(matches!(
        on_sqlite.outcomes[3].outcome,
        Outcome::Rejected { .. }
    ));
    assert!(matches!(
        on_sqlite.outcomes[4].outcome,
        Outcome::Rejected { .. }
    ));
    assert_eq!(on_sqlite.outcomes, on_sqlite.again);
    assert_ne!(on_sqlite.before, on_sqlite.after);
    assert_eq!(on_sqlite.before, on_postgres.before);
    assert_eq!(on_sqlite.outcomes, on_postgres.outcomes);
    assert_eq!(on_sqlite.again, on_postgres.again);
    assert_eq!(on_sqlite.after, on_postgres.after);
}

/// A PostgreSQL server that cannot be reached: the server does not start, and says where it
/// looked without the password.
#[test]
fn an_unreachable_postgresql_is_named_without_its_password() {
    let env = Env::new();
    let out = server_command()
        .env(
            "CARNET_DATABASE",
            "postgres://carnet:s3cret-pw@127.0.0.1:1/carnet",
        )
        .args(["serve", "--data", env.data_dir().to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("postgres://carnet:***@127.0.0.1:1/carnet"),
        "{said}"
    );
    assert!(!said.contains("s3cret-pw"), "{said}");
}
