"""What the core decides for the app, through the generated Python bindings against the real
sync server: the kiosk rule, a key store that cannot be read (never a lost cache), typed
refusals (a lockout keeps its retry-after), one audit record per opening of a card, the app's
own version at the server, and the rules the app and the simulator both ask the core for.
The key store is implemented here as the Keychain behaves: readable, closed until the handheld
is unlocked (after a restart), or failing."""

import asyncio
import gc
import threading
import time

import pytest

import carnet_ffi as carnet
from conftest import ADVISOR, ADVISOR_PIN, STORE, server

VERSION = "python-decisions 2.3 (45)"


class SimulatedKeychain(carnet.KeyStore):
    """Secrets in memory, readable or not as the test says."""

    def __init__(self):
        self.secrets = {}
        self.mode = "readable"
        self.loads = 0

    def _check(self):
        if self.mode == "closed":
            raise carnet.KeyStoreError.TemporarilyUnavailable()
        if self.mode == "failing":
            raise carnet.KeyStoreError.Failed(reason="status -25300")

    def load(self, name):
        self.loads += 1
        self._check()
        if name not in self.secrets:
            raise carnet.KeyStoreError.Absent()
        return self.secrets[name]

    def store(self, name, value):
        self._check()
        self.secrets[name] = bytes(value)

    def delete(self, name):
        self.secrets.pop(name, None)


class SyncEnd(carnet.SyncObserver):
    def __init__(self):
        self.done = threading.Event()
        self.report = self.error = None

    def progress(self, progress):
        pass

    def finished(self, report, error):
        self.report, self.error = report, error
        self.done.set()


def run(coroutine):
    return asyncio.run(coroutine)


def files_of(folder):
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


def locked(state, reason):
    return isinstance(state, carnet.DeviceState.LOCKED) and state.reason == reason


@pytest.fixture(scope="module")
def device(store, tmp_path_factory):
    """A handheld enrolled, signed in and synced, and what it was opened with."""
    folder = tmp_path_factory.mktemp("device")
    keys = SimulatedKeychain()
    handheld = carnet.Handheld.open(str(folder), keys, VERSION)
    run(handheld.enroll(store.url, store.pin, store.enrollment_code()))
    run(handheld.sign_in(ADVISOR, ADVISOR_PIN))
    run(handheld.sync_now())
    customer = store.customers()[0]
    return {"handheld": handheld, "keys": keys, "folder": folder, "customer": customer}


def test_the_server_shows_the_apps_own_version(store, device):
    device_id = device["handheld"].device_status().device_id
    listed = [line for line in server("device", "list", "--data", str(store.data)).splitlines()
              if line.startswith(device_id)]
    assert len(listed) == 1 and f"app {VERSION}\t" in listed[0], listed
    with pytest.raises(carnet.CarnetError.InvalidInput):
        carnet.Handheld.open(str(device["folder"]) + "-v", SimulatedKeychain(), "")


def test_a_card_opened_then_read_again_after_an_edit_is_one_view(device):
    h, customer = device["handheld"], device["customer"]["id"]

    def views():
        return sum(1 for e in h.outbox() if e.kind == "profile_view" and e.customer_id == customer)

    before = views()
    h.open_card(customer)
    assert views() == before + 1
    h.edit_contact(customer, carnet.ContactField.PHONE, "06 12 34 56 78")
    assert h.reload_card(customer).contact.phone_e164 == "+33612345678"
    assert views() == before + 1, "read again after the edit, not opened again"
    h.open_card(customer)
    assert views() == before + 2, "opened again"


def test_a_refused_single_app_mode_comes_from_the_core(device):
    h, card = device["handheld"], device["customer"]["card"]
    refused = carnet.KioskStatus(required=True, granted=False)
    assert locked(h.kiosk_changed(refused), carnet.LockReason.KIOSK_REQUIRED)
    with pytest.raises(carnet.CarnetError.KioskRequired):
        h.find_by_card(card)
    with pytest.raises(carnet.CarnetError.KioskRequired):
        h.search_by_name("a", 5)
    with pytest.raises(carnet.CarnetError.KioskRequired):
        run(h.sync_now())
    # A sync's observer hears why, typed.
    end = SyncEnd()
    h.start_sync(end)
    assert end.done.wait(30)
    assert end.report is None and isinstance(end.error, carnet.CarnetError.KioskRequired), end.error
    with pytest.raises(carnet.CarnetError.KioskRequired):
        run(h.sign_in(ADVISOR, ADVISOR_PIN))

    granted = carnet.KioskStatus(required=True, granted=True)
    assert locked(h.kiosk_changed(granted), carnet.LockReason.SIGNED_OUT)
    with pytest.raises(carnet.CarnetError.Locked):
        h.find_by_card(card)
    run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert h.find_by_card(card).id == device["customer"]["id"]


def test_sign_in_refusals_are_typed_and_a_lockout_keeps_its_wait(store, device):
    h = device["handheld"]
    server("advisor", "add", "--data", str(store.data), "--store", STORE, "--id", "A077",
           "--name", "Louise", stdin="8642\n")
    h.sign_out()
    refusals = []
    for _ in range(8):
        with pytest.raises(carnet.CarnetError.Refused) as refused:
            run(h.sign_in("A077", "1111"))
        refusals.append(refused.value.refusal)
        if isinstance(refusals[-1], carnet.Refusal.LOCKED_OUT):
            break
    assert isinstance(refusals[0], carnet.Refusal.WRONG_PIN), refusals
    assert isinstance(refusals[-1], carnet.Refusal.LOCKED_OUT), refusals
    # The device's first wait after a few failures: a second, said in Retry-After.
    wait = refusals[-1].retry_after_secs
    assert 1 <= wait <= 15 * 60, wait
    # During it even the right PIN is not checked; once it is over, she signs in.
    with pytest.raises(carnet.CarnetError.Refused) as refused:
        run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert isinstance(refused.value.refusal, carnet.Refusal.LOCKED_OUT), refused.value
    time.sleep(wait + 0.5)
    run(h.sign_in(ADVISOR, ADVISOR_PIN))


