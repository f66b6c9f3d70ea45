"""The handheld simulator driven as a person would: in tmux, keys sent, the screen read.
After a scan it shows the customer; a like shows in the playlist and a wish in her notes;
losing the store Wi-Fi locks the handheld on screen; an e-mail written from a task reaches the
test SMTP server and her card; an appointment booked on her tab is confirmed by a sync."""

import email
import email.policy
import json
import re
import shutil
import subprocess
import time

import pytest

from conftest import ADVISOR, ADVISOR_PIN, BIN, BOOK_ADVISOR, BOOK_ADVISOR_PIN

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SESSION = "carnet-simulator-test"


def tmux(*args):
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen()}")


def wait_gone(text, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if text not in screen():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} stays on the screen:\n{screen()}")


def keys(*names):
    tmux("send-keys", "-t", SESSION, *names)


@pytest.fixture()
def simulator(store, tmp_path):
    yield from simulator_as(store, tmp_path, ADVISOR, ADVISOR_PIN)


@pytest.fixture()
def book_simulator(store, tmp_path):
    yield from simulator_as(store, tmp_path, BOOK_ADVISOR, BOOK_ADVISOR_PIN)


@pytest.fixture()
def french_simulator(store, tmp_path):
    yield from simulator_as(store, tmp_path, ADVISOR, ADVISOR_PIN, language="fr_FR.UTF-8")


