//! A store's message templates, saved by its manager: refused with the reason when they name
//! a placeholder nobody fills, in the store's feed for its devices when they are right, and
//! out of another store's manager's sight, as the store's results are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::presence::StoreResults;
use carnet_protocol::{Record, TemplateRecord};
use common::provisioned::Provisioned;
use common::*;
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_writes_the_stores_templates_and_devices_receive_them() {
    let mut office = Provisioned::new();
    let device = office.raw_device("S001").await;
    let put = |purpose: &str, language: &str, subject: &str, body: &str| {
        office
            .admin(
                Method::PUT,
                &format!("/v1/admin/templates/{purpose}/{language}"),
            )
            .json(&serde_json::json!({ "subject": subject, "body": body }))
    };

    // A placeholder nobody fills, an unmatched brace, a purpose or language templates are not
    // written for: refused, saying why, and nothing saved.
    for (purpose, language, body, why) in [
        (
            "birthday",
            "fr",
            "Bonjour {first_name}, votre {voucher} !",
            "unknown placeholder {voucher}",
        ),
        (
            "birthday",
            "fr",
            "Bonjour {first_name",
            "a brace is not matched at character 9",
        ),
        ("anniversary", "fr", "Bonjour", "a template is for general"),
        ("birthday", "de", "Hallo", "in fr, en or it"),
    ] {
        let r = put(purpose, language, "Bon anniversaire", body)
            .send()
            .await
            .unwrap();
        let (status, error) = api_error(r).await;
        assert_eq!(status, 400, "{body}");
        assert!(error.message.contains(why), "{body}: {}", error.message);
    }
    let saved: Vec<TemplateRecord> = office.admin_get("/v1/admin/templates").await;
    assert!(saved.is_empty());

    // A right one: saved, listed, and in the store's feed.
    let body = "Joyeux anniversaire {first_name} ! {advisor_name} vous attend à {store_name}.";
    let r = put("birthday", "fr", "Bon anniversaire, {first_name}", body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let saved: Vec<TemplateRecord> = office.admin_get("/v1/admin/templates").await;
    assert_eq!(saved.len(), 1);
    assert_eq!(
        (saved[0].id.as_str(), saved[0].body.as_str()),
        ("S001/birthday/fr", body)
    );
    let (changes, _, _) = device.pull_all("S001", "", 5000).await;
    let in_feed: Vec<&TemplateRecord> = upserts(&changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Template(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(in_feed, [&saved[0]]);
    // Another store's devices do not get it.
    let other = office.raw_device("S002").await;
    let (changes, _, _) = other.pull_all("S002", "", 5000).await;
    assert!(
        !upserts(&changes)
            .iter()
            .any(|r| matches!(r, Record::Template(_)))
    );
    // Nor does another store's manager see them, or the store's results: her token answers
    // for her own store only.
    let other_token = field(
        &cli(&[
            "manager",
            "add",
            "--data",
            &office.data(),
            "--store",
            "S002",
        ]),
        "token ",
    );
    let get = |path: &str| office.admin_as(Method::GET, path, &other_token).send();
    let r = get("/v1/admin/templates").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<Vec<TemplateRecord>>().await.unwrap().is_empty());
    let r = get("/v1/admin/results?month=2024-05").await.unwrap();
    assert_eq!(r.status(), 200);
    let results: StoreResults = r.json().await.unwrap();
    assert_eq!(results.store_id, "S002");
    let advisors: Vec<&str> = results
        .advisors
        .iter()
        .map(|a| a.advisor_id.as_str())
        .collect();
    assert_eq!(advisors, ["C1"]);
}
