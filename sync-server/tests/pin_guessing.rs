//! PIN guessing against the real server: a burst of wrong PINs from one handheld is checked a
//! handful of times and locks nobody out of another handheld; an unknown identifier is
//! answered exactly as a known one, lockouts included; a manager unlocks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use carnet_protocol::presence::codes::{LOCKED_OUT, WRONG_PIN};
use common::Device;
use common::provisioned::{PIN_A1, PIN_A2, Provisioned};
use common::{cli, cli_in};
use reqwest::Method;

const PIN_A3: &str = "36925814";

/// The PIN checks the server charged to `device`, read from its database.
fn checks_of(env: &Provisioned, device: &str) -> i64 {
    common::server_db(&env.dir.path().join("server")).count(
        "SELECT count(*) FROM sign_in_attempt WHERE device_id = ?1",
        &[device],
    )
}

/// An answer as a guesser sees it: status, body, and every header but the date (the value of
/// `Retry-After` counts down with time, so only its presence is kept).
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
    retry_after: Option<u64>,
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let mut headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .filter(|(name, _)| !["date", "retry-after"].contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    let body = r.text().await.unwrap();
    Answer {
        status,
        body,
        headers,
        retry_after,
    }
}

impl Answer {
    fn code(&self) -> String {
        serde_json::from_str::<carnet_protocol::ApiError>(&self.body)
            .unwrap()
            .error
    }

    fn identifier_locked(&self) -> bool {
        self.status == 429 && self.body.contains("this identifier")
    }

    /// The answer without the wait's length.
    fn shape(mut self) -> Answer {
        self.retry_after = self.retry_after.map(|_| 0);
        self
    }
}

/// Wrong PINs for `advisor` from `device`, waiting as told, until the identifier is locked
/// out on it: every answer on the way.
async fn guess_until_locked(device: &Device, advisor: &str) -> Vec<Answer> {
    let mut answers = Vec::new();
    for guess in 0..30u32 {
        let a = answer(
            device
                .sign_in(advisor, &format!("{:08}", 10_000_000 + guess))
                .await,
        )
        .await;
        let (locked, wait) = (a.identifier_locked(), a.retry_after);
        answers.push(a);
        if locked {
            return answers;
        }
        if let Some(secs) = wait {
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }
    }
    panic!("never locked out: {answers:?}")
}

/// Signs `advisor` in on `device`, waiting as told while the device must.
async fn sign_in_waiting(device: &Device, advisor: &str, pin: &str) -> Answer {
    loop {
        let a = answer(device.sign_in(advisor, pin).await).await;
        match a.retry_after {
            Some(secs) if !a.identifier_locked() => {
                tokio::time::sleep(Duration::from_secs(secs)).await
            }
            _ => return a,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_wrong_pins_is_checked_a_handful_of_times_and_locks_nobody_out() {
    let mut env = Provisioned::new();
    let (ok, _, err) = cli_in(
        &[
            "advisor",
            "add",
            "--data",
            &env.data(),
            "--store",
            "S001",
            "--id",
            "A3",
            "--name",
            "Anna",
        ],
        &format!("{PIN_A3}\n"),
    );
    assert!(ok, "{err}");
    env.secrets.push(PIN_A3.into());
    let x = env.raw_device("S001").await;
    let y = env.raw_device("S001").await;
    // 24 wrong sign-ins at once from one handheld, 8 for each of the store's three advisors.
    let mut burst = Vec::new();
    for i in 0..24u32 {
        let (x, advisor) = (x.clone(), ["A1", "A2", "A3"][i as usize % 3]);
        burst.push(tokio::spawn(async move {
            answer(x.sign_in(advisor, &format!("{:08}", 20_000_000 + i)).await).await
        }));
    }
    let mut refused_unchecked = 0;
    let mut wrong = 0;
    for task in burst {
        let a = task.await.unwrap();
        match (a.status, a.code().as_str()) {
            (401, WRONG_PIN) => wrong += 1,
            (429, LOCKED_OUT) => refused_unchecked += 1,
            other => panic!("{other:?}"),
        }
    }
    // A handful of PIN checks, every one of them charged; the rest refused unchecked.
    let checks = checks_of(&env, &x.id);
    assert!((1..=5).contains(&checks), "{checks} PIN checks");
    assert_eq!((wrong, refused_unchecked), (checks, 24 - checks));
    // Nobody is locked out: another handheld signs each of them in at once…
    for (advisor, pin) in [("A1", PIN_A1), ("A2", PIN_A2), ("A3", PIN_A3)] {
        assert_eq!(y.sign_in(advisor, pin).await.status(), 200, "{advisor}");
    }
    let listed = cli(&["advisor", "list", "--data", &env.data(), "--store", "S001"]);
    assert!(!listed.contains("locked"), "{listed}");
    // …and the guessing handheld too, once it has waited as told.
    let a = sign_in_waiting(&x, "A1", PIN_A1).await;
    assert_eq!(a.status, 200, "{a:?}");
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_identifier_is_answered_like_a_known_one_lockouts_included() {
    let mut env = Provisioned::new();
    let mut devices = Vec::new();
    for _ in 0..8 {
        devices.push(env.raw_device("S001").await);
    }
    // The same guessing, side by side, of a known identifier and of one nobody has.
    let (known, unknown) = tokio::join!(
        guess_until_locked(&devices[0], "A1"),
        guess_until_locked(&devices[1], "A404")
    );
    let statuses: Vec<u16> = known.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "locked on that handheld after 5 failures: {statuses:?}"
    );
    let shape = |answers: Vec<Answer>| answers.into_iter().map(Answer::shape).collect::<Vec<_>>();
    assert_eq!(shape(known), shape(unknown));
    // More handhelds guess both: the identifiers are locked out in the whole store.
    let (known, unknown) = tokio::join!(
        async {
            for d in &devices[2..4] {
                guess_until_locked(d, "A1").await;
            }
        },
        async {
            for d in &devices[4..6] {
                guess_until_locked(d, "A404").await;
            }
        }
    );
    let ((), ()) = (known, unknown);
    let known = answer(devices[6].sign_in("A1", PIN_A1).await).await;
    let unknown = answer(devices[7].sign_in("A404", PIN_A1).await).await;
    assert!(known.identifier_locked(), "even her right PIN: {known:?}");
    assert_eq!(known, unknown);
    let listed = cli(&["advisor", "list", "--data", &env.data(), "--store", "S001"]);
    assert!(
        listed.contains("A1\tAlice Martinez\tlocked out on every device"),
        "{listed}"
    );
    // The manager unlocks her: she signs in on a handheld that was never locked.
    let r = env
        .admin(Method::POST, "/v1/admin/advisors/A1/unlock")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(devices[6].sign_in("A1", PIN_A1).await.status(), 200);
    // An identifier nobody has cannot be unlocked; another store's neither (the same answer).
    for id in ["A404", "C1"] {
        let r = env
            .admin(Method::POST, &format!("/v1/admin/advisors/{id}/unlock"))
            .send()
            .await
            .unwrap();
        let (status, e) = common::api_error(r).await;
        assert_eq!(
            (status, e.message),
            (404, format!("no advisor {id} in store S001"))
        );
    }
    // The CLI unlocks too; a PIN reset does as well (`session` tests it through the API).
    cli(&[
        "advisor",
        "unlock",
        "--data",
        &env.data(),
        "--store",
        "S001",
        "A1",
    ]);
    env.assert_clean_log();
}
