"""A complete advisor day through the generated Python bindings, against the real sync server:
enrol, sync, sign in, scan a card, read the card and history, like / dislike from the playlist,
edit a contact, take a task and send an e-mail for it (received by a real SMTP server), push,
lose the store network (locks), come back, an erasure reaching the device.
The platform's foreign traits (key store, observer) are implemented here, as Swift does."""

import asyncio
import email
import email.policy
import json
import re
import time
import threading
import unicodedata

import pytest

import carnet_ffi as carnet
from conftest import ADVISOR, ADVISOR_PIN, BOOK_ADVISOR, BOOK_ADVISOR_PIN, server

STORE_WIFI = "Carnet-Store"


class MemoryKeyStore(carnet.KeyStore):
    """The Keychain's stand-in: secrets in memory."""

    def __init__(self):
        self.secrets = {}

    def load(self, name):
        if name not in self.secrets:
            raise carnet.KeyStoreError.Absent()
        return self.secrets[name]

    def store(self, name, value):
        self.secrets[name] = bytes(value)

    def delete(self, name):
        self.secrets.pop(name, None)


class Recorder(carnet.DeviceObserver):
    def __init__(self):
        self.states = []
        self.lock = threading.Lock()

    def state_changed(self, state):
        with self.lock:
            self.states.append(state)


class ProgressRecorder(carnet.SyncObserver):
    def __init__(self):
        self.updates = []
        self.done = threading.Event()
        self.report = self.error = None

    def progress(self, progress):
        self.updates.append(progress)

    def finished(self, report, error):
        self.report, self.error = report, error
        self.done.set()



