//! The manager's web console on the real server over TLS, as a browser would use it (plain
//! HTTP requests with the session cookie, no redirects followed): sign-in with a password and
//! a TOTP code, scopes, CSRF, session fixation, sign-out, and guessing. The browser test
//! (`ffi/tests/python/test_console.py`) drives the same pages in Chromium.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::device::ensure_store;
use common::{Device, Server, cli_in, field};
use reqwest::{Method, StatusCode, header};
use totp_rs::{Algorithm, Secret, TOTP};

const PASSWORD: &str = "correct horse battery";

/// A form posted as a browser posts it (`application/x-www-form-urlencoded`).
trait FormOf {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormOf for reqwest::RequestBuilder {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self {
        let escape = |text: &str| -> String {
            text.bytes()
                .map(|b| match b.is_ascii_alphanumeric() {
                    true => char::from(b).to_string(),
                    false => format!("%{b:02X}"),
                })
                .collect()
        };
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect();
        self.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.join("&"))
    }
}

/// A server with two stores and a manager account for each (Paris with TOTP), and head
/// office.
struct Console {
    _dir: tempfile::TempDir,
    server: Server,
    http: reqwest::Client,
    /// Paris's manager's TOTP secret (base32).
    totp: String,
}

/// A browser's session: its cookie and the CSRF token its pages carry.
struct Browser {
    cookie: String,
    csrf: String,
}

fn account(data: &std::path::Path, id: &str, store: Option<&str>, totp: bool) -> String {
    let data = data.to_str().unwrap();
    let mut args = vec![
        "manager", "account", "--data", data, "--id", id, "--name", id,
    ];
    match store {
        Some(store) => args.extend(["--store", store]),
        None => args.push("--head-office"),
    }
    if totp {
        args.push("--totp");
    }
    let (ok, out, err) = cli_in(&args, &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    out
}

impl Console {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("server");
        ensure_store(&data, "S001");
        ensure_store(&data, "S002");
        let out = account(&data, "paris", Some("S001"), true);
        let otpauth = field(&out, "totp ");
        let totp = otpauth
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("secret="))
            .unwrap()
            .to_owned();
        account(&data, "lyon", Some("S002"), false);
        account(&data, "siege", None, false);
        let server = Server::start(&data);
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(
                carnet_protocol::pin::client_config(&server.fingerprint).unwrap(),
            )
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            _dir: dir,
            server,
            http,
            totp,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// Paris's code for the time step of `at` (seconds since the epoch).
    fn code_at(&self, at: u64) -> String {
        let secret = Secret::Encoded(self.totp.clone()).to_bytes().unwrap();
        TOTP::new(Algorithm::SHA1, 6, 0, 30, secret)
            .unwrap()
            .generate(at)
    }

    fn now() -> u64 {
        chrono::Utc::now().timestamp() as u64
    }

    async fn sign_in_raw(
        &self,
        account: &str,
        code: &str,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.url("/console/sign-in")).form_of(&[
            ("account", account),
            ("password", PASSWORD),
            ("code", code),
        ]);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// Signs in (Paris with a code of the step before the current one, so that a later
    /// sign-in has a fresh one).
    async fn sign_in(&self, account: &str, code: &str) -> Browser {
        let r = self.sign_in_raw(account, code, None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{account}");
        let cookie = session_cookie(&r);
        let page = self.get(&cookie, "/console").await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        let next = page.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        let body = self.get(&cookie, &next).await.text().await.unwrap();
        Browser {
            csrf: csrf_of(&body),
            cookie,
        }
    }

    async fn get(&self, cookie: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header(header::COOKIE, cookie)
            .form_of(form)
            .send()
            .await
            .unwrap()
    }
}

/// The `name=value` of the session cookie a response sets, after checking its attributes.
fn session_cookie(r: &reqwest::Response) -> String {
    let set = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(set.starts_with("__Host-carnet-console="), "{set}");
    set.split(';').next().unwrap().to_owned()
}

fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).expect("a form with a CSRF token") + marker.len();
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn a_manager_signs_in_with_her_password_and_a_fresh_totp_code() {
    let c = Console::new();
    let now = Console::now();
    // No code, a wrong code, a wrong password: the same refusal.
    for code in ["", "000000"] {
        let r = c.sign_in_raw("paris", code, None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().get(header::SET_COOKIE).is_none());
        assert!(r.text().await.unwrap().contains("is not right"));
    }
    let code = c.code_at(now);
    let r = c.sign_in_raw("paris", &code, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r);
    // The same code again is refused: a code is good once.
    let again = c.sign_in_raw("paris", &code, None).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

    let page = c.get(&cookie, "/console/stores/S001/devices").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let body = page.text().await.unwrap();
    assert!(body.contains("No device is enrolled"), "{body}");
    assert!(!body.contains("<script"), "the console runs no script");

    // The style sheet is served by the binary; nothing comes from another host.
    let css = c.get(&cookie, "/console/style.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "{body}"
    );
}

