//! Advisors' notes on a customer, pushed by a device: the store's other devices receive them
//! with author and date and another store's do not; the later edit wins; a bad note is refused
//! with a reason; a deletion travels as a tombstone; the access export lists them, an erasure
//! removes them, and the server's debug log never holds their text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{Change, Mutation, MutationKind, NoteRecord, Outcome, Record, reject};
use common::*;

const NOTE: &str = "M00000000000000a1";
const TEXT: &str = "Préfère un appel après 18 h, cadeau pour sa mère en mai";

fn note(seq: u64, made_at: &str, customer: &str, id: &str, text: Option<&str>) -> Mutation {
    mutation(
        seq,
        made_at,
        MutationKind::Note {
            note_id: id.into(),
            customer_id: customer.into(),
            text: text.map(Into::into),
        },
    )
}

fn notes(changes: &[Change]) -> Vec<NoteRecord> {
    upserts(changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_note_reaches_the_stores_devices_the_later_edit_wins_and_erasure_removes_it() {
    let env = Env::new();
    let log = env.dir.path().join("server.log");
    let server = Server::start_logged(&env.data_dir(), log.clone(), &[]);
    let writer = server.device("S001").await;
    let reader = server.device("S001").await;
    let elsewhere = server.device("S002").await;
    let (_, start, _) = reader.pull_all("S001", "", 5000).await;
    let (_, other_start, _) = elsewhere.pull_all("S002", "", 5000).await;

    let r = writer
        .push(
            "S001",
            vec![note(
                1,
                "2024-08-01T10:00:00Z",
                "C0000001",
                NOTE,
                Some(TEXT),
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let (delta, after_write, _) = reader.pull_all("S001", &start, 100).await;
    assert_eq!(
        notes(&delta),
        [NoteRecord {
            id: NOTE.into(),
            customer_id: "C0000001".into(),
            text: TEXT.into(),
            advisor_id: Some(ADVISOR.into()),
            written_at: "2024-08-01T10:00:00.000000Z".into(),
        }]
    );
    let (delta, _, _) = elsewhere.pull_all("S002", &other_start, 100).await;
    assert!(
        notes(&delta).is_empty(),
        "another store's devices never see it"
    );

    // An edit made later wins; an older one arriving afterwards does not.
    let r = writer
        .push(
            "S001",
            vec![
                note(
                    2,
                    "2024-08-03T10:00:00Z",
                    "C0000001",
                    NOTE,
                    Some("Appeler après 19 h"),
                ),
                note(
                    3,
                    "2024-08-02T10:00:00Z",
                    "C0000001",
                    NOTE,
                    Some("Stale edit"),
                ),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(r.results[1].outcome, Outcome::Superseded);
    let (delta, _, _) = reader.pull_all("S001", &after_write, 100).await;
    let texts: Vec<String> = notes(&delta).into_iter().map(|n| n.text).collect();
    assert_eq!(texts, ["Appeler après 19 h"]);

    // Bad notes are refused with a reason, and block nothing.
    let too_long = "x".repeat(501);
    let r = writer
        .push(
            "S001",
            vec![
                note(4, "2024-08-04T10:00:00Z", "C0000001", "M2", Some("   ")),
                note(5, "2024-08-04T10:00:00Z", "C0000001", "M3", Some(&too_long)),
                // The note is C0000001's, not C0000002's.
                note(6, "2024-08-04T10:00:00Z", "C0000002", NOTE, Some("Moved")),
                note(7, "2024-08-04T10:00:00Z", "C0000001", "", Some("No id")),
                note(
                    8,
                    "2024-08-04T10:00:00Z",
                    "C0000001",
                    "M4",
                    Some("Aime les parfums boisés"),
                ),
            ],
        )
        .await;
    let codes: Vec<&str> = r.results[..4]
        .iter()
        .map(|r| rejected_code(&r.outcome))
        .collect();
    assert_eq!(codes, [reject::INVALID_VALUE; 4]);
    assert_eq!(r.results[4].outcome, Outcome::Applied);

    // The access export lists her notes.
    let data = env.data_dir();
    let export = access_export(&data, "C0000001");
    let mut exported: Vec<&str> = export["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    exported.sort();
    assert_eq!(exported, ["Aime les parfums boisés", "Appeler après 19 h"]);

    // A deletion is a tombstone; an erasure removes the rest.
    let r = writer
        .push(
            "S001",
            vec![note(9, "2024-08-05T10:00:00Z", "C0000001", "M4", None)],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let (_, before_erasure, _) = reader.pull_all("S001", &start, 100).await;
    cli(&[
        "customer",
        "erase",
        "--data",
        data.to_str().unwrap(),
        "C0000001",
    ]);
    let (delta, _, _) = reader.pull_all("S001", &before_erasure, 100).await;
    assert!(
        deletes(&delta).contains(&("note".to_owned(), NOTE.to_owned())),
        "{delta:?}"
    );
    let (full, _, _) = reader.pull_all("S001", "", 5000).await;
    assert!(notes(&full).is_empty());

    // Not a word of any note in the server's debug log.
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("mutations"),
        "the log is the server's: {logged:.200}"
    );
    for text in [
        TEXT,
        "Appeler après 19 h",
        "Aime les parfums boisés",
        "Stale edit",
    ] {
        assert!(!logged.contains(text), "{text:?} was logged");
    }
}