def fold(text):
    """Lower case without accents, as the core folds search text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def day(store, tmp_path_factory):
    """One handheld for the whole day, as in the store."""
    keys = MemoryKeyStore()
    handheld = carnet.Handheld.open(str(tmp_path_factory.mktemp("device")), keys, "python 1.0")
    observer = Recorder()
    handheld.subscribe(observer)
    return {"handheld": handheld, "keys": keys, "observer": observer, "store": store}


def test_1_a_new_handheld_is_not_enrolled_and_shows_nothing(day):
    h = day["handheld"]
    assert isinstance(h.state(), carnet.DeviceState.NOT_ENROLLED)
    with pytest.raises(carnet.CarnetError.Locked):
        h.search_by_name("dupont", 5)


def test_2_enrolment_needs_a_valid_code_and_pins_the_server(day):
    h, store = day["handheld"], day["store"]
    with pytest.raises(carnet.CarnetError.Refused):
        run(h.enroll(store.url, store.pin, "WRONGCODE123"))
    with pytest.raises(carnet.CarnetError):
        run(h.enroll(store.url, "00" * 32, store.enrollment_code()))  # another certificate
    state = run(h.enroll(store.url, store.pin, store.enrollment_code()))
    # Enrolled and present in the store: only the advisor's sign-in is missing.
    assert isinstance(state, carnet.DeviceState.LOCKED)
    assert state.needs_presence is False
    assert day["keys"].secrets, "the cache key went to the platform key store"
    assert h.device_status().store_id == "S001"


def test_3_advisor_signs_in_and_syncs_the_store(day):
    h = day["handheld"]
    with pytest.raises(carnet.CarnetError.Refused):
        run(h.sign_in(ADVISOR, "0000"))
    state = run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert isinstance(state, carnet.DeviceState.UNLOCKED)
    assert state.advisor_id == ADVISOR

    recorder = ProgressRecorder()
    task = h.start_sync(recorder)
    assert recorder.done.wait(60), "the sync finished"
    assert recorder.error is None, recorder.error
    assert recorder.report.pulled > 1000
    # The sync changed the data: the store's tasks were derived again.
    assert recorder.report.tasks is not None
    day["tasks_derived"] = recorder.report.tasks
    assert recorder.updates and recorder.updates[-1].done == recorder.updates[-1].total
    assert task.is_cancelled() is False
    # The observer saw the lock open.
    assert any(isinstance(s, carnet.DeviceState.UNLOCKED) for s in day["observer"].states)


def test_3b_an_advisor_sees_her_client_book_first(day):
    h, store = day["handheld"], day["store"]
    with open(store.export / "customers.jsonl") as f:
        hers = {c["id"] for c in map(json.loads, f) if c["advisor_id"] == BOOK_ADVISOR}
    with open(store.export / "advisors.jsonl") as f:
        me = next(a for a in map(json.loads, f) if a["id"] == BOOK_ADVISOR)
    assert len(hers) > 10
    # Camille, not in the CRM's records, keeps no book.
    empty = h.my_book(20)
    assert (empty.total, empty.entries, empty.advisor_name) == (0, [], None)

    h.sign_out()
    run(h.sign_in(BOOK_ADVISOR, BOOK_ADVISOR_PIN))
    book = h.my_book(20)
    assert book.advisor_name == f"{me['first_name']} {me['last_name']}"
    assert book.total == len(hers)
    assert len(book.entries) == 20
    assert {e.customer.id for e in book.entries} <= hers
    visits = [e.last_visit for e in book.entries]
    assert all(visits), "everyone in a book has bought"
    assert visits == sorted(visits, reverse=True), "the most recently seen first"

    # Her tasks are about customers of her book; the store's are about customers of nobody's.
    # Which tasks there are depends on the day the test runs (birthdays, lapses): the core's
    # tests fix the day; here every task must be well-formed and in its place.
    mine = h.tasks(carnet.TaskScope.MINE, 500)
    store_tasks = h.tasks(carnet.TaskScope.STORE, 500)
    assert mine.total + store_tasks.total <= day["tasks_derived"]
    for lists, book_of in ((mine, BOOK_ADVISOR), (store_tasks, None)):
        listed = lists.overdue + lists.today + lists.upcoming
        for t in listed:
            assert t.advisor_id == book_of
            assert t.channels and set(t.channels) <= {"email", "sms", "phone"}
            assert isinstance(t.progress, carnet.TaskProgress.OPEN)
        if book_of:
            assert {t.customer.id for t in listed} <= hers
        assert [t.due_on for t in lists.overdue] == sorted(t.due_on for t in lists.overdue)
        assert [t.due_on for t in lists.upcoming] == sorted(t.due_on for t in lists.upcoming)
        assert len({t.due_on for t in lists.today}) <= 1
        for t in listed:
            if isinstance(t.reason, (carnet.TaskReason.REPLENISHMENT, carnet.TaskReason.LAUNCH)):
                assert t.product_name, "the product the task names is shown by name"
    assert mine.total + store_tasks.total > 0, "a store of customers calls for some task"

    # She takes one of the store's group tasks and completes one of hers, offline: the lists
    # show it at once; the next sync pushes both and the server applies them.
    group = (store_tasks.overdue + store_tasks.today + store_tasks.upcoming)[0]
    h.act_on_task(group.id, carnet.TaskAction.TAKE())
    with pytest.raises(carnet.CarnetError.InvalidInput):
        h.act_on_task(group.id, carnet.TaskAction.SNOOZE(until="next week"))
    after = h.tasks(carnet.TaskScope.MINE, 500)
    taken = next(t for t in after.overdue + after.today + after.upcoming if t.id == group.id)
    assert taken.progress == carnet.TaskProgress.TAKEN(advisor_id=BOOK_ADVISOR)
    h.act_on_task(group.id, carnet.TaskAction.DONE())
    done = h.tasks(carnet.TaskScope.MINE, 500).done
    assert [t.id for t in done] == [group.id]
    assert [e.kind for e in h.outbox()] == ["task", "task"]
    recorder = ProgressRecorder()
    h.start_sync(recorder)
    assert recorder.done.wait(60) and recorder.error is None, recorder.error
    assert (recorder.report.pushed, recorder.report.rejected) == (2, 0)
    assert h.outbox() == []
    assert [t.id for t in h.tasks(carnet.TaskScope.MINE, 500).done] == [group.id]
    h.sign_out()
    run(h.sign_in(ADVISOR, ADVISOR_PIN))


def test_4_scan_a_card_and_read_the_card_and_history(day):
    h, store = day["handheld"], day["store"]
    customer = store.customers()[0]
    day["customer"] = customer
    found = h.find_by_card(customer["card"])
    assert found.id == customer["id"]
    assert found.last_name == customer["last_name"]

    with pytest.raises(carnet.CarnetError.InvalidCard) as refused:
        h.find_by_card(customer["card"][:-1] + str((int(customer["card"][-1]) + 1) % 10))
    assert isinstance(refused.value.problem, carnet.CardProblem.BAD_CHECK_DIGIT)

    card = h.open_card(customer["id"])
    assert card.card == customer["card"]
    assert card.receipts > 0 and card.average_basket_cents > 0
    assert card.top_categories, "her profile shows what she buys"

    page = h.history(customer["id"], carnet.HistoryQuery(category_id=None, brand_id=None, text=None, offset=0, page_size=5))
    assert 0 < len(page.lines) <= 5
    times = [line.bought_at for line in page.lines]
    assert times == sorted(times, reverse=True), "newest first"
    # Search her history by a word of the last product's name.
    word = page.lines[0].product_name.split()[0]
    filtered = h.history(customer["id"], carnet.HistoryQuery(category_id=None, brand_id=None, text=word, offset=0, page_size=50))
    # Every line found has a word (of its name, shade, brand or category) starting with the
    # searched word, accents and case aside: the rule the history search states.
    wanted = fold(word)
    assert filtered.lines
    for l in filtered.lines:
        words = fold(" ".join([l.product_name, l.shade or "", l.brand_name, l.category_name]))
        assert any(w.startswith(wanted) for w in re.split(r"[^0-9a-z]+", words)), l.product_name
    assert page.lines[0].id in [l.id for l in filtered.lines]


def test_5_like_and_dislike_change_the_playlist_at_once(day):
    h = day["handheld"]
    customer = day["customer"]["id"]
    playlist = h.playlist(customer, 10)
    assert playlist.withheld is None, playlist.withheld
    assert len(playlist.suggestions) >= 3
    first = playlist.suggestions[0]
    assert carnet.describe_reason(first.reason)
    h.give_feedback(customer, first.product_id, carnet.Verdict.DISLIKE)
    after = h.playlist(customer, 10)
    assert first.product_id not in [s.product_id for s in after.suggestions], "a dislike removes it"
    liked = after.suggestions[0]
    h.give_feedback(customer, liked.product_id, carnet.Verdict.LIKE)
    day["disliked"] = first.product_id


def test_6_contact_edits_are_validated_applied_and_queued(day):
    h = day["handheld"]
    customer = day["customer"]["id"]
    with pytest.raises(carnet.CarnetError.InvalidField) as refused:
        h.edit_contact(customer, carnet.ContactField.EMAIL, "not an address")
    assert refused.value.field == "email"
    assert isinstance(refused.value.problem, carnet.FieldProblem.EMAIL_HAS_SPACES)
    # A likely typo in the domain comes with its correction, for the form to offer.
    with pytest.raises(carnet.CarnetError.InvalidField) as typo:
        h.edit_contact(customer, carnet.ContactField.EMAIL, "camille@gmial.com")
    assert typo.value.suggestion and "gmail.com" in typo.value.suggestion
    assert isinstance(typo.value.problem, carnet.FieldProblem.EMAIL_DOMAIN_MISTYPED)
    h.edit_contact(customer, carnet.ContactField.EMAIL, "camille.test@example.fr")
    assert h.open_card(customer).contact.email == "camille.test@example.fr", "applied at once"
    kinds = [e.kind for e in h.outbox()]
    assert "contact_edit" in kinds and "feedback" in kinds and "profile_view" in kinds


def test_6a_notes_warn_of_special_category_words_and_are_kept_offline(day):
    h = day["handheld"]
    customer = day["customer"]["id"]
    # The app asks before saving: health and religion warn, an ordinary note does not.
    warned = carnet.special_words("Enceinte, fait le ramadan")
    assert [(w.word, w.category) for w in warned] == [
        ("Enceinte", carnet.SpecialCategory.HEALTH),
        ("ramadan", carnet.SpecialCategory.RELIGION),
    ]
    assert carnet.special_words("Préfère un appel après 18 h") == []
    with pytest.raises(carnet.CarnetError.InvalidInput):
        h.save_note(customer, None, "   ")
    note_id = h.save_note(customer, None, "Préfère un appel après 18 h")
    h.save_note(customer, note_id, "Préfère un appel après 19 h")
    notes = h.notes(customer)
    assert [(n.id, n.text, n.advisor_id) for n in notes] == [(note_id, "Préfère un appel après 19 h", ADVISOR)]
    assert [e.kind for e in h.outbox()].count("note") == 2
    day["note"] = note_id


def test_6c_a_call_needs_her_consent_and_then_holds_her_for_a_week(day):
    h, store = day["handheld"], day["store"]
    def consents_to_calls(c):
        return any(k["channel"] == "phone" and k["purpose"] == "marketing" and k["granted"]
                   for k in c["consents"])
    mine = [c for c in store.customers() if c["home_store_id"] == "S001"]
    callable_ = next(c for c in mine if consents_to_calls(c))
    not_callable = next(c for c in mine if not consents_to_calls(c))
    with pytest.raises(carnet.CarnetError.ContactRefused) as refused:
        h.log_call(not_callable["id"], None, carnet.CallOutcome.REACHED)
    assert refused.value.refusal == carnet.ContactRefusal.NO_CONSENT()
    day["called"] = [callable_["id"]]
    h.log_call(callable_["id"], None, carnet.CallOutcome.NO_ANSWER)
    h.log_call(callable_["id"], None, carnet.CallOutcome.REACHED)
    with pytest.raises(carnet.CarnetError.ContactRefused) as again:
        h.log_call(callable_["id"], None, carnet.CallOutcome.REACHED)
    assert isinstance(again.value.refusal, carnet.ContactRefusal.QUIET_PERIOD)
    timeline = h.contacts(callable_["id"])
    # Latest first; the two calls may share a millisecond, so their order is by time only.
    assert sorted(c.outcome.value for c in timeline) == sorted(
        [carnet.CallOutcome.REACHED.value, carnet.CallOutcome.NO_ANSWER.value])
    assert [c.at for c in timeline] == sorted((c.at for c in timeline), reverse=True)
    assert all(c.advisor_id == ADVISOR and c.channel == "phone" for c in timeline)
    assert [e.kind for e in h.outbox()].count("call") == 2


def ean13(first12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def test_6b_duplicates_are_shown_before_a_registration(day):
    h, store = day["handheld"], day["store"]
    existing = store.customers()[2]
    hints = h.likely_duplicates(carnet.CandidateContact(
        customer_id=None,
        first_name=existing["first_name"].upper(),
        last_name=existing["last_name"],
        email=None,
        phone=None,
        postal_code=existing["address"]["postal_code"],
    ))
    assert existing["id"] in [hint.customer.id for hint in hints]
    assert carnet.DuplicateReason.SIMILAR_NAME_SAME_POSTAL_CODE in hints[0].reasons

    # Before registering, the form gets every problem at once, each under its field.
    problems = h.registration_problems(carnet.NewCustomer(
        card=existing["card"], first_name=" ", last_name="Nouvelle", email="zelie@gmial.com",
        phone="06 12", line1="3 rue Neuve", postal_code="7501", city="Paris", language="fr",
    ))
    # Each a typed reason, for the app to word in the advisor's language.
    fields = [p.field if isinstance(p, carnet.FormProblem.FIELD) else "card" for p in problems]
    assert fields == ["card", "first_name", "address", "email", "phone"]
    assert isinstance(problems[0].problem, carnet.CardProblem.ALREADY_REGISTERED)
    assert isinstance(problems[1].problem, carnet.FieldProblem.REQUIRED)
    postal = problems[2].problem
    assert isinstance(postal, carnet.FieldProblem.NOT_A_POSTAL_CODE)
    assert (postal.country, postal.example) == ("FR", "75001")
    assert isinstance(problems[3].problem, carnet.FieldProblem.EMAIL_DOMAIN_MISTYPED)
    assert problems[3].suggestion == "gmail.com"
    assert isinstance(problems[4].problem, carnet.FieldProblem.PHONE_TOO_SHORT)

    card = ean13("290999999901")
    assert h.registration_problems(carnet.NewCustomer(
        card=card, first_name="Zélie", last_name="Nouvelle", email="zelie@example.fr",
        phone="06 12 34 56 70", line1="3 rue Neuve", postal_code="75011", city="Paris", language="fr",
    )) == []
    new_id = h.register_customer(carnet.NewCustomer(
        card=card, first_name="Zélie", last_name="Nouvelle", email="zelie@example.fr",
        phone="06 12 34 56 70", line1="3 rue Neuve", postal_code="75011", city="Paris", language="fr",
    ))
    assert h.find_by_card(card).id == new_id
    with pytest.raises(carnet.CarnetError.InvalidField) as refused:
        h.register_customer(carnet.NewCustomer(
            card=ean13("290999999902"), first_name="A", last_name="B", email=None, phone=None,
            line1="", postal_code="7501", city="Paris", language="fr",
        ))
    assert refused.value.field == "address"
    assert isinstance(refused.value.problem, carnet.FieldProblem.NOT_A_POSTAL_CODE)
    # A new customer has no decision yet: the form asks every choice, and she answers.
    assert h.open_card(new_id).consents == []
    choices = carnet.consent_choices()
    assert [(c.channel, c.purpose) for c in choices] == [
        ("email", "marketing"), ("sms", "marketing"), ("post", "marketing"),
        ("phone", "marketing"), ("email", "personalisation"),
    ]
    for choice in choices:
        h.record_consent(new_id, choice.channel, choice.purpose, choice.channel != "sms")
    held = {(k.channel, k.purpose): k.granted for k in h.open_card(new_id).consents}
    assert held == {(c.channel, c.purpose): c.channel != "sms" for c in choices}
    day["new_customer"] = (new_id, card)


def test_7_push_then_read_your_writes(day):
    h, store = day["handheld"], day["store"]
    customer = day["customer"]["id"]
    report = run(h.sync_now())
    assert report.pushed >= 3 and report.rejected == 0
    assert h.outbox() == [], "answered edits leave the outbox"
    # The note came back from the server with its author.
    assert [(n.id, n.advisor_id) for n in h.notes(customer)] == [(day["note"], ADVISOR)]
    assert h.open_card(customer).contact.email == "camille.test@example.fr"
    # The registration reached the server: it is in the feed the next pull brings back.
    new_id, card = day["new_customer"]
    assert h.find_by_card(card).id == new_id
    # Her consents came back from the server, recorded at its time and by this advisor.
    consents = h.open_card(new_id).consents
    assert len(consents) == 5 and all(k.source == "store" for k in consents)
    assert {k.channel for k in consents if not k.granted} == {"sms"}
    # The store can answer who looked at her.
    audit = server("audit", "--data", str(store.data), customer)
    assert ADVISOR in audit


def test_7b_an_email_written_for_a_task_reaches_her_mailbox_and_her_card(day):
    h, store = day["handheld"], day["store"]
    skip = set(day["called"]) | {day["customer"]["id"]}
    customers = {c["id"]: c for c in all_customers(store)}
    lists = h.tasks(carnet.TaskScope.STORE, 500)
    task = next(t for t in lists.overdue + lists.today + lists.upcoming
                if "email" in t.channels and t.customer.id not in skip
                and re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", customers[t.customer.id]["email"] or ""))
    customer = customers[task.customer.id]
    h.act_on_task(task.id, carnet.TaskAction.TAKE())

    # The draft is the task's template in her language, with her first name; the advisor edits it.
    draft = h.draft_message(customer["id"], carnet.MessageChannel.EMAIL, task.id, [])
    assert draft.language == (customer["language"] if customer["language"] in ("fr", "en", "it") else "en")
    assert draft.text.subject and customer["first_name"] in draft.text.body
    assert "{" not in draft.text.body + draft.text.subject
    text = carnet.MessageText(subject=draft.text.subject, body=draft.text.body + "\nÀ bientôt, Camille")
    with pytest.raises(carnet.CarnetError.InvalidInput):
        h.send_message(customer["id"], task.id, carnet.MessageChannel.EMAIL,
                       carnet.MessageText(subject=None, body="Bonjour"), [])
    sent_id = h.send_message(customer["id"], task.id, carnet.MessageChannel.EMAIL, text, draft.product_ids)
    card = h.contacts(customer["id"])
    assert [(c.id, c.channel, c.delivery.state) for c in card] == [
        (sent_id, "email", carnet.DeliveryState.PENDING)]
    assert task.id in [t.id for t in h.tasks(carnet.TaskScope.MINE, 500).done]
    kinds = [e.kind for e in h.outbox()]
    assert (kinds.count("task"), kinds.count("message")) == (2, 1), kinds
    report = run(h.sync_now())
    assert (report.pushed, report.rejected) == (len(kinds), 0)
    assert h.outbox() == []

    # The server sends it through SMTP once; the next syncs bring back that it was sent.
    deadline = time.time() + 30
    while not store.mails() and time.time() < deadline:
        time.sleep(0.1)
    mails = store.mails()
    assert len(mails) == 1
    mail = email.message_from_string(mails[0], policy=email.policy.default)
    assert mail["X-Envelope-To"] == customer["email"]
    assert mail["Subject"] == text.subject
    assert mail["Message-ID"] == f"<{sent_id}@carnet>"
    assert mail.get_content().replace("\r\n", "\n").startswith(text.body)
    while time.time() < deadline:
        run(h.sync_now())
        delivery = h.contacts(customer["id"])[0].delivery
        if delivery.state != carnet.DeliveryState.PENDING:
            break
        time.sleep(0.2)
    assert (delivery.state, delivery.attempts) == (carnet.DeliveryState.SENT, 1)
    assert len(store.mails()) == 1

    # Her month: the task she did, the customers she reached (the call and this e-mail).
    results = h.my_results()
    assert results.month == time.strftime("%Y-%m", time.gmtime())
    assert results.tasks_done >= 1 and results.customers_reached >= 2
    assert results.book_size == 0 and results.attributed_cents == 0, "Camille keeps no book and sold nothing since"


def test_7c_a_wish_is_kept_on_her_card_and_an_unknown_product_refused(day):
    h = day["handheld"]
    customer = day["customer"]["id"]
    with pytest.raises(carnet.CarnetError.NotFound):
        h.add_wish(customer, "P-no-such-product", None)
    assert h.wishes(customer) == []
    page = h.history(customer, carnet.HistoryQuery(category_id=None, brand_id=None, text=None,
                                                    offset=0, page_size=1))
    product = page.lines[0].product_id
    wish_id = h.add_wish(customer, product, "pour sa fille")
    wishes = h.wishes(customer)
    assert [(w.id, w.product_id, w.note, w.advisor_id) for w in wishes] == [
        (wish_id, product, "pour sa fille", ADVISOR)]
    h.remove_wish(customer, wish_id)
    assert h.wishes(customer) == []
    assert [e.kind for e in h.outbox()].count("wish") == 2


def test_7d_an_appointment_is_booked_offline_and_confirmed_by_the_server(day):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    h = day["handheld"]
    customer = day["customer"]["id"]
    zone = ZoneInfo(h.store_time_zone())
    service = next(s for s in h.services() if s.resource_kind is not None)
    assert service.name_fr and service.name_it and service.duration_min > 0
    slots = h.free_slots(service.id, None, customer, int(time.time()) + 2 * 86400, 14)
    assert slots, "a free slot in the next two weeks"
    slot = slots[0]
    booking = h.book(customer, service.id, slot)
    [mine] = [a for a in h.customer_appointments(customer) if a.id == booking]
    assert (mine.status, mine.pending, mine.start) == (carnet.BookingStatus.PROVISIONAL, True, slot.start)
    # Not for her calendar until the store confirms it.
    with pytest.raises(carnet.CarnetError.AppointmentRefused) as unconfirmed:
        h.appointment_calendar(booking)
    assert isinstance(unconfirmed.value.refusal, carnet.AppointmentRefusal.NOT_CONFIRMED_YET)
    # Her time is taken on this handheld at once: the same slot again is refused, typed.
    with pytest.raises(carnet.CarnetError.AppointmentRefused) as again:
        h.book(customer, service.id, slot)
    assert isinstance(again.value.refusal, (carnet.AppointmentRefusal.ADVISOR_BUSY,
                                            carnet.AppointmentRefusal.CUSTOMER_BUSY))
    report = run(h.sync_now())
    assert report.rejected == 0
    [mine] = [a for a in h.customer_appointments(customer) if a.id == booking]
    assert (mine.status, mine.pending) == (carnet.BookingStatus.CONFIRMED, False)
    # On the day list of its local day.
    local_day = datetime.fromtimestamp(slot.start, timezone.utc).astimezone(zone).date().isoformat()
    assert booking in [a.id for a in h.day_appointments(local_day)]
    # On her timeline, and a calendar event for her (RFC 5545: CRLF lines, UTC times).
    timeline = h.timeline(customer)
    assert any(isinstance(e, carnet.TimelineEvent.APPOINTMENT) and e.appointment.id == booking
               for e in timeline), timeline
    # Beside her receipts and orders, each with its channel, store and amount in her currency.
    purchases = [e.purchase for e in timeline if isinstance(e, carnet.TimelineEvent.PURCHASE)]
    assert purchases and all(p.lines > 0 and p.currency == "EUR" and p.store_name for p in purchases)
    assert [p.at for p in purchases] == sorted((p.at for p in purchases), reverse=True)
    ics = h.appointment_calendar(booking)
    start = datetime.fromtimestamp(slot.start, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.rstrip().endswith("END:VCALENDAR")
    assert f"DTSTART:{start}\r\n" in ics and f"UID:{booking}@carnet\r\n" in ics, ics
    with pytest.raises(carnet.CarnetError.InvalidInput):
        h.day_appointments("next saturday")
    # Not begun: neither done nor missed; cancelled, it is closed.
    with pytest.raises(carnet.CarnetError.AppointmentRefused) as early:
        h.close_appointment(booking, carnet.Closing.DONE)
    assert isinstance(early.value.refusal, carnet.AppointmentRefusal.NOT_STARTED_YET)
    h.cancel_appointment(booking)
    run(h.sync_now())
    [mine] = [a for a in h.customer_appointments(customer) if a.id == booking]
    assert (mine.status, mine.pending) == (carnet.BookingStatus.CANCELLED, False)


def all_customers(store):
    with open(store.export / "customers.jsonl") as f:
        return [json.loads(line) for line in f]


def test_8_leaving_the_store_network_locks_and_coming_back_needs_the_advisor(day):
    h = day["handheld"]
    state = run(h.network_changed(carnet.NetworkEvent(path_available=False, wifi_hint=None)))
    assert isinstance(state, carnet.DeviceState.LOCKED)
    with pytest.raises(carnet.CarnetError.Locked):
        h.find_by_card(day["customer"]["card"])
    with pytest.raises(carnet.CarnetError.Locked):
        run(h.sync_now())
    state = run(h.network_changed(carnet.NetworkEvent(path_available=True, wifi_hint=STORE_WIFI)))
    # Present again, but leaving the network signed her out: she signs in again.
    assert isinstance(state, carnet.DeviceState.LOCKED)
    assert state.needs_presence is False, "present again; the advisor signs in"
    with pytest.raises(carnet.CarnetError.Locked):
        h.find_by_card(day["customer"]["card"])
    run(h.sign_in(ADVISOR, ADVISOR_PIN))
    assert h.find_by_card(day["customer"]["card"]).id == day["customer"]["id"]


def test_9_an_erasure_reaches_the_device(day):
    h, store = day["handheld"], day["store"]
    customer = day["customer"]
    server("customer", "erase", "--data", str(store.data), customer["id"])
    run(h.sync_now())
    with pytest.raises(carnet.CarnetError.NotFound):
        h.find_by_card(customer["card"])
    with pytest.raises(carnet.CarnetError.NotFound):
        h.open_card(customer["id"])
    assert h.notes(customer["id"]) == [], "her notes went with her"


def test_10_signing_out_locks(day):
    h = day["handheld"]
    h.sign_out()
    assert isinstance(h.state(), carnet.DeviceState.LOCKED)
    with pytest.raises(carnet.CarnetError.Locked):
        h.search_by_name("a", 5)