def simulator_as(store, tmp_path, advisor, pin, language=None):
    # The device's language, as a handheld's settings give it: English unless set.
    command = ["env", f"LANG={language or 'C.UTF-8'}", "LC_ALL=", "LC_MESSAGES=", "CARNET_LANG="]
    command += [
        str(BIN / "carnet-simulator"),
        "--data", str(tmp_path / "device"),
        "--server", store.url,
        "--pin", store.pin,
        "--code", store.enrollment_code(),
        "--sign-in", f"{advisor}:{pin}",
    ]
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "34", " ".join(command))
    yield
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def test_scan_like_and_network_loss_on_screen(store, simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    customer = store.customers()[1]

    # Scan: the camera's digits arrive as typed text, then Enter.
    keys(customer["card"], "Enter")
    shown = wait_for(customer["last_name"])
    assert "points" in shown and customer["first_name"] in shown
    # Her next visits, or why the card cannot say.
    assert "Next visits:" in shown, shown

    # The playlist tab: reasons are shown; a like is confirmed.
    keys("Right", "Right")
    shown = wait_for("Playlist")
    wait_for("€")
    keys("l")
    wait_for("liked ")
    # She wants it later: on her wish list, shown in the notes tab.
    keys("w")
    wait_for(": on her wish list")
    keys("Right", "Right", "Right")
    wait_for("notes · n new note")
    wait_for("wishes for ")

    # The store Wi-Fi goes: the handheld locks itself and hides the customer.
    keys("F2")
    shown = wait_for("LOCKED")
    assert "Wi-Fi: off" in shown
    assert customer["last_name"] not in shown


def test_the_home_screen_lists_her_client_book_after_the_sync(store, book_simulator):
    wait_for(f"advisor {BOOK_ADVISOR}")
    with open(store.export / "customers.jsonl") as f:
        hers = [c for c in map(json.loads, f) if c["advisor_id"] == BOOK_ADVISOR]
    shown = wait_for(f"My client book: {len(hers)} customers", seconds=60)
    names = {f"{c['first_name']} {c['last_name']}" for c in hers}
    listed = [n for n in names if n in shown]
    assert len(listed) >= 5, shown
    # Typing replaces the book by the search's results; emptying the field brings it back.
    keys("zz")
    wait_gone("My client book")
    keys("BSpace", "BSpace")
    wait_for(f"My client book: {len(hers)} customers")


def open_the_stores_tasks():
    """From the home screen after the first sync: the tasks screen, on the store's list."""
    wait_for(f"advisor {BOOK_ADVISOR}")
    wait_for("My client book:", seconds=60)
    keys("F9")
    wait_for("My tasks:")
    wait_for("Overdue (")
    keys("Tab")
    return wait_for("The store's group tasks:")


def select_row(wanted, what):
    """Moves the selection down, one row at a time (each move seen on screen before the next),
    until the selected row is `wanted`; returns it."""
    while not wanted(selected_row()):
        before = selected_row()
        keys("Down")
        deadline = time.time() + 5
        while selected_row() == before and time.time() < deadline:
            time.sleep(0.05)
        if selected_row() == before:
            raise AssertionError(f"no row is {what}; the screen shows:\n{screen()}")
    return selected_row()


def test_she_takes_a_group_task_and_dismisses_it_on_the_tasks_screen(store, book_simulator):
    # The store's group tasks: which ones depends on the day the test runs, but a store of
    # customers always calls for some.
    shown = open_the_stores_tasks()
    assert "The store's group tasks: 0 listed" not in shown, shown
    keys("t")
    wait_for("task taken")
    wait_for(f"Taken by {BOOK_ADVISOR}")
    # In her own list now; dismissing asks why first.
    keys("Tab")
    wait_for("My tasks:")
    wait_for(f"Taken by {BOOK_ADVISOR}")
    listed = int(screen().split("My tasks: ")[1].split(" listed")[0])
    select_row(lambda row: f"Taken by {BOOK_ADVISOR}" in row, "the task she took")
    keys("x")
    wait_for("Why dismiss it")
    keys("moved abroad", "Enter")
    wait_for("task dismissed")
    wait_for(f"My tasks: {listed - 1} listed")
    assert f"Taken by {BOOK_ADVISOR}" not in screen()


def test_an_email_written_from_a_task_reaches_her_mailbox_and_her_card(store, book_simulator):
    with open(store.export / "customers.jsonl") as f:
        reachable = {f"{c['first_name']} {c['last_name']}" for c in map(json.loads, f)
                     if re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", c["email"] or "")}
    def name_of(row):
        return re.sub(r"\x1b\[[0-9;]*m", "", row).strip("│ ").split(" · ")[0].strip()
    open_the_stores_tasks()
    row = select_row(lambda row: "email" in row.split(" · via ")[-1].split(" · ")[0]
                     and name_of(row) in reachable, "a customer who takes e-mails")
    name = name_of(row)
    first_name = name.split(" ")[0]
    keys("e")
    shown = wait_for("E-mail (")
    assert first_name in shown, shown
    keys(" Merci, XQZ")
    wait_for("XQZ")
    keys("Enter")
    wait_for("e-mail queued")
    # The next sync pushes it; the server sends it through SMTP.
    keys("F5")
    deadline = time.time() + 60
    while not store.mails() and time.time() < deadline:
        time.sleep(0.2)
    mails = [email.message_from_string(m, policy=email.policy.default) for m in store.mails()]
    sent = [m for m in mails if "Merci, XQZ" in m.get_content()]
    assert len(sent) == 1, [m.get_content() for m in mails]
    assert first_name in sent[0].get_content()
    # Her card shows it sent, once a sync has brought the server's word back.
    while True:
        select_row(lambda row: name in row and "Done on " in row and f"· {BOOK_ADVISOR}" in row,
                   "the task the e-mail completed")
        keys("Enter")
        wait_for(" points · card ")
        for _ in range(5):
            keys("Right")
        shown = wait_for("notes · n new note")
        if f"email by {BOOK_ADVISOR} · sent" in shown or time.time() > deadline:
            break
        # Esc alone: followed at once by F5, the terminal would read Alt+F5.
        keys("Escape")
        wait_gone("notes · n new note")
        keys("F5")
        time.sleep(1)
        keys("F9")
        wait_for("My tasks:")
        keys("Tab")
        wait_for("The store's group tasks:")
    assert f"email by {BOOK_ADVISOR} · sent" in screen(), screen()


def test_a_note_that_looks_like_health_data_is_saved_only_after_a_warning(store, simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    customer = store.customers()[2]
    keys(customer["card"], "Enter")
    wait_for(customer["last_name"])
    for _ in range(5):
        keys("Right")
    wait_for("notes · n new note")
    keys("n")
    wait_for("New note:")
    keys("Enceinte, préfère le matin", "Enter")
    shown = wait_for("special-category data")
    assert "“Enceinte” (health)" in shown, shown
    assert "note saved" not in shown
    keys("Enter")
    wait_for("note saved")
    wait_for("Enceinte, préfère le matin")


def test_a_call_logged_from_a_task_completes_it_and_starts_the_quiet_period(store, book_simulator):
    open_the_stores_tasks()
    # A task whose customer may be called: her row offers the phone.
    row = select_row(lambda row: "phone" in row.split(" · via ")[-1].split(" · ")[0],
                     "a customer who takes calls")
    name = row.strip().replace("\x1b[7m", "").split(" · ")[0].strip()
    keys("c")
    wait_for("how did the call go?")
    keys("r")
    wait_for("call logged")
    # Reached: the task is done. The done list is last, the latest first: go to the end.
    keys(*["Down"] * 300)
    deadline = time.time() + 10
    while "Done (" not in screen() and time.time() < deadline:
        time.sleep(0.2)
    done_section = screen().split("Done (")[-1]
    assert name in done_section.splitlines()[1], screen()
    assert "Done on " in done_section.splitlines()[1], screen()
    assert f"· {BOOK_ADVISOR}" in done_section.splitlines()[1], screen()


def selected_row():
    """The highlighted row of the screen (tmux renders the selection in reverse video)."""
    shown = tmux("capture-pane", "-p", "-e", "-t", SESSION)
    rows = [line for line in shown.splitlines() if "\x1b[7m" in line]
    return rows[0] if rows else ""


def ean13(first12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def test_register_a_new_card_with_duplicate_hints_and_consents_on_screen(store, simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    existing = store.customers()[2]
    card = ean13("290999999977")

    # A card nobody has: the handheld offers to register her, the card already filled in.
    keys(card, "Enter")
    wait_for("F4 registers her")
    keys("F4")
    shown = wait_for("New customer")
    assert card in shown

    # Typing someone who is already a customer shows her before a duplicate is made.
    keys(existing["first_name"], "Tab", existing["last_name"], "Tab", "Tab", "Tab", "Tab",
         existing["address"]["postal_code"])
    shown = wait_for("Already a customer?")
    assert "similar name, same postal code" in shown, shown
    # (Escape on its own: sent together with F4, the terminal would read one Alt key.)
    keys("Escape")
    wait_for("Scan / search")
    keys("F4")
    wait_for("New customer")
    # The field list starts on the card field this time (nothing was scanned).
    keys(card, "Tab", "Zélie", "Tab", "Nouvelle", "Tab", "zelie@gmial.com", "Tab", "Tab",
         "3 rue Neuve", "Tab", "7501", "Tab", "Paris", "Enter")
    # Every problem at once, each under its field; the focus on the first (the postal code).
    # The mistyped domain comes with the whole address corrected, which F8 takes.
    shown = wait_for("did you mean")
    assert "did you mean zelie@gmail.com?" in shown, shown
    assert "postal code" in shown.lower(), shown
    keys("BSpace", "BSpace", "BSpace", "BSpace", "75011", "Up", "Up", "Up", "F8")
    wait_for("E-mail: zelie@gmail.com")
    keys("Enter")

    # Registered: her card opens on her consents, none asked yet; she says yes to e-mail.
    shown = wait_for("Consents (y yes")
    assert "Nouvelle" in shown and "not asked yet" in shown, shown
    keys("y")
    shown = wait_for("recorded; it will be sent")
    assert "Offers by e-mail: yes (store" in shown, shown


def test_a_refused_single_app_mode_locks_on_screen(store, simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    customer = store.customers()[1]
    keys(customer["card"], "Enter")
    wait_for(customer["last_name"])

    # F7: the store requires single app mode and it is refused; the core locks.
    keys("F7")
    shown = wait_for("single app mode refused")
    assert "LOCKED" in shown and customer["last_name"] not in shown, shown
    assert "Single app mode is required on this handheld." in shown, shown
    keys("F7")
    shown = wait_for("single app mode granted")
    assert "Sign in." in shown, shown


def test_the_core_s_reasons_are_worded_in_the_device_s_language(store, french_simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    keys("F7")
    shown = wait_for("single app mode refused")
    # The app's String Catalog words the core's typed reason in French.
    assert "Le mode app unique est obligatoire sur ce terminal." in shown, shown
    assert "Single app mode is required" not in shown, shown
    keys("F7")
    shown = wait_for("single app mode granted")
    assert "Connectez-vous." in shown, shown


def test_an_appointment_booked_on_the_appointments_tab_is_confirmed_by_a_sync(store, simulator):
    wait_for(f"advisor {ADVISOR}")
    wait_for("synced:", seconds=60)
    customer = store.customers()[3]

    def open_her_appointments():
        keys(customer["card"], "Enter")
        wait_for(customer["last_name"])
        for _ in range(6):
            keys("Right")
        return wait_for("bookings · b book a service")

    shown = open_her_appointments()
    assert "0 bookings" in shown, shown
    # A service, then its first free time: booked at once, provisional.
    keys("b")
    wait_for("Which service?")
    keys("Enter")
    wait_for("which time? Enter books")
    keys("Enter")
    wait_for("booked: provisional until the server confirms it")
    shown = wait_for("1 bookings")
    assert "waiting for the server" in shown, shown
    # The sync sends it; the server confirms it; her tab, opened again, says so.
    keys("F5")
    deadline = time.time() + 60
    while not re.search(r"synced: \d+ received, [1-9]\d* sent, 0 refused", screen()):
        assert time.time() < deadline, screen()
        time.sleep(0.2)
    keys("Escape")
    wait_gone("bookings · b book a service")
    shown = open_her_appointments()
    assert " · confirmed" in shown, shown
    # Cancelled from the tab.
    keys("x")
    shown = wait_for("cancelled; it will be sent with the next sync")
    assert " · cancelled" in shown, shown
