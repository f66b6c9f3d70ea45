"""The manager's web console in a real browser: Debian's Chromium, headless, driven by Playwright
against the real sync server on loopback TLS. A manager signs in with her password and a TOTP
code, adds an advisor, enrols a handheld from the QR code on the page (read back from a
screenshot, then enrolled through the device core's Python bindings), sees the advisor sign in
on it, revokes it, and the handheld destroys its data. Each page is saved as a screenshot, light
and dark, in target/console-screenshots/."""

import asyncio
import concurrent.futures
import datetime
import io
import json
import os
import pathlib
import shutil
import sqlite3
import time
import zoneinfo

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect, sync_playwright

import carnet_ffi as carnet
from conftest import ADVISOR as STORE_ADVISOR, ADVISOR_PIN as STORE_ADVISOR_PIN, STORE, TARGET, server
from test_advisor_day import MemoryKeyStore, ean13

PASSWORD = "a long console password"
ADVISOR = "A777"
ADVISOR_PIN = "582941"
SHOTS = TARGET / "console-screenshots"


def chromium():
    """Debian's Chromium: the test never downloads a browser."""
    path = os.environ.get("CARNET_CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is missing: scripts/ensure-deps.sh installs Debian's package"
    return path


def run(coroutine):
    """Runs a core call on its own thread: Playwright's sync API owns this one's event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def shoot(page, name):
    """Saves the page in light and dark."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"), full_page=True)
    page.emulate_media(color_scheme="light")


@pytest.fixture(scope="module")
def manager(store):
    out = server("manager", "account", "--data", str(store.data), "--id", "claire",
                 "--name", "Claire Martin", "--store", STORE, "--totp", stdin=PASSWORD + "\n")
    otpauth = next(line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("totp "))
    return pyotp.parse_uri(otpauth)


@pytest.fixture(scope="module")
def head_office(store):
    """Head office's account, without a second factor: every store, chosen from the list."""
    server("manager", "account", "--data", str(store.data), "--id", "siege", "--name", "Siège",
           "--head-office", stdin=PASSWORD + "\n")
    return "siege"


def signed_in(browser, store, account, **options):
    """A new browser of `account` (without TOTP), signed in, on the store's devices page."""
    context = browser.new_context(ignore_https_errors=True, java_script_enabled=False,
                                  viewport={"width": 1100, "height": 900}, **options)
    page = context.new_page()
    page.goto(store.url + "/console/sign-in")
    page.fill("input[name=account]", account)
    page.fill("input[name=password]", PASSWORD)
    page.click("button")
    expect(page).to_have_url(store.url + "/console/stores")
    page.click(f"text={STORE}")
    return context, page


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), headless=True)
        yield b
        b.close()


