//! Writes the seed inputs of every fuzz target, made by the product itself from the generated
//! CRM export (`tiny`, seed 42): the export's own lines and cards, the pages the server serves,
//! the pushes a device sends, the QR codes the server issues, the cursors it hands out.
//!
//!     cargo run -p carnet-fuzz --example seed-corpora -- OUT_DIR
//!
//! writes `OUT_DIR/<target>/seed-*`. `scripts/fuzz.sh --seed` merges them into
//! `fuzz/corpus/<target>/` (keeping only inputs that add coverage).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_fixtures::Export;
use carnet_fixtures::ean::with_check_digit;
use carnet_fixtures::format::{Customer, DuplicatePair, PurchaseLine, files};
use carnet_fuzz::{COUNTRIES, ContactKind, EPOCH, FUZZ_STORE, IMPORT_FILES};
use carnet_protocol::{
    Address, ApiError, Change, ContactField, ContactValue, FeedbackVerdict, Mutation, MutationKind,
    PushRequest, Record, codes, enrolment::EnrolmentPayload, pin,
};
use carnet_sync_server::sql::Conn;
use carnet_sync_server::{customers, db, enrolment, feed, import, merge, model, mutations};
use rusqlite::Connection;

struct Out(PathBuf);

impl Out {
    fn put(&self, target: &str, name: &str, bytes: impl AsRef<[u8]>) {
        let dir = self.0.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}

fn main() {
    let out = Out(std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: seed-corpora OUT_DIR"));
    let export_dir = carnet_fuzz::seeded_export();
    let export = Export::open(export_dir.path()).unwrap();
    let customers: Vec<Customer> = export
        .records::<Customer>(files::CUSTOMERS)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    barcodes(&out, &customers);
    contacts(&out, &customers);
    import_lines(&out, export_dir.path());
    server_side(&out, export_dir.path(), &customers);
}

fn barcodes(out: &Out, customers: &[Customer]) {
    for (i, c) in customers.iter().take(12).enumerate() {
        out.put("barcode", &format!("card-{i}"), &c.card);
    }
    let card = &customers[0].card;
    out.put(
        "barcode",
        "spaced",
        format!(" {} {} {} ", &card[..1], &card[1..7], &card[7..]),
    );
    out.put(
        "barcode",
        "dashed",
        format!("{}-{}", &card[..6], &card[6..]),
    );
    out.put(
        "barcode",
        "bad-check",
        format!("{}{}", &card[..12], (card.as_bytes()[12] - b'0' + 1) % 10),
    );
    out.put("barcode", "short", &card[..12]);
    out.put("barcode", "letters", "40063813339X1");
    out.put("barcode", "arabic-digits", "٤٠٠٦٣٨١٣٣٣٩٣١");
    out.put("barcode", "blank", "  ");
}

fn contact_input(kind: ContactKind, country: &str, text: &str) -> Vec<u8> {
    let country = COUNTRIES.iter().position(|c| *c == country).unwrap_or(0);
    let mut bytes = vec![kind as u8, u8::try_from(country).unwrap()];
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn contacts(out: &Out, customers: &[Customer]) {
    for (i, c) in customers.iter().take(10).enumerate() {
        let country = c.address.country.as_str();
        if let Some(email) = &c.email {
            out.put(
                "contact",
                &format!("email-{i}"),
                contact_input(ContactKind::Email, country, email),
            );
        }
        if let Some(phone) = &c.phone {
            out.put(
                "contact",
                &format!("phone-{i}"),
                contact_input(ContactKind::Phone, country, phone),
            );
        }
        out.put(
            "contact",
            &format!("postal-{i}"),
            contact_input(ContactKind::PostalCode, country, &c.address.postal_code),
        );
        out.put(
            "contact",
            &format!("name-{i}"),
            contact_input(
                ContactKind::Name,
                country,
                &format!("{} {}", c.first_name, c.last_name),
            ),
        );
        out.put(
            "contact",
            &format!("language-{i}"),
            contact_input(ContactKind::Language, country, &c.language),
        );
        let a = &c.address;
        out.put(
            "contact",
            &format!("address-{i}"),
            contact_input(
                ContactKind::Address,
                country,
                &format!("{}\n{}\n{}\n{}", a.line1, a.postal_code, a.city, a.country),
            ),
        );
    }
    let typed = [
        (ContactKind::Email, "FR", "zelie.n@gmial.com"),
        (ContactKind::Email, "FR", "Zoe.Martin+news@Orange.FE"),
        (ContactKind::Phone, "FR", "+33 6 12 34 56 78"),
        (ContactKind::Phone, "IT", "347 123 4567"),
        (ContactKind::Phone, "FR", "0033 6 12 3"),
        (ContactKind::Phone, "GB", "(020) 7946-0018"),
        (ContactKind::PostalCode, "GB", "sw1a1aa"),
        (ContactKind::PostalCode, "NL", "1234 ab"),
        (ContactKind::PostalCode, "PT", "1100-148"),
        (ContactKind::PostalCode, "US", "10001-1234"),
        (ContactKind::PostalCode, "MC", "98000"),
        (ContactKind::Name, "FR", "D'Angelo-Moreau"),
        (ContactKind::Name, "FR", "He\u{301}le\u{300}ne"),
        (ContactKind::Language, "FR", " IT "),
        (
            ContactKind::Address,
            "GB",
            "10 Downing Street\nSW1A 2AA\nLondon\ngb",
        ),
    ];
    for (i, (kind, country, text)) in typed.iter().enumerate() {
        out.put(
            "contact",
            &format!("typed-{i}"),
            contact_input(*kind, country, text),
        );
    }
}

fn import_lines(out: &Out, export: &Path) {
    for (i, file) in IMPORT_FILES.iter().enumerate() {
        let text = std::fs::read_to_string(export.join(file)).unwrap();
        let tag = u8::try_from(i).unwrap();
        let name = file.split('.').next().unwrap();
        if *file != files::MANIFEST {
            for (n, line) in text.lines().take(3).enumerate() {
                let mut bytes = vec![tag];
                bytes.extend_from_slice(line.as_bytes());
                out.put("import_line", &format!("{name}-{n}"), bytes);
            }
        }
        let head: String = text.lines().take(12).map(|l| format!("{l}\n")).collect();
        let mut bytes = vec![tag];
        bytes.extend_from_slice(head.as_bytes());
        out.put("import_file", name, bytes);
    }
}

fn server_side(out: &Out, export: &Path, customers: &[Customer]) {
    let mut lite = Connection::open_in_memory().unwrap();
    db::migrate(&mut lite).unwrap();
    let conn = Conn::Lite(&lite);
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'epoch'", [EPOCH])
        .unwrap();
    import::run(&conn, export, &mut |_, _, _| {}).unwrap();
    model::build(&conn, &model::BuildOptions::default()).unwrap();
    let rules: model::RulesFile = serde_json::from_str(
        r#"{"suppress_sensitive":true,"rules":[
            {"market":"FR","target":{"category":"fragrance"},"action":{"boost":1.5}},
            {"target":{"brand":"B001"},"action":"exclude"}]}"#,
    )
    .unwrap();
    model::write_policies(&conn, &rules).unwrap();
    let ours: Vec<&Customer> = customers
        .iter()
        .filter(|c| c.home_store_id == FUZZ_STORE)
        .collect();
    let theirs = customers
        .iter()
        .find(|c| c.home_store_id != FUZZ_STORE)
        .unwrap();
    let purchase = Export::open(export)
        .unwrap()
        .records::<PurchaseLine>(files::PURCHASES)
        .unwrap()
        .map(Result::unwrap)
        .find(|p| p.store_id == FUZZ_STORE)
        .unwrap();
    let pushes = pushes(&ours, theirs, &purchase);
    for (name, request) in &pushes {
        out.put("push_request", name, serde_json::to_vec(request).unwrap());
    }
    // The device's pushes land, so that the feed carries what they make.
    let device_id = carnet_fuzz::enrol_device(&conn);
    let all: Vec<Mutation> = pushes
        .iter()
        .flat_map(|(_, r)| r.mutations.clone())
        .collect();
    let renumbered: Vec<Mutation> = all
        .into_iter()
        .zip(1..)
        .map(|(m, seq)| Mutation { seq, ..m })
        .collect();
    mutations::push(&conn, &device_id, &renumbered).unwrap();
    let duplicate = Export::open(export)
        .unwrap()
        .records::<DuplicatePair>(files::TRUTH_DUPLICATES)
        .unwrap()
        .map(Result::unwrap)
        .next()
        .unwrap();
    merge::merge(
        &conn,
        &duplicate.original_id,
        &duplicate.duplicate_id,
        merge::MergedBy::Manager,
        None,
    )
    .unwrap();
    customers::erase(&conn, &ours[1].id).unwrap();
    pages(out, &conn);
    errors(out);
    enrolment_codes(out, &conn);
}

fn mutation(seq: u64, change: MutationKind) -> Mutation {
    Mutation {
        seq,
        made_at: "2026-10-30T10:00:00Z".into(),
        advisor_id: Some("A001".into()),
        change,
    }
}

fn edit(customer: &Customer, field: ContactField, value: Option<ContactValue>) -> MutationKind {
    MutationKind::ContactEdit {
        customer_id: customer.id.clone(),
        field,
        value,
    }
}

fn pushes(
    ours: &[&Customer],
    theirs: &Customer,
    purchase: &PurchaseLine,
) -> Vec<(String, PushRequest)> {
    let her = ours[0];
    let text = |s: &str| Some(ContactValue::Text(s.into()));
    let mut registered = her.clone();
    registered.id = "0f1e2d3c4b5a6978".into();
    registered.card = with_check_digit("290000000777");
    registered.consents.clear();
    let kinds = vec![
        (
            "email",
            edit(her, ContactField::Email, text("zoe.martin@orange.fr")),
        ),
        (
            "email-typo",
            edit(her, ContactField::Email, text("zoe.martin@gmial.com")),
        ),
        ("email-cleared", edit(her, ContactField::Email, None)),
        (
            "phone",
            edit(her, ContactField::Phone, text("06 12 34 56 78")),
        ),
        ("language", edit(her, ContactField::Language, text("it"))),
        (
            "first-name",
            edit(her, ContactField::FirstName, text("Zoé")),
        ),
        (
            "last-name",
            edit(her, ContactField::LastName, text("D'Angelo")),
        ),
        (
            "address",
            edit(
                her,
                ContactField::Address,
                Some(ContactValue::Address(Address {
                    line1: "12 rue de la Paix".into(),
                    postal_code: "75002".into(),
                    city: "Paris".into(),
                    country: "FR".into(),
                })),
            ),
        ),
        (
            "consent",
            MutationKind::Consent {
                customer_id: her.id.clone(),
                channel: "sms".into(),
                purpose: "marketing".into(),
                granted: true,
                source: "store".into(),
            },
        ),
        (
            "feedback",
            MutationKind::Feedback {
                customer_id: her.id.clone(),
                product_id: purchase.product_id.clone(),
                verdict: FeedbackVerdict::Like,
            },
        ),
        (
            "feedback-cleared",
            MutationKind::Feedback {
                customer_id: ours[2].id.clone(),
                product_id: purchase.product_id.clone(),
                verdict: FeedbackVerdict::Cleared,
            },
        ),
        (
            "gift",
            MutationKind::GiftFlag {
                purchase_id: purchase.id.clone(),
                gift: true,
            },
        ),
        (
            "profile-view",
            MutationKind::ProfileView {
                customer_id: her.id.clone(),
            },
        ),
        (
            "other-store",
            MutationKind::ProfileView {
                customer_id: theirs.id.clone(),
            },
        ),
        (
            "create-customer",
            MutationKind::CreateCustomer {
                customer: Box::new(registered),
            },
        ),
    ];
    let mut pushes: Vec<(String, PushRequest)> = kinds
        .iter()
        .map(|(name, kind)| {
            (
                (*name).to_owned(),
                PushRequest {
                    mutations: vec![mutation(1, kind.clone())],
                },
            )
        })
        .collect();
    pushes.push((
        "all".into(),
        PushRequest {
            mutations: kinds
                .into_iter()
                .zip(1..)
                .map(|((_, k), seq)| mutation(seq, k))
                .collect(),
        },
    ));
    pushes
}

fn pages(out: &Out, conn: &Conn<'_>) {
    let mut served = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = feed::read_page(conn, FUZZ_STORE, &cursor, 8).unwrap();
        let more = page.has_more;
        cursor = page.next_cursor.clone();
        served.push(page);
        if !more {
            break;
        }
    }
    // The catalog's first pages, every 16th after, the last ones (the model, the policy, the
    // device's edits, a merge, an erasure).
    let last = served.len() - 1;
    for (n, page) in served.iter_mut().enumerate() {
        for payload in &mut page.payloads {
            if payload.len() > 4096 {
                *payload = cut_model(payload);
            }
        }
        if n < 6 || n % 16 == 0 || n + 10 > last {
            out.put("sync_page", &format!("page-{n:03}"), page.to_json());
        }
        if n < 4 || n % 64 == 0 || n == last {
            out.put("feed_cursor", &format!("page-{n:03}"), &page.next_cursor);
        }
    }
    out.put("feed_cursor", "beginning", "");
    out.put(
        "feed_cursor",
        "another-epoch",
        feed::encode_cursor("0123456789abcdef", 42),
    );
    out.put(
        "feed_cursor",
        "negative",
        URL_SAFE_NO_PAD.encode(format!("{EPOCH}:-1")),
    );
    out.put(
        "feed_cursor",
        "estimate",
        URL_SAFE_NO_PAD.encode(format!("{EPOCH}:12:3000")),
    );
}

