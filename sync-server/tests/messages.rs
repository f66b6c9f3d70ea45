//! E-mails and SMS pushed by devices, sent by the real server through a real SMTP server
//! (aiosmtpd, started by the test) and an SMS gateway (an HTTP server in the test): once each,
//! whatever the retries of the push or of a failing provider; her consent checked again when
//! it leaves; an unsubscribe link and a STOP reply that withdraw the consent in her record, in
//! the feed of every device of her store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carnet_protocol::{
    DeliveryState, MessageChannel, MessageText, Mutation, MutationKind, Outcome, OutreachRecord,
    Record, reject,
};
use common::smtp::SmtpSink;
use common::*;

/// What the test SMS gateway received: (to, text, idempotency key), and how it answers.
#[derive(Default)]
struct Gateway {
    received: Vec<(String, String, String)>,
    /// Answer 503 to this many requests first.
    fail_first: u32,
    /// Answer 400 for this number.
    refuse: Option<String>,
}

async fn start_gateway(gateway: Arc<Mutex<Gateway>>) -> u16 {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
                let gateway = Arc::clone(&gateway);
                async move {
                    assert_eq!(
                        headers["authorization"].to_str().unwrap(),
                        "Bearer gateway-token-0123456789"
                    );
                    let mut g = gateway.lock().unwrap();
                    let to = body["to"].as_str().unwrap().to_owned();
                    if g.fail_first > 0 {
                        g.fail_first -= 1;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    if g.refuse.as_deref() == Some(&to) {
                        return StatusCode::BAD_REQUEST;
                    }
                    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                    g.received
                        .push((to, body["text"].as_str().unwrap().to_owned(), key));
                    StatusCode::ACCEPTED
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// The server on `env`, sending e-mail to `smtp_port` and SMS to `sms_port`, retrying fast.
fn server(env: &Env, smtp_port: u16, sms_port: u16) -> Server {
    let dir = env.dir.path();
    std::fs::write(dir.join("gateway.token"), "gateway-token-0123456789\n").unwrap();
    std::fs::write(dir.join("inbound.token"), "inbound-token-0123456789\n").unwrap();
    let config = dir.join("carnet.toml");
    std::fs::write(
        &config,
        format!(
            r#"public_url = "https://carnet.example.com"

[email]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "Carnet Opéra <conseil@example.com>"
timeout_secs = 5

[sms]
webhook_url = "http://127.0.0.1:{sms_port}/sms"
token_file = "{}"
inbound_token_file = "{}"

[messages]
first_retry_secs = 0.2
max_attempts = 4
poll_millis = 50
"#,
            dir.join("gateway.token").display(),
            dir.join("inbound.token").display()
        ),
    )
    .unwrap();
    Server::start_configured(&env.data_dir(), &config)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn message(seq: u64, customer: &str, id: &str, channel: MessageChannel, body: &str) -> Mutation {
    mutation(
        seq,
        &now(),
        MutationKind::Message {
            outreach_id: id.into(),
            customer_id: customer.into(),
            task_id: None,
            channel,
            text: MessageText {
                subject: (channel == MessageChannel::Email).then(|| "Votre sérum".to_owned()),
                body: body.into(),
            },
            product_ids: vec!["P000001".into()],
        },
    )
}

fn consent(seq: u64, customer: &str, channel: &str, granted: bool) -> Mutation {
    mutation(
        seq,
        &now(),
        MutationKind::Consent {
            customer_id: customer.into(),
            channel: channel.into(),
            purpose: "marketing".into(),
            granted,
            source: "store".into(),
        },
    )
}

/// Pulls the store's feed until the contact `id` is no longer pending, and returns it.
async fn settled(device: &Device, id: &str) -> OutreachRecord {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (changes, _, _) = device.pull_all("S001", "", 5000).await;
        let found = upserts(&changes).into_iter().find_map(|r| match r {
            Record::Outreach(o) if o.id == id => Some(o.clone()),
            _ => None,
        });
        if let Some(o) = found
            && o.delivery.as_ref().unwrap().state != DeliveryState::Pending
        {
            return o;
        }
        assert!(Instant::now() < deadline, "{id} still pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Her marketing consent on `channel` as the store's feed has it: (granted, source).
async fn consent_in_feed(device: &Device, customer: &str, channel: &str) -> (bool, String) {
    let (changes, _, _) = device.pull_all("S001", "", 5000).await;
    upserts(&changes)
        .into_iter()
        .find_map(|r| match r {
            Record::Customer(c) if c.id == customer => c
                .consents
                .iter()
                .find(|k| k.channel == channel && k.purpose == "marketing")
                .map(|k| (k.granted, k.source.clone())),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn an_email_is_sent_once_through_a_dropped_connection_and_its_link_unsubscribes() {
    let env = Env::new();
    let smtp = SmtpSink::start(1);
    let gateway = Arc::new(Mutex::new(Gateway::default()));
    let sms_port = start_gateway(Arc::clone(&gateway)).await;
    let server = server(&env, smtp.port, sms_port);
    let device = server.device("S001").await;

    // Pushed, then pushed again under another seq (the answer was lost): recorded once.
    let body = "Bonjour Prénom1, votre sérum arrive à sa fin. Chloé";
    let r = device
        .push(
            "S001",
            vec![message(1, "C0000001", "K1", MessageChannel::Email, body)],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = device
        .push(
            "S001",
            vec![message(2, "C0000001", "K1", MessageChannel::Email, body)],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Superseded);

    // The relay cut the first attempt before accepting it: tried again, kept once.
    let sent = settled(&device, "K1").await;
    let delivery = sent.delivery.unwrap();
    assert_eq!(delivery.state, DeliveryState::Sent);
    assert_eq!(delivery.attempts, 2);
    assert_eq!(sent.message.unwrap().body, body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(
        mail.starts_with("X-Envelope-To: client1@example.com"),
        "{mail}"
    );
    assert!(mail.contains("Message-ID: <K1@carnet>"), "{mail}");
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{mail}"
    );
    assert!(mail.contains("Pour ne plus recevoir nos e-mails"), "{mail}");
    let link = mail
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .and_then(|l| l.strip_suffix('>'))
        .unwrap();
    let token = link
        .strip_prefix("https://carnet.example.com/unsubscribe/")
        .unwrap();

    // Opening the link changes nothing (mail scanners open links); its button withdraws.
    let client = pinned_client(&server.fingerprint);
    let url = format!("{}/unsubscribe/{token}", server.base);
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Me désabonner") && page.contains("<form method=\"post\">"),
        "{page}"
    );
    assert!(
        !page.contains("Prénom1") && !page.contains("client1@"),
        "{page}"
    );
    assert_eq!(
        consent_in_feed(&device, "C0000001", "email").await,
        (true, "web".to_owned())
    );
    let done = client
        .post(&url)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("C'est fait"));
    assert_eq!(
        consent_in_feed(&device, "C0000001", "email").await,
        (false, "unsubscribe".to_owned())
    );
    // A link nobody sent is not found, and says nothing more.
    let forged = format!("{}/unsubscribe/{}", server.base, "A".repeat(32));
    assert_eq!(client.post(&forged).send().await.unwrap().status(), 404);

    // The next e-mail to her is refused, whoever writes it.
    let r = device
        .push(
            "S001",
            vec![message(3, "C0000001", "K2", MessageChannel::Email, "Hello")],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::NO_CONSENT);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn a_consent_withdrawn_before_the_message_leaves_stops_it() {
    let env = Env::new();
    let smtp = SmtpSink::start(0);
    let gateway = Arc::new(Mutex::new(Gateway::default()));
    let sms_port = start_gateway(Arc::clone(&gateway)).await;
    let server = server(&env, smtp.port, sms_port);
    let writer = server.device("S001").await;
    let other = server.device("S001").await;

    // The writer's device checked her consent; another device records her withdrawal before
    // the writer's push arrives: the server refuses it.
    let r = other
        .push("S001", vec![consent(1, "C0000006", "email", false)])
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = writer
        .push(
            "S001",
            vec![message(
                1,
                "C0000006",
                "K10",
                MessageChannel::Email,
                "Bonjour",
            )],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::NO_CONSENT);

    // The withdrawal arrives after the server queued the message, before it left (the same
    // push: the sender sees only what was committed): not sent, and the card says why.
    let r = writer
        .push(
            "S001",
            vec![
                message(2, "C0000011", "K11", MessageChannel::Email, "Bonjour"),
                consent(3, "C0000011", "email", false),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let stopped = settled(&writer, "K11").await;
    let delivery = stopped.delivery.unwrap();
    assert_eq!(delivery.state, DeliveryState::Withdrawn);
    assert!(delivery.error.unwrap().contains("withdrew"));

    // No address on file (she asked for it to be removed): refused with its own reason.
    let clear_email = mutation(
        4,
        &now(),
        MutationKind::ContactEdit {
            customer_id: "C0000016".into(),
            field: carnet_protocol::ContactField::Email,
            value: None,
        },
    );
    let r = writer
        .push(
            "S001",
            vec![
                clear_email,
                message(5, "C0000016", "K12", MessageChannel::Email, "Bonjour"),
            ],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(rejected_code(&r.results[1].outcome), reject::NO_ADDRESS);
    assert!(smtp.messages().is_empty());

    // A message that does not fit its channel is refused before anything is kept.
    let long = "x".repeat(carnet_protocol::MAX_SMS_CHARS + 1);
    let r = writer
        .push("S001", vec![consent(6, "C0000016", "sms", true)])
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = writer
        .push(
            "S001",
            vec![message(7, "C0000016", "K13", MessageChannel::Sms, &long)],
        )
        .await;
    assert_eq!(rejected_code(&r.results[0].outcome), reject::INVALID_VALUE);
    assert!(gateway.lock().unwrap().received.is_empty());
}

#[tokio::test]
async fn sms_go_through_the_gateway_once_with_retries_and_stop_withdraws() {
    let env = Env::new();
    let smtp = SmtpSink::start(0);
    let gateway = Arc::new(Mutex::new(Gateway {
        fail_first: 2,
        refuse: Some("+33600000021".into()),
        ..Gateway::default()
    }));
    let sms_port = start_gateway(Arc::clone(&gateway)).await;
    let server = server(&env, smtp.port, sms_port);
    let device = server.device("S001").await;

    // The gateway fails twice (503): tried again after a back-off, accepted the third time.
    let r = device
        .push(
            "S001",
            vec![
                consent(1, "C0000001", "sms", true),
                message(
                    2,
                    "C0000001",
                    "K20",
                    MessageChannel::Sms,
                    "Bonjour Prénom1 !",
                ),
            ],
        )
        .await;
    assert!(
        r.results.iter().all(|r| r.outcome == Outcome::Applied),
        "{r:?}"
    );
    let sent = settled(&device, "K20").await;
    let delivery = sent.delivery.unwrap();
    assert_eq!(
        (delivery.state, delivery.attempts),
        (DeliveryState::Sent, 3)
    );
    assert_eq!(
        gateway.lock().unwrap().received,
        [(
            "+33600000001".to_owned(),
            "Bonjour Prénom1 !".to_owned(),
            "K20".to_owned()
        )]
    );

    // A gateway that refuses the number for good: failed at once, and the card says why.
    let r = device
        .push(
            "S001",
            vec![
                consent(3, "C0000021", "sms", true),
                message(4, "C0000021", "K21", MessageChannel::Sms, "Bonjour"),
            ],
        )
        .await;
    assert!(
        r.results.iter().all(|r| r.outcome == Outcome::Applied),
        "{r:?}"
    );
    let failed = settled(&device, "K21").await.delivery.unwrap();
    assert_eq!((failed.state, failed.attempts), (DeliveryState::Failed, 1));
    assert_eq!(
        failed.error.as_deref(),
        Some("the SMS gateway answered 400")
    );

    // She answers STOP: only the gateway may say so; then her SMS consent is withdrawn.
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let inbound = format!("{}/v1/sms/inbound", server.base);
    let stop = serde_json::json!({ "from": "+33600000001", "text": "STOP" });
    let r = client
        .post(&inbound)
        .bearer_auth("not-the-gateway-token")
        .json(&stop)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(consent_in_feed(&device, "C0000001", "sms").await.0);
    // Even the gateway's body is bounded (the server's small-body limit): refused whole.
    let flood = serde_json::json!({ "from": "+33600000001", "text": format!("STOP {}", "x".repeat(64 * 1024)) });
    let r = client
        .post(&inbound)
        .bearer_auth("inbound-token-0123456789")
        .json(&flood)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(consent_in_feed(&device, "C0000001", "sms").await.0);
    let r = client
        .post(&inbound)
        .bearer_auth("inbound-token-0123456789")
        .json(&stop)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["withdrawn"], 1);
    assert_eq!(
        consent_in_feed(&device, "C0000001", "sms").await,
        (false, "unsubscribe".to_owned())
    );
    assert!(smtp.messages().is_empty());
}