def test_a_manager_enrols_a_handheld_from_the_qr_code_and_revokes_it(store, manager, browser, tmp_path):
    # The server's certificate is self-signed and pinned by the handhelds; the browser is told
    # to accept it (a store's console would sit behind the chain's own certificate).
    context = browser.new_context(ignore_https_errors=True, java_script_enabled=False,
                                  viewport={"width": 1100, "height": 720})
    page = context.new_page()
    page.goto(store.url + "/console")
    expect(page).to_have_url(store.url + "/console/sign-in")
    shoot(page, "sign-in")

    # A wrong code is refused like a wrong password.
    page.fill("input[name=account]", "claire")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", "000000")
    page.click("button:has-text('Sign in')")
    expect(page.locator("p.error")).to_contain_text("is not right")

    page.fill("input[name=account]", "claire")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", manager.now())
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(store.url + f"/console/stores/{STORE}/devices")
    cookie = next(c for c in context.cookies() if c["name"] == "__Host-carnet-console")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    shoot(page, "devices-empty")

    # An advisor added here signs in on the handheld below.
    page.click("nav >> text=Advisors")
    page.fill("form.stacked input[name=advisor_id]", ADVISOR)
    page.fill("form.stacked input[name=name]", "Inès Moreau")
    page.fill("form.stacked input[name=pin]", ADVISOR_PIN)
    page.click("form.stacked button")
    row = page.locator(f"tr[data-advisor={ADVISOR}]")
    expect(row).to_contain_text("Inès Moreau")
    expect(row.locator("td.state")).to_have_text("active")
    shoot(page, "advisors")

    # The enrolment code as the handheld's camera would see it.
    page.click("nav >> text=Devices")
    page.click("button:has-text('Enrol a handheld')")
    qr = page.locator("figure.qr")
    expect(qr).to_be_visible()
    shoot(page, "enrol")
    picture = Image.open(io.BytesIO(qr.screenshot()))
    found = zxingcpp.read_barcodes(picture)
    assert len(found) == 1, "one QR code on the page"
    payload = carnet.parse_enrollment_payload(found[0].text)
    assert payload is not None, found[0].text
    assert payload.code.replace("-", "") == page.locator("#enrolment-code").inner_text().replace("-", "")
    assert payload.certificate_pin == store.pin

    handheld = carnet.Handheld.open(str(tmp_path / "device"), MemoryKeyStore(), "console-test 1.0")
    state = run(handheld.enroll(store.url, payload.certificate_pin, payload.code))
    assert isinstance(state, carnet.DeviceState.LOCKED)
    state = run(handheld.sign_in(ADVISOR, ADVISOR_PIN))
    assert isinstance(state, carnet.DeviceState.UNLOCKED)
    assert state.advisor_id == ADVISOR
    device_id = handheld.device_status().device_id
    page.click("nav >> text=Advisors")
    expect(page.locator(f"tr[data-advisor={ADVISOR}] td.last-sign-in")).not_to_have_text("never")

    page.click("nav >> text=Devices")
    row = page.locator(f"tr[data-device='{device_id}']")
    expect(row.locator("td.state")).to_have_text("active")
    expect(row).to_contain_text("console-test 1.0")
    expect(row.locator("td.lease")).to_contain_text("until")
    shoot(page, "devices")

    # Revoke, after the confirmation page.
    row.locator("a:has-text('Revoke')").click()
    expect(page.locator("main p").first).to_contain_text("Revoke this device?")
    shoot(page, "revoke")
    page.click("button.danger")
    expect(page.locator(f"tr[data-device='{device_id}'] td.state")).to_have_text("revoked")

    # The handheld learns it at its next presence check and destroys its data.
    with pytest.raises(carnet.CarnetError.Refused) as refused:
        run(handheld.check_presence())
    assert isinstance(refused.value.refusal, carnet.Refusal.WIPED), refused.value
    state = handheld.state()
    assert isinstance(state, carnet.DeviceState.SHREDDED), state
    assert state.reason == carnet.ShredReason.REVOKED
    with pytest.raises(carnet.CarnetError.Locked):
        handheld.search_by_name("a", 5)

    # A copy of her cookie works while she is signed in, and opens nothing once she signs out.
    stolen = browser.new_context(ignore_https_errors=True)
    stolen.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": store.url,
                         "secure": True, "httpOnly": True, "sameSite": "Strict"}])
    other = stolen.new_page()
    other.goto(store.url + f"/console/stores/{STORE}/devices")
    expect(other.locator("h1")).to_have_text("Devices")
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(store.url + "/console/sign-in")
    other.goto(store.url + f"/console/stores/{STORE}/devices")
    expect(other).to_have_url(store.url + "/console/sign-in")
    stolen.close()
    context.close()