#[tokio::test]
async fn every_store_page_refuses_another_stores_manager_and_asks_a_stranger_to_sign_in() {
    let c = Console::new();
    let lyon = c.sign_in("lyon", "").await;
    let paris = c.sign_in("paris", &c.code_at(Console::now())).await;
    let head_office = c.sign_in("siege", "").await;
    let store_routes: Vec<_> = carnet_sync_server::console::table()
        .into_iter()
        .filter(|r| r.path.contains("{store}"))
        .collect();
    assert!(store_routes.len() >= 8, "the table lists the store's pages");
    for route in &store_routes {
        let path = route
            .path
            .replace("{store}", "S001")
            .replace("{id}", "A00001");
        for method in route.methods {
            let send = |cookie: Option<&str>, csrf: &str| {
                let mut r = c.http.request(method.clone(), c.url(&path)).form_of(&[
                    ("csrf", csrf),
                    ("pin", "2468"),
                    ("name", "N"),
                    ("advisor_id", "A9"),
                ]);
                if let Some(cookie) = cookie {
                    r = r.header(header::COOKIE, cookie);
                }
                r.send()
            };
            let theirs = send(Some(&lyon.cookie), &lyon.csrf).await.unwrap();
            assert_eq!(theirs.status(), StatusCode::FORBIDDEN, "{method} {path}");
            let stranger = send(None, "").await.unwrap();
            let expected = match *method {
                Method::GET => StatusCode::SEE_OTHER,
                _ => StatusCode::UNAUTHORIZED,
            };
            assert_eq!(stranger.status(), expected, "{method} {path}");
            // Her own store's manager and head office get past the scope (to the page, the
            // action, or "no such advisor/device").
            for own in [&paris, &head_office] {
                let r = send(Some(&own.cookie), &own.csrf).await.unwrap();
                assert!(
                    ![StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED].contains(&r.status()),
                    "{method} {path}: {}",
                    r.status()
                );
            }
        }
    }
    // A store that does not exist: 403 to a store manager (it tells nothing), 404 to head
    // office.
    let r = c.get(&lyon.cookie, "/console/stores/S999/devices").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .get(&head_office.cookie, "/console/stores/S999/devices")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let stores = c.get(&head_office.cookie, "/console/stores").await;
    let body = stores.text().await.unwrap();
    assert!(body.contains("S001") && body.contains("S002"), "{body}");
}