/// The model (over 100 KB) with its artifact cut to its first 96 bytes: the page stays small,
/// and the device refuses the model as truncated.
fn cut_model(payload: &str) -> String {
    let Ok(Change::Upsert {
        record: Record::Model(mut model),
    }) = serde_json::from_str::<Change>(payload)
    else {
        panic!("only the model is that large");
    };
    model.bytes_base64.truncate(128);
    feed::upsert_payload(Record::Model(model)).unwrap()
}

fn errors(out: &Out) {
    let answer = |error: &str, expected_seq: Option<u64>, order: Option<&str>| ApiError {
        error: error.into(),
        message: "seed".into(),
        expected_seq,
        order: order.map(str::to_owned),
        key_chain: Vec::new(),
    };
    let answers = [
        ("cursor-expired", answer(codes::CURSOR_EXPIRED, None, None)),
        ("sequence-gap", answer(codes::SEQUENCE_GAP, Some(7), None)),
        ("upgrade", answer(codes::UPGRADE_REQUIRED, None, None)),
        (
            "revoked",
            answer("device_revoked", None, Some("eyJkZXZpY2UiOiJkIn0.c2ln")),
        ),
    ];
    for (name, a) in answers {
        out.put(
            "sync_page",
            &format!("error-{name}"),
            serde_json::to_vec(&a).unwrap(),
        );
    }
}

fn enrolment_codes(out: &Out, conn: &Conn<'_>) {
    let pin = pin::fingerprint(b"a certificate");
    let with =
        enrolment::issue(conn, FUZZ_STORE, None, &pin, Some("https://10.20.0.5:8443")).unwrap();
    out.put("enrolment_qr", "with-server", &with.qr_payload);
    let without = enrolment::issue(conn, FUZZ_STORE, Some(5), &pin, None).unwrap();
    out.put("enrolment_qr", "without-server", &without.qr_payload);
    let colons = EnrolmentPayload {
        code: "ABCD2345EFGH".into(),
        certificate_pin: pin
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_uppercase())
            .collect::<Vec<_>>()
            .join(":"),
        server_url: None,
    };
    out.put("enrolment_qr", "colons", colons.to_text());
    out.put(
        "enrolment_qr",
        "other-qr",
        "https://example.com/?code=1&pin=2",
    );
}