def test_a_network_problem_is_typed(tmp_path):
    h = carnet.Handheld.open(str(tmp_path / "nowhere"), SimulatedKeychain(), VERSION)
    with pytest.raises(carnet.CarnetError.Network) as failed:
        run(h.enroll("https://127.0.0.1:9", "00" * 32, "ABCDEF123456"))
    assert isinstance(failed.value.problem, carnet.NetworkProblem.CANNOT_CONNECT), failed.value


def test_a_key_store_closed_after_a_restart_wipes_nothing(store, device):
    h, keys, folder = device["handheld"], device["keys"], device["folder"]
    card = device["customer"]["card"]
    h.sign_out()
    del device["handheld"], h
    gc.collect()
    files = files_of(folder)
    secrets = dict(keys.secrets)

    # The handheld restarts; the app opens the core before the passcode is typed.
    keys.mode = "closed"
    h = carnet.Handheld.open(str(folder), keys, VERSION)
    state = h.state()
    assert locked(state, carnet.LockReason.KEY_STORE_UNAVAILABLE) and state.needs_presence, state
    # A manager enrolling it again is refused, and nothing is removed.
    with pytest.raises(carnet.CarnetError.Refused) as refused:
        run(h.enroll(store.url, store.pin, store.enrollment_code()))
    assert isinstance(refused.value.refusal, carnet.Refusal.ALREADY_ENROLLED)
    with pytest.raises(carnet.CarnetError.Locked):
        run(h.check_presence())
    # The core reads the key again by itself, a second later.
    reads = keys.loads
    deadline = time.time() + 10
    while keys.loads == reads and time.time() < deadline:
        time.sleep(0.1)
    assert keys.loads > reads, "read again by itself"
    assert locked(h.state(), carnet.LockReason.KEY_STORE_UNAVAILABLE)
    assert files_of(folder) == files and keys.secrets == secrets

    # Unlocked: presence, her sign-in, and her customer from the cache it kept.
    keys.mode = "readable"
    state = run(h.check_presence())
    assert locked(state, carnet.LockReason.SIGNED_OUT) and not state.needs_presence, state
    # A sign-in while the key store closes again waits a moment, then says so; nothing changes.
    keys.mode = "closed"
    reads = keys.loads
    with pytest.raises(carnet.CarnetError.KeyStoreUnavailable):
        run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert keys.loads - reads >= 2, "it waited and read again"
    keys.mode = "readable"
    run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert h.find_by_card(card).id == device["customer"]["id"]
    device["handheld"] = h


def test_a_failing_key_store_wipes_nothing_either(device):
    h, keys, folder = device["handheld"], device["keys"], device["folder"]
    h.sign_out()
    del device["handheld"], h
    gc.collect()
    files = files_of(folder)
    keys.mode = "failing"
    h = carnet.Handheld.open(str(folder), keys, VERSION)
    assert locked(h.state(), carnet.LockReason.KEY_STORE_FAILED)
    with pytest.raises(carnet.CarnetError.Locked):
        run(h.check_presence())
    assert files_of(folder) == files and len(keys.secrets) == 2
    keys.mode = "readable"
    assert locked(run(h.check_presence()), carnet.LockReason.SIGNED_OUT)
    device["handheld"] = h


def test_an_enrolment_the_key_store_refuses_keeps_the_code(store, tmp_path):
    keys = SimulatedKeychain()
    h = carnet.Handheld.open(str(tmp_path / "new"), keys, VERSION)
    code = store.enrollment_code()
    keys.mode = "closed"
    with pytest.raises(carnet.CarnetError.KeyStoreUnavailable):
        run(h.enroll(store.url, store.pin, code))
    keys.mode = "failing"
    with pytest.raises(carnet.CarnetError.Storage):
        run(h.enroll(store.url, store.pin, code))
    assert isinstance(h.state(), carnet.DeviceState.NOT_ENROLLED)
    keys.mode = "readable"
    state = run(h.enroll(store.url, store.pin, code))
    assert locked(state, carnet.LockReason.SIGNED_OUT), "the code was still unused"


def test_the_rules_the_app_and_the_simulator_share():
    candidate = carnet.CandidateContact(customer_id=None, first_name="Zoé", last_name="Martin",
                                        email=None, phone=None, postal_code=None)
    assert not carnet.should_look_for_duplicates(candidate)
    candidate.postal_code = "75011"
    assert carnet.should_look_for_duplicates(candidate)

    assert carnet.corrected_value(carnet.ContactField.EMAIL, " zoe.m@gmial.com", "gmail.com") \
        == "zoe.m@gmail.com"

    sms_no = carnet.ConsentState(channel="sms", purpose="marketing", granted=False,
                                 recorded_at="2026-11-01T10:00:00Z", source="store", advisor_id="A001")
    rows = carnet.consent_form([sms_no])
    assert [(r.channel, r.purpose, r.answer) for r in rows] == [
        ("email", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("sms", "marketing", carnet.ConsentAnswer.REFUSED),
        ("post", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("phone", "marketing", carnet.ConsentAnswer.NOT_ASKED),
        ("email", "personalisation", carnet.ConsentAnswer.NOT_ASKED),
    ]
    assert rows[1].recorded == sms_no