#[tokio::test]
async fn a_form_without_the_sessions_token_changes_nothing() {
    let c = Console::new();
    let paris = c.sign_in("paris", &c.code_at(Console::now())).await;
    // A handheld enrolled from the console's page.
    let enrol = c
        .post(
            &paris.cookie,
            "/console/stores/S001/devices/enrol",
            &[("csrf", &paris.csrf)],
        )
        .await;
    assert_eq!(enrol.status(), StatusCode::OK);
    let page = enrol.text().await.unwrap();
    let marker = "id=\"enrolment-code\">";
    let at = page.find(marker).unwrap() + marker.len();
    let code = &page[at..at + 14];
    assert!(page.contains("<svg"), "the code is shown as a QR code");
    let device = Device::enrol(&c.server.base, &c.server.fingerprint, code, None)
        .await
        .unwrap();
    device.renew().await.unwrap();

    let revoke = format!("/console/stores/S001/devices/{}/revoke", device.id);
    let forged = "0".repeat(64);
    for csrf in [forged.as_str(), ""] {
        let r = c.post(&paris.cookie, &revoke, &[("csrf", csrf)]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    device.renew().await.expect("the device is still enrolled");
    let listed = c.get(&paris.cookie, "/console/stores/S001/devices").await;
    assert!(listed.text().await.unwrap().contains(&device.id));

    // With the token, after the confirmation page, the device is revoked and told so.
    let confirm = c.get(&paris.cookie, &revoke).await;
    assert!(
        confirm
            .text()
            .await
            .unwrap()
            .contains("Revoke this device?")
    );
    let r = c
        .post(&paris.cookie, &revoke, &[("csrf", &paris.csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, error) = device.renew().await.unwrap_err();
    assert_eq!(status, 401);
    assert_eq!(error.error, "device_revoked");
    let journal = common::cli(&[
        "events",
        "--data",
        c.server.data.to_str().unwrap(),
        "--store",
        "S001",
    ]);
    assert!(journal.contains("console device revoke"), "{journal}");
}

#[tokio::test]
async fn a_planted_cookie_is_not_kept_and_a_signed_out_cookie_opens_nothing() {
    let c = Console::new();
    let planted = format!("__Host-carnet-console={}", "ab".repeat(32));
    let r = c.sign_in_raw("lyon", "", Some(&planted)).await;
    let cookie = session_cookie(&r);
    assert_ne!(cookie, planted, "signing in starts a new session");
    let r = c.get(&planted, "/console/stores/S002/devices").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let page = c.get(&cookie, "/console/stores/S002/devices").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = csrf_of(&page.text().await.unwrap());
    let out = c
        .post(&cookie, "/console/sign-out", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The cookie, kept by whoever copied it, opens nothing now.
    let r = c.get(&cookie, "/console/stores/S002/devices").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/console/sign-in");
}

#[tokio::test]
async fn guessing_a_password_is_slow_and_locks_the_account() {
    let c = Console::new();
    let started = std::time::Instant::now();
    for _ in 0..5 {
        let r = c
            .http
            .post(c.url("/console/sign-in"))
            .form_of(&[("account", "lyon"), ("password", "not the password!")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "each failure is answered after a second"
    );
    // Locked now, even with the right password.
    let r = c.sign_in_raw("lyon", "", None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let wait: u64 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&wait), "{wait}");
    // Another account is not locked by it.
    c.sign_in("siege", "").await;
}

#[test]
fn an_account_needs_a_long_password_and_a_known_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    ensure_store(&data, "S001");
    let d = data.to_str().unwrap();
    let args = [
        "manager", "account", "--data", d, "--id", "x", "--name", "X", "--store",
    ];
    let (ok, _, err) = cli_in(&[&args[..], &["S001"]].concat(), "short\n");
    assert!(!ok);
    assert!(err.contains("12 to 128 characters"), "{err}");
    let (ok, _, err) = cli_in(&[&args[..], &["S404"]].concat(), &format!("{PASSWORD}\n"));
    assert!(!ok, "{err}");
    let (ok, out, _) = cli_in(&[&args[..], &["S001"]].concat(), &format!("{PASSWORD}\n"));
    assert!(ok);
    assert!(!out.contains("totp"), "no TOTP unless asked");
    let (ok, _, err) = cli_in(&[&args[..], &["S001"]].concat(), &format!("{PASSWORD}\n"));
    assert!(!ok);
    assert!(err.contains("exists already"), "{err}");
}