def test_the_console_speaks_french_when_she_chooses_it(store, manager, browser):
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR")
    page = context.new_page()
    page.goto(store.url + "/console/sign-in")
    expect(page.locator("h1")).to_have_text("Se connecter")
    page.fill("input[name=account]", "claire")
    page.fill("input[name=password]", PASSWORD)
    # The next time step's code: the one the first test used is good only once.
    page.fill("input[name=code]", manager.at(time.time() + 30))
    page.click("button")
    expect(page).to_have_url(store.url + f"/console/stores/{STORE}/devices")
    page.select_option("select[name=language]", "fr")
    page.click("form.inline >> text=Save")
    expect(page.locator("h1")).to_have_text("Appareils")
    shoot(page, "devices-fr")
    # Kept in her account: English again for the next tests.
    page.select_option("select[name=language]", "en")
    page.click("form.inline >> text=Enregistrer")
    expect(page.locator("h1")).to_have_text("Devices")
    context.close()


def sales_by_hour(store):
    """The store's last 8 weeks by weekday and hour, computed here from the export with SQL:
    (last day, {(weekday, hour): (cents, receipts)})."""
    with open(store.export / "stores.jsonl") as f:
        zone = zoneinfo.ZoneInfo(next(s for s in map(json.loads, f) if s["id"] == STORE)["timezone"])
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE line (receipt TEXT, day TEXT, weekday INT, hour INT, cents INT, "
               "returned INT)")
    with open(store.export / "purchases.jsonl") as f:
        for p in map(json.loads, f):
            # The counter's hours: its tills and the orders collected there, not the orders
            # delivered; a return takes its amount off and is not a receipt.
            if p["store_id"] != STORE or p.get("channel", "store") not in ("store", "click_and_collect"):
                continue
            at = datetime.datetime.fromisoformat(p["bought_at"].replace("Z", "+00:00")).astimezone(zone)
            db.execute("INSERT INTO line VALUES (?, ?, ?, ?, ?, ?)",
                       (p["receipt_id"], at.date().isoformat(), at.weekday(), at.hour, p["amount_cents"],
                        "return_of" in p))
    (last,) = db.execute("SELECT max(day) FROM line").fetchone()
    first = (datetime.date.fromisoformat(last) - datetime.timedelta(days=55)).isoformat()
    rows = db.execute("SELECT weekday, hour, sum(cents), count(DISTINCT iif(returned, NULL, receipt)) "
                      "FROM line WHERE day BETWEEN ? AND ? GROUP BY weekday, hour", (first, last))
    return last, {(w, h): (cents, receipts) for w, h, cents, receipts in rows}


def test_the_dashboard_shows_what_the_store_sold(store, head_office, browser):
    context, page = signed_in(browser, store, head_office)
    page.click("nav >> text=Dashboard")
    expect(page.locator("h1")).to_have_text("Dashboard")
    last, expected = sales_by_hour(store)
    assert page.locator("#as-of").inner_text() == last
    shown = {}
    for cell in page.locator("svg.week").first.locator("g.cell").all():
        key = (int(cell.get_attribute("data-weekday")), int(cell.get_attribute("data-hour")))
        desc = cell.locator("desc")
        shown[key] = (int(desc.get_attribute("data-cents")), int(desc.get_attribute("data-receipts")))
    for key, (cents, receipts) in expected.items():
        assert shown.get(key) == (cents, receipts), key
    assert sum(c for c, _ in shown.values()) == sum(c for c, _ in expected.values())
    busiest = max(expected, key=lambda k: expected[k][0])
    assert page.locator("rect.busiest").count() == 1
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    expect(page.locator("#busiest")).to_contain_text(f"{days[busiest[0]]} {busiest[1]}:00")
    expect(page.locator("#forecast-error")).to_contain_text("WAPE")
    assert page.locator("g.area").count() > 0
    shoot(page, "dashboard")
    page.click("nav.measures >> text=receipts")
    expect(page.locator("nav.measures strong")).to_have_text("receipts")

    # The advisors' month: the figures the command line prints for it.
    page.click("nav >> text=Results")
    month = last[:7]
    expect(page.locator("h1")).to_contain_text(month)
    out = server("advisor", "results", "--data", str(store.data), "--store", STORE, "--month", month)
    rows = [line.split("\t") for line in out.splitlines()[1:] if "\t" in line]
    assert rows, out
    for advisor, _, done, reached, attributed, receipts, book, active, open_tasks in rows:
        row = page.locator(f"#results tr[data-advisor={advisor}]")
        assert int(row.get_attribute("data-attributed-cents")) == round(float(attributed) * 100)
        cells = row.locator("td").all_inner_texts()
        assert cells[1:3] == [done, reached] and cells[4:] == [receipts, f"{active} / {book}", open_tasks]
    group = out.split("group tasks open:")[1].strip()
    assert page.locator("#group-tasks").inner_text() == group
    shoot(page, "results")
    context.close()


def test_a_customer_erased_and_a_duplicate_merged_in_the_console_reach_the_handheld(
        store, head_office, browser, tmp_path):
    handheld = carnet.Handheld.open(str(tmp_path / "device"), MemoryKeyStore(), "console-test 1.0")
    run(handheld.enroll(store.url, store.pin, store.enrollment_code()))
    run(handheld.sign_in(STORE_ADVISOR, STORE_ADVISOR_PIN))
    run(handheld.sync_now())
    customers = store.customers()
    erased = customers[0]
    assert handheld.find_by_card(erased["card"]).id == erased["id"]
    # She viewed a card: the console says who.
    viewed = customers[1]
    handheld.open_card(viewed["id"])
    run(handheld.sync_now())

    context, page = signed_in(browser, store, head_office)
    page.click("nav >> text=Customers")
    page.fill("input[name=q]", f"{viewed['last_name']} {viewed['address']['postal_code']}")
    page.click("button:has-text('Find')")
    page.click(f"tr[data-customer={viewed['id']}] a")
    expect(page.locator("#views")).to_contain_text(STORE_ADVISOR)
    shoot(page, "customer")
    with page.expect_download() as download:
        page.click("button:has-text('Download her data')")
    exported = json.loads(pathlib.Path(download.value.path()).read_text())
    assert json.dumps(exported).count(viewed["card"]) >= 1

    # Erasure, after the confirmation page; the handheld drops her at its next sync.
    page.click("nav >> text=Customers")
    page.fill("input[name=q]", erased["card"])
    page.click("button:has-text('Find')")
    page.click(f"tr[data-customer={erased['id']}] a")
    page.click("a:has-text('Erase')")
    expect(page.locator("main p").first).to_contain_text("Erase this customer?")
    page.click("button.danger")
    expect(page.locator("main")).to_contain_text("She is erased")
    run(handheld.sync_now())
    with pytest.raises(carnet.CarnetError.NotFound):
        handheld.find_by_card(erased["card"])

    # Two customers registered again on the handheld, under their names and postal codes but
    # at another address and without contacts: pairs for the duplicate review (score 0.60).
    twins = {}
    for n, original in enumerate(customers[2:4]):
        card = ean13(f"29099999990{n}")
        twin = handheld.register_customer(carnet.NewCustomer(
            card=card, first_name=original["first_name"], last_name=original["last_name"],
            email=None, phone=None, line1="99 rue des Doublons",
            postal_code=original["address"]["postal_code"], city=original["address"]["city"],
            language="fr"))
        twins[twin] = (original["id"], card)
    run(handheld.sync_now())
    page.click("nav >> text=Duplicates")
    pair = {twin: page.locator(f"section.pair[data-keep={keep}][data-duplicate={twin}]")
            for twin, (keep, _) in twins.items()}
    for locator in pair.values():
        expect(locator).to_have_count(1)
    shoot(page, "duplicates")
    merged, apart = list(twins)
    pair[merged].locator("button:has-text('Merge')").click()
    expect(pair[merged]).to_have_count(0)
    pair[apart].locator("button:has-text('Not the same person')").click()
    expect(pair[apart]).to_have_count(0)
    page.reload()
    expect(pair[apart]).to_have_count(0)  # never proposed again
    run(handheld.sync_now())
    keep, card = twins[merged]
    assert handheld.find_by_card(card).id == keep, "her second card finds the customer kept"
    context.close()
