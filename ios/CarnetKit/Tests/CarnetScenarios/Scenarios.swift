// An advisor's day through the view models, against the real core (the Rust library) and a real
// store server: enrol from the QR code, sign in, sync with progress, scan a card, read her card
// and forecast and history, like a suggestion, edit a contact inline, see a likely duplicate while
// registering, register a new customer with a scanned card and ask her consents, lose the network
// (locks), go to the background (locks). The scenarios run in order on one device.

import CarnetFFI
import CarnetModel
import Foundation

/// One named step of the day.
public struct Scenario: Sendable {
    public let name: String
    let body: @MainActor @Sendable (Day) async throws -> Void
}

/// The state the scenarios share: one device, one app model.
@MainActor
public final class Day {
    let config: ScenarioConfig
    let keyStore = MemoryKeyStore()
    var app: AppModel!
    var customerId = ""
    /// The customer registered by the `register` scenario.
    var newCustomerId = ""
    /// The version the scenarios' handhelds report.
    static let appVersion = "scenarios 1.0"

    init(config: ScenarioConfig) {
        self.config = config
    }
}

/// Runs every scenario and prints one line each, then `N passed, N failed`.
@MainActor
public enum ScenarioRunner {
    public struct Outcome: Sendable {
        public var passed = 0
        public var failures: [String] = []
        public var failed: Int { failures.count }
    }

    public static func run(
        _ config: ScenarioConfig, print say: (String) -> Void = { Swift.print($0) }
    ) async -> Outcome {
        let day = Day(config: config)
        var outcome = Outcome()
        for scenario in Scenarios.all {
            let started = Date()
            do {
                try await scenario.body(day)
                outcome.passed += 1
                say(String(format: "ok   %@ (%.2f s)", scenario.name, Date().timeIntervalSince(started)))
            } catch {
                outcome.failures.append("\(scenario.name): \(error)")
                say("FAIL \(scenario.name): \(error)")
            }
        }
        say("\(outcome.passed) passed, \(outcome.failed) failed")
        return outcome
    }
}

@MainActor
enum Scenarios {
    static let all: [Scenario] = [
        Scenario(name: "formatting in French and English", body: formatting),
        Scenario(name: "a new device shows the enrolment screen", body: newDevice),
        Scenario(name: "the QR code fills the enrolment form", body: qrCode),
        Scenario(name: "enrolling leaves the device locked until an advisor signs in", body: enrol),
        Scenario(name: "a handheld the MDM configured enrols without a scan; the core reads the payload",
                 body: managedEnrolment),
        Scenario(name: "a wrong PIN keeps it locked, with the core's message", body: wrongPin),
        Scenario(name: "signing in unlocks", body: signIn),
        Scenario(name: "the kiosk refusal coming from the core: locked, every lookup refused, granted signs in again",
                 body: kiosk),
        Scenario(name: "sync fills the cache, with progress", body: sync),
        Scenario(name: "after the sync, the home screen lists her client book, the most recently seen first",
                 body: clientBook),
        Scenario(name: "she takes a group task, finds it in her list, cannot dismiss it without a reason, calls and writes an e-mail",
                 body: tasks),
        Scenario(name: "the status shows the device, its store and its lock state", body: deviceStatus),
        Scenario(name: "scanning a card opens her card", body: scanCard),
        Scenario(name: "her card shows the core's visit forecast", body: forecast),
        Scenario(name: "a malformed card shows the core's reason", body: badCard),
        Scenario(name: "a scanner sled's scan opens her card, on the home screen or typed into the search field",
                 body: sled),
        Scenario(name: "without a camera, her card number typed in the search field opens her card", body: typedCard),
        Scenario(name: "search as-you-type finds her by name", body: searchByName),
        Scenario(name: "history with search", body: history),
        Scenario(name: "an appointment booked from her card waits for the server; a sync confirms it; the day list and her timeline show it",
                 body: appointment),
        Scenario(name: "liking a suggestion records it and reloads the playlist", body: like),
        Scenario(name: "re-purchase and offers load", body: repurchase),
        Scenario(name: "a note that looks like health data is saved only after the warning; a wish comes and goes", body: notes),
        Scenario(name: "an invalid e-mail is refused inline, a valid one saved", body: contactEdit),
        Scenario(name: "a mistyped e-mail domain is corrected to the whole address", body: suggestionAccepted),
        Scenario(name: "typing her name and postal code, or her e-mail, shows her as already a customer",
                 body: duplicates),
        Scenario(name: "an unknown card registers her: field errors inline, the suggestion taken, her card opens",
                 body: register),
        Scenario(name: "a customer just registered has every consent not asked; her answers are recorded",
                 body: consentsAfterRegistration),
        Scenario(name: "losing the store network locks and forgets the customer", body: networkLost),
        Scenario(name: "back on the network, signed in, the background locks", body: background),
        Scenario(name: "restarted before its first unlock, a Keychain temporarily unavailable wipes nothing",
                 body: keychainAfterRestart),
    ]

    static func formatting(_ day: Day) async throws {
        func plain(_ s: String) -> String {
            String(s.unicodeScalars.map { $0.properties.isWhitespace ? " " : Character($0) })
        }
        let fr = Formatting(locale: Locale(identifier: "fr_FR"), timeZone: TimeZone(identifier: "Europe/Paris")!)
        let en = Formatting(locale: Locale(identifier: "en_GB"), timeZone: TimeZone(identifier: "Europe/Paris")!)
        try check(plain(fr.money(cents: 123_450)) == "1 234,50 €", "fr money: \(fr.money(cents: 123_450))")
        try check(en.money(cents: 123_450) == "€1,234.50", "en money: \(en.money(cents: 123_450))")
        // Other currencies by their own minor unit; the Swiss group with an apostrophe.
        let ch = Formatting(locale: Locale(identifier: "de_CH"), timeZone: TimeZone(identifier: "Europe/Zurich")!)
        let us = Formatting(locale: Locale(identifier: "en_US"), timeZone: TimeZone(identifier: "Asia/Tokyo")!)
        let chf = plain(ch.money(minor: 123_450, currency: "CHF")).replacingOccurrences(of: "’", with: "'")
        try check(chf == "CHF 1'234.50", "de_CH francs: \(ch.money(minor: 123_450, currency: "CHF"))")
        try check(us.money(minor: 1_235, currency: "JPY") == "¥1,235", "en_US yen: \(us.money(minor: 1_235, currency: "JPY"))")
        try check(en.money(minor: 8_500, currency: "GBP") == "£85.00", "en_GB pounds: \(en.money(minor: 8_500, currency: "GBP"))")
        try check(fr.day("2024-06-01").contains("2024"), "fr day: \(fr.day("2024-06-01"))")
        try check(fr.day("not a day") == "not a day", "a bad day is shown as is")
        try check(fr.instant("2026-11-23T10:06:43.123Z").contains("2026"), "fr instant: \(fr.instant("2026-11-23T10:06:43.123Z"))")
        try check(en.instant("2026-11-23T10:06:43Z").contains("2026"), "en instant: \(en.instant("2026-11-23T10:06:43Z"))")
        try check(fr.instant("not an instant") == "not an instant", "a bad instant is shown as is")
    }

    static func newDevice(_ day: Day) async throws {
        try FileManager.default.createDirectory(
            atPath: day.config.deviceDir, withIntermediateDirectories: true)
        let handheld = try Handheld.open(
            dataDir: day.config.deviceDir, keyStore: day.keyStore, appVersion: Day.appVersion)
        day.app = AppModel(handheld: handheld)
        try check(day.app.root == .enrolment, "root is \(day.app.root)")
        try check(!day.app.showsCustomerData, "no customer data before enrolment")
    }

    static func qrCode(_ day: Day) async throws {
        let form = day.app.enrolmentModel()
        try check(!form.scanned(payload: "https://example.com"), "a foreign QR code is refused")
        try check(form.notice != nil, "with a message")
        try check(form.scanned(payload: day.config.qrPayload), "the enrolment QR code is read")
        try check(form.serverURL.hasPrefix("https://"), "server: \(form.serverURL)")
        try check(!form.code.isEmpty && !form.certificatePin.isEmpty, "code and pin filled")
        try check(form.notice == nil, "no message")
    }

    static func enrol(_ day: Day) async throws {
        let form = day.app.enrolmentModel()
        form.scanned(payload: day.config.qrPayload)
        await form.submit()
        try check(form.notice == nil, "enrolment failed: \(String(describing: form.notice))")
        guard case .signIn = day.app.root else {
            throw CheckFailure(description: "root is \(day.app.root), not the sign-in screen")
        }
        try check(!day.app.showsCustomerData, "no customer data while locked")
    }

    static func managedEnrolment(_ day: Day) async throws {
        let dir = day.config.deviceDir + "-managed"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let app = AppModel(handheld: try Handheld.open(
            dataDir: dir, keyStore: MemoryKeyStore(), appVersion: Day.appVersion))
        try check(app.root == .enrolment, "a new handheld: \(app.root)")
        let form = app.enrolmentModel()
        let key = EnrolmentModel.managedKey

        var enrolled = await form.enrolFromManagedConfiguration(nil)
        try check(!enrolled, "not managed: the form waits for a scan")
        enrolled = await form.enrolFromManagedConfiguration(["CarnetKioskRequired": true])
        try check(!enrolled, "no enrolment pushed")
        try check(form.notice == nil && app.root == .enrolment, "nothing said, nothing done")

        enrolled = await form.enrolFromManagedConfiguration([key: "https://example.com"])
        try check(!enrolled, "not an enrolment text")
        try check(form.notice != nil && app.root == .enrolment, "the form says so: \(String(describing: form.notice))")

        let withoutServer = day.config.managedPayload.components(separatedBy: "&server=")[0]
        enrolled = await form.enrolFromManagedConfiguration([key: withoutServer])
        try check(!enrolled, "no server named: not enrolled")
        try check(!form.code.isEmpty && form.serverURL.isEmpty && app.root == .enrolment,
                  "the code is filled in, the server is left to type: \(form.serverURL)")

        let pushed: [String: Any] = ["CarnetKioskRequired": true, key: day.config.managedPayload]
        enrolled = await form.enrolFromManagedConfiguration(pushed)
        try check(enrolled, "enrolled: \(String(describing: form.notice))")
        guard case .signIn = app.root else {
            throw CheckFailure(description: "root is \(app.root), not the sign-in screen")
        }
        try check(app.status.storeId == day.app.status.storeId, "in the same store: \(String(describing: app.status.storeId))")
        try check(app.status.deviceId != day.app.status.deviceId, "as a handheld of its own")
    }

    static func wrongPin(_ day: Day) async throws {
        let form = day.app.signInModel()
        form.advisorId = day.config.advisorId
        form.pin = "000000" == day.config.pin ? "111111" : "000000"
        await form.submit()
        try check(form.notice?.key == "Wrong advisor ID or PIN.", "a wrong PIN, as the core says: \(String(describing: form.notice))")
        try check(form.pin.isEmpty, "the PIN is forgotten")
        guard case .signIn = day.app.root else {
            throw CheckFailure(description: "root is \(day.app.root) after a wrong PIN")
        }
    }

    static func signIn(_ day: Day) async throws {
        let form = day.app.signInModel()
        form.advisorId = day.config.advisorId
        form.pin = day.config.pin
        await form.submit()
        try check(form.notice == nil, "sign-in failed: \(String(describing: form.notice))")
        try check(form.pin.isEmpty, "the PIN is forgotten")
        guard case .home(let advisorId, _) = day.app.root, advisorId == day.config.advisorId else {
            throw CheckFailure(description: "root is \(day.app.root)")
        }
    }

    static func kiosk(_ day: Day) async throws {
        let app = day.app!
        try check(app.showsCustomerData, "signed in: \(app.root)")
        app.kioskChanged(KioskStatus(required: true, granted: nil))
        try check(app.root == .kioskRequired, "required and not answered yet: \(app.root)")
        app.kioskChanged(KioskStatus(required: true, granted: false))
        try check(app.root == .kioskRequired, "required and refused: \(app.root)")
        try check(!app.showsCustomerData && app.path.isEmpty, "no customer data")
        // The core refuses the data itself, whatever a view would show.
        do {
            _ = try app.handheld.findByCard(scanned: day.config.card)
            throw CheckFailure(description: "the core answered a lookup with single app mode refused")
        } catch CarnetError.KioskRequired {}
        try check(!app.lookup.scanned(code: day.config.card), "a scan opens nothing")
        try check(app.lookup.notice?.key == "Single app mode is required on this handheld.",
                  "the core's reason: \(String(describing: app.lookup.notice))")
        try check(app.path.isEmpty && app.root == .kioskRequired, "and the kiosk screen stays")
        let signIn = app.signInModel()
        signIn.advisorId = day.config.advisorId
        signIn.pin = day.config.pin
        await signIn.submit()
        try check(signIn.notice?.key == "Single app mode is required on this handheld.",
                  "no sign-in either: \(String(describing: signIn.notice))")

        app.kioskChanged(KioskStatus(required: true, granted: true))
        guard case .signIn(.signedOut, false) = app.root else {
            throw CheckFailure(description: "granted: an advisor signs in again, root is \(app.root)")
        }
        signIn.pin = day.config.pin
        await signIn.submit()
        try check(app.showsCustomerData, "signed in: \(app.root) \(String(describing: signIn.notice))")
        app.kioskChanged(KioskStatus(required: false, granted: false))
        try check(app.showsCustomerData, "not required (simulator, development): data shown")
    }

    static func sync(_ day: Day) async throws {
        let sync = day.app.sync!
        var sawProgress = false
        sync.start()
        try check(sync.running, "running")
        try await eventually(120, "the sync ends") {
            if sync.progress != nil { sawProgress = true }
            return !sync.running
        }
        try check(sync.lastError == nil, "sync failed: \(String(describing: sync.lastError))")
        let report = try sync.lastReport.unwrap("a report")
        try check(report.pulled > 0, "pulled \(report.pulled)")
        try check(sawProgress || sync.progress != nil, "progress was reported")
        try check(day.app.showsCustomerData, "still unlocked after the sync: \(day.app.root)")
    }

    static func clientBook(_ day: Day) async throws {
        let lookup = day.app.lookup!
        lookup.bookLimit = 10
        lookup.loadBook()
        let book = try lookup.book.unwrap("her book (\(String(describing: lookup.notice)))")
        try check(book.total > 10, "her book holds \(book.total)")
        try check(book.entries.count == 10, "the first 10: \(book.entries.count)")
        try check(book.advisorName?.isEmpty == false, "her name: \(String(describing: book.advisorName))")
        let visits = book.entries.compactMap(\.lastVisit)
        try check(visits.count == 10 && visits == visits.sorted(by: >), "most recent first: \(visits)")
        lookup.open(book.entries[0].customer)
        try check(day.app.path.last == .customer(id: book.entries[0].customer.id), "her card opens: \(day.app.path)")
        day.app.path = []
    }

    static func tasks(_ day: Day) async throws {
        let tasks = day.app.tasksModel()
        tasks.scope = .store
        let store = try tasks.lists.unwrap("the store's tasks (\(String(describing: tasks.notice)))")
        // Which tasks there are depends on the day the scenarios run; a store always has some.
        let group = try (store.overdue + store.today + store.upcoming).first.unwrap("a group task")
        try check(group.advisorId == nil && tasks.canTake(group), "a group task nobody has: \(group)")
        let sections = tasks.sections.map(\.list)
        try check(sections == TasksModel.List.allCases.filter(sections.contains), "lists in order: \(sections)")
        tasks.take(group)
        try check(tasks.notice == nil, "taken: \(String(describing: tasks.notice))")
        tasks.scope = .mine
        let mine = try tasks.lists.unwrap("her tasks")
        let taken = try (mine.overdue + mine.today + mine.upcoming).first { $0.id == group.id }
            .unwrap("the task she took, in her list")
        guard case .taken(let holder) = taken.progress, holder == day.config.advisorId else {
            throw CheckFailure(description: "taken by her: \(taken.progress)")
        }
        try check(!tasks.canTake(taken), "a task she holds is not offered again")
        let wording = day.app.formatting.phrase(taken.reason, productName: taken.productName).text()
        try check(!wording.isEmpty && !wording.contains("%@"), "its reason in words: \(wording)")
        // The core refuses a dismissal without a reason; the task stays.
        tasks.dismiss(taken, reason: "  ")
        try check(tasks.notice != nil, "an empty reason is refused")
        tasks.complete(taken)
        let done = try tasks.lists.unwrap("her lists after it was done").done
        try check(done.map(\.id) == [taken.id], "in the done list: \(done.map(\.id))")
        tasks.open(taken)
        try check(day.app.path.last == .customer(id: taken.customer.id), "her card opens: \(day.app.path)")
        day.app.path = []
        // A call that reaches a customer who takes calls completes her task.
        tasks.scope = .store
        let lists = try tasks.lists.unwrap("the store's tasks")
        let callable = try (lists.overdue + lists.today + lists.upcoming).first { $0.channels.contains("phone") }
            .unwrap("a task of a customer who takes calls")
        tasks.call(callable, .reached)
        try check(tasks.notice == nil, "call logged: \(String(describing: tasks.notice))")
        let called = try tasks.lists.unwrap("the store's tasks after the call").done
        try check(called.contains { $0.id == callable.id }, "the task is done: \(called.map { $0.id })")
        tasks.call(callable, .reached)
        try check(tasks.notice != nil, "a second call within the week is refused by the core")
        // An e-mail from the core's draft, edited: queued, on her card, and the task done.
        let open = try tasks.lists.unwrap("the store's tasks after the calls")
        let writable = try (open.overdue + open.today + open.upcoming).first {
            $0.channels.contains("email") && $0.customer.id != callable.customer.id
        }.unwrap("a task of a customer who takes e-mails")
        tasks.write(writable, on: .email)
        var writing = try tasks.writing.unwrap("a draft (\(String(describing: tasks.notice)))")
        try check(writing.body.contains(writable.customer.firstName) && !writing.subject.isEmpty,
                  "the draft names her: \(writing.body)")
        writing.body += "\nÀ bientôt"
        tasks.writing = writing
        tasks.send()
        try check(tasks.notice == nil && tasks.writing == nil, "sent: \(String(describing: tasks.notice))")
        let herNotes = day.app.customerModel(id: writable.customer.id).notes!
        herNotes.load()
        let sent = herNotes.contacts
        try check(sent.first?.message?.body.hasSuffix("À bientôt") == true
                  && sent.first?.delivery?.state == .pending,
                  "on her card, waiting for the server: \(sent)")
        let afterSending = try tasks.lists.unwrap("the store's tasks after the e-mail").done
        try check(afterSending.contains { $0.id == writable.id }, "the task is done")
    }

    static func deviceStatus(_ day: Day) async throws {
        let status = day.app.status
        try check(!(status.deviceId ?? "").isEmpty, "a device id")
        try check(!(status.storeId ?? "").isEmpty, "a store")
        guard case .unlocked(let advisorId, _) = status.state, advisorId == day.config.advisorId else {
            throw CheckFailure(description: "state is \(status.state)")
        }
        let state = day.app.formatting.phrase(status.state).text()
        try check(!state.isEmpty && !state.contains("%@"), "the state reads: \(state)")
    }

    static func forecast(_ day: Day) async throws {
        let customer = day.app.customerModel(id: day.customerId)
        customer.load()
        try check(customer.notice == nil, "card: \(String(describing: customer.notice))")
        let core = try day.app.handheld.visitForecast(customerId: day.customerId)
        try check(customer.forecast == core.forecast && customer.forecastWithheld == core.withheld,
                  "the card shows the core's forecast")
        try check(core.withheld == nil, "a forecast for a regular with consent and a model")
        let forecast = try customer.forecast.unwrap("her forecast")
        try check(forecast.pAlive >= 0 && forecast.pAlive <= 1, "p_alive \(forecast.pAlive)")
        try check(forecast.pReturnYear <= forecast.pAlive + 1e-9, "returning needs being alive")
        if let band = forecast.value {
            try check(band.lowCents >= 0 && band.lowCents <= band.highCents, "a band, low to high")
        }
        try check(forecast.expected30Days >= 0 && forecast.expected30Days <= forecast.expected90Days,
                  "expected \(forecast.expected30Days) then \(forecast.expected90Days)")
        try check(!day.app.formatting.estimate(forecast.expected90Days).isEmpty, "formatted")
    }

    static func scanCard(_ day: Day) async throws {
        let lookup = day.app.lookup!
        try check(lookup.scanned(code: day.config.card), "scan failed: \(String(describing: lookup.notice))")
        guard case .customer(let id)? = day.app.path.last else {
            throw CheckFailure(description: "path is \(day.app.path)")
        }
        day.customerId = id
        let customer = day.app.customerModel(id: id)
        customer.load()
        let card = try customer.card.unwrap("her card (\(String(describing: customer.notice)))")
        try check(card.card == day.config.card, "the card shown is the one scanned")
        try check(!customer.displayName.trimmingCharacters(in: .whitespaces).isEmpty, "her name")
        try check(card.receipts > 0, "receipts \(card.receipts)")
        try check(!day.app.formatting.money(cents: card.averageBasketCents).isEmpty, "average basket")
    }

    static func badCard(_ day: Day) async throws {
        let lookup = day.app.lookup!
        let path = day.app.path
        try check(!lookup.scanned(code: "1234"), "a short code is not a card")
        try check(lookup.notice?.key == "A card has 13 digits, this one %@." && lookup.notice?.arguments == ["4"],
                  "the core's reason, worded here: \(String(describing: lookup.notice))")
        try check(lookup.notice?.phrase.text().contains("13") == true, "and read: \(String(describing: lookup.notice))")
        try check(day.app.path == path, "the screen stays")
    }

    static func sled(_ day: Day) async throws {
        let lookup = day.app.lookup!
        let card = try day.app.customerModel(id: day.customerId).card.unwrap("her card")
        let keyboard = Keyboard(lookup)
        defer { keyboard.unplug() }

        day.app.path = []
        for digit in day.config.card {
            _ = keyboard.press(.text(String(digit)), after: .milliseconds(200))
        }
        try check(!keyboard.press(.return, after: .milliseconds(200)), "her card number typed by hand is no scan")
        try check(day.app.path.isEmpty, "nothing opens: \(day.app.path)")

        for digit in day.config.card {
            try check(!keyboard.press(.text(String(digit)), after: .milliseconds(8)), "a digit alone opens nothing")
        }
        try check(keyboard.press(.return, after: .milliseconds(8)),
                  "the sled's Return ends a scan: \(String(describing: lookup.notice))")
        try check(day.app.path == [.customer(id: day.customerId)], "her card opens: \(day.app.path)")

        day.app.path = []
        lookup.mode = .name
        keyboard.type(day.config.card, intoSearchFieldEvery: .milliseconds(8))
        try check(day.app.path == [.customer(id: day.customerId)], "scanned into the search field, her card opens: \(day.app.path)")
        try check(lookup.query.isEmpty && lookup.notice == nil, "the field is emptied: '\(lookup.query)'")

        day.app.path = []
        keyboard.type(card.lastName, intoSearchFieldEvery: .milliseconds(250))
        try check(lookup.results.contains { $0.id == day.customerId }, "her name typed by hand is searched: \(lookup.results.count)")
        try check(day.app.path.isEmpty && lookup.query == card.lastName, "and nothing opens: \(day.app.path)")
        lookup.query = ""
        lookup.searchNow()
    }

    static func typedCard(_ day: Day) async throws {
        let lookup = day.app.lookup!
        let keyboard = Keyboard(lookup)
        defer { keyboard.unplug() }

        day.app.path = []
        lookup.mode = .card
        lookup.query = String(day.config.card.dropLast())
        try await Task.sleep(for: lookup.debounce * 3)
        try check(lookup.results.isEmpty && lookup.notice == nil && day.app.path.isEmpty,
                  "nothing is looked up before Return: \(lookup.results.count) \(String(describing: lookup.notice))")
        lookup.query = ""
        keyboard.type(String(day.config.card.dropLast()), intoSearchFieldEvery: .milliseconds(250))
        try check(day.app.path.isEmpty, "a number too short opens nothing")
        try check(lookup.notice?.key == "A card has 13 digits, this one %@.", "the core's reason: \(String(describing: lookup.notice))")

        lookup.query = ""
        keyboard.type(day.config.card, intoSearchFieldEvery: .milliseconds(250))
        try check(day.app.path == [.customer(id: day.customerId)], "her card opens: \(day.app.path)")
        lookup.mode = .name
        lookup.query = ""
        lookup.searchNow()
    }

    static func searchByName(_ day: Day) async throws {
        let card = try day.app.customerModel(id: day.customerId).card.unwrap("her card")
        let lookup = day.app.lookup!
        lookup.mode = .name
        lookup.query = "\(card.lastName.prefix(4)) \(card.firstName) \(card.contact.postalCode.prefix(2))"
        try await eventually(5, "results as she types") { !lookup.results.isEmpty }
        try check(lookup.results.contains { $0.id == day.customerId }, "she is found")
        lookup.query = ""
        lookup.searchNow()
        try check(lookup.results.isEmpty, "cleared")
    }

    static func history(_ day: Day) async throws {
        let history = day.app.customerModel(id: day.customerId).history!
        history.load()
        let first = try history.lines.first.unwrap("a purchase line (\(String(describing: history.notice)))")
        let words = first.productName.split(separator: " " as Character).map(String.init)
        let word = words.max { $0.count < $1.count } ?? ""
        history.text = word
        history.load()
        try check(history.lines.contains { $0.id == first.id }, "searching '\(word)' finds the line")
        history.text = "zzzzqqq"
        history.load()
        try check(history.lines.isEmpty && history.notice != nil, "nothing matches, with a message")
        history.text = ""
        history.load()
    }

    static func notes(_ day: Day) async throws {
        let notes = day.app.customerModel(id: day.customerId).notes!
        notes.load()
        let before = notes.notes.count
        notes.draft = "Enceinte : préfère les soins sans rétinol"
        try check(!notes.save(), "the first save only warns")
        try check(notes.flagged.map(\.word) == ["Enceinte"], "the core's words: \(notes.flagged.map(\.word))")
        try check(notes.notes.count == before, "nothing saved yet")
        try check(notes.save(), "saved anyway: \(String(describing: notes.notice))")
        try check(notes.draft.isEmpty && notes.flagged.isEmpty, "the form is emptied")
        let saved = try notes.notes.first.unwrap("her note")
        try check(saved.text == "Enceinte : préfère les soins sans rétinol" && saved.advisorId == day.config.advisorId,
                  "with its author: \(saved)")
        notes.draft = "Préfère un appel après 18 h"
        try check(notes.save() && notes.notes.count == before + 2, "an ordinary note saves at once")
        notes.draft = "   "
        try check(!notes.save() && notes.notice != nil, "an empty note is refused by the core")
        notes.delete(saved)
        try check(notes.notes.count == before + 1, "deleted")
        // A product she wants later: on her wish list with its name, then off it; a product
        // the catalogue does not know is refused by the core.
        let playlist = day.app.customerModel(id: day.customerId).playlist!
        playlist.load()
        let wanted = try playlist.suggestions.first.unwrap("a suggestion to wish for")
        let wishes = notes.wishes.count
        try check(notes.addWish(productId: wanted.productId), "wished: \(String(describing: notes.notice))")
        let wish = try notes.wishes.first.unwrap("her wish")
        try check(wish.productId == wanted.productId && wish.productName == wanted.name && notes.wishes.count == wishes + 1,
                  "the product on her list: \(wish)")
        try check(!notes.addWish(productId: "P9999999") && notes.notice != nil, "an unknown product is refused")
        notes.removeWish(wish)
        try check(notes.wishes.count == wishes, "taken off her list")
    }

    static func appointment(_ day: Day) async throws {
        let booking = day.app.customerModel(id: day.customerId).appointments!
        booking.load()
        try check(booking.notice == nil, "services: \(String(describing: booking.notice))")
        let service = try booking.services.first(where: { $0.resourceKind != nil }).unwrap("a service with a cabin or chair")
        try check(booking.serviceName(service.id, language: "fr") == service.nameFr, "named in French")
        booking.choose(service, now: Date().addingTimeInterval(2 * 86_400))
        let slot = try booking.slots.first.unwrap("a free slot (\(String(describing: booking.notice)))")
        try check(booking.book(slot), "booked: \(String(describing: booking.notice))")
        let mine = try booking.appointments.first(where: { $0.start == slot.start }).unwrap("her booking")
        try check(mine.status == .provisional && mine.pending, "waits for the server: \(mine)")
        // The same time again: the core refuses it, typed, and the model words it.
        booking.choose(service, now: Date().addingTimeInterval(2 * 86_400))
        try check(!booking.book(slot) && booking.notice != nil, "her time is taken")
        let sync = day.app.sync!
        sync.start()
        try await eventually(60, "the sync ends") { !sync.running }
        try check(sync.lastError == nil, "sync: \(String(describing: sync.lastError))")
        booking.load()
        let confirmed = try booking.appointments.first(where: { $0.id == mine.id }).unwrap("still hers")
        try check(confirmed.status == .confirmed && !confirmed.pending, "confirmed: \(confirmed)")
        // On her timeline, beside her contacts.
        let herNotes = day.app.customerModel(id: day.customerId).notes!
        herNotes.load()
        try check(herNotes.timeline.contains { event in
            if case .appointment(let booked) = event { return booked.id == mine.id }
            return false
        }, "on her timeline: \(herNotes.timeline)")
        // Her purchases and consent decisions are on it too, the latest first.
        let purchases = herNotes.timeline.compactMap { event -> TimelinePurchase? in
            if case .purchase(let purchase) = event { return purchase }
            return nil
        }
        try check(!purchases.isEmpty && purchases.allSatisfy { $0.lines > 0 && !$0.currency.isEmpty },
                  "her purchases on her timeline: \(purchases.count)")
        try check(zip(purchases, purchases.dropFirst()).allSatisfy { $0.at >= $1.at }, "the latest first")
        try check(herNotes.timeline.contains { event in
            if case .consent = event { return true }
            return false
        }, "her consent decisions on her timeline")
        // On the store's day list of its day.
        let list = day.app.appointmentsModel()
        list.load()
        let zone = try list.timeZone.unwrap("the store's zone")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: Date()),
                                           to: calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(slot.start)))).day ?? 0
        list.move(days: days)
        try check(list.appointments.contains(where: { $0.id == mine.id }), "on the day list: \(list.appointments.map(\.id))")
        // Not begun: the core will not mark it done; cancelled, it is closed.
        booking.close(confirmed, .done)
        try check(booking.notice != nil, "not started yet")
        booking.cancel(confirmed)
        let cancelled = try booking.appointments.first(where: { $0.id == mine.id }).unwrap("listed")
        try check(cancelled.status == .cancelled && !booking.isOpen(cancelled), "cancelled: \(cancelled)")
    }

    static func like(_ day: Day) async throws {
        let playlist = day.app.customerModel(id: day.customerId).playlist!
        playlist.load()
        try check(playlist.notice == nil, "playlist: \(String(describing: playlist.notice))")
        let suggestion = try playlist.suggestions.first.unwrap(
            "a suggestion (withheld: \(String(describing: playlist.withheld)))")
        let because = day.app.formatting.phrase(suggestion.reason).text()
        try check(!because.isEmpty && !because.contains("%@"), "its reason reads: \(because)")
        playlist.like(suggestion)
        try check(playlist.notice == nil, "like: \(String(describing: playlist.notice))")
        try check(playlist.lastVerdict?.productId == suggestion.productId, "the verdict is shown")
        try check(playlist.playlist != nil, "the playlist is reloaded")
        let outbox = day.app.outboxModel()
        outbox.load()
        try check(
            outbox.entries.contains { $0.kind == "feedback" && $0.customerId == day.customerId },
            "the like waits in the outbox for the server")
    }

    static func repurchase(_ day: Day) async throws {
        // The core answers (a throw fails the scenario), and the model shows exactly that.
        let expected = try day.app.handheld.repurchase(customerId: day.customerId)
        let customer = day.app.customerModel(id: day.customerId)
        customer.repurchase.load()
        try check(
            customer.repurchase.items.map(\.productId) == expected.items.map(\.productId),
            "the model lists what the core ranks")
        try check(
            (customer.repurchase.notice != nil) == (expected.items.isEmpty && expected.withheld == nil),
            "a message only when nothing is due: \(String(describing: customer.repurchase.notice))")
        try check(customer.offers.allSatisfy { $0.daysLeft >= 0 }, "offers are active")
    }

    static func contactEdit(_ day: Day) async throws {
        let customer = day.app.customerModel(id: day.customerId)
        customer.load()  // her screen shown
        let viewsBefore = profileViews(day, of: day.customerId)
        let form = try customer.contactModel().unwrap("the contact form")
        form.drafts[.email] = "not an e-mail"
        try check(!form.save(.email), "an invalid e-mail is refused")
        try check(form.errors[.email]?.key == "An e-mail address has no spaces.",
                  "the core's reason is shown under the field: \(String(describing: form.errors[.email]))")
        form.drafts[.email] = "swift.check@example.com"
        try check(form.save(.email), "a valid e-mail is saved: \(String(describing: form.errors[.email]))")
        try check(form.errors[.email] == nil, "the error is gone")
        try check(customer.card?.contact.email == "swift.check@example.com", "her card shows it")
        customer.load()  // her screen shown again after the edit
        try check(profileViews(day, of: day.customerId) == viewsBefore,
                  "her card opened once and read again after the edit: one view for the audit, \(viewsBefore)")
        day.app.openCustomer(id: day.customerId)
        day.app.customerModel(id: day.customerId).load()
        try check(profileViews(day, of: day.customerId) == viewsBefore + 1, "opened again: one more view")
    }

    /// The views of her card waiting in the outbox for the store's audit.
    static func profileViews(_ day: Day, of customerId: String) -> Int {
        let outbox = day.app.outboxModel()
        outbox.load()
        return outbox.entries.filter { $0.kind == "profile_view" && $0.customerId == customerId }.count
    }

    static func suggestionAccepted(_ day: Day) async throws {
        let customer = day.app.customerModel(id: day.customerId)
        let form = try customer.contactModel().unwrap("the contact form")
        form.drafts[.email] = "swift.check@gmial.com"
        try check(!form.save(.email), "a mistyped domain is refused")
        try check(form.errors[.email]?.suggestion == "gmail.com", "the core suggests the domain: \(String(describing: form.errors[.email]))")
        try check(form.suggestedValue(.email) == "swift.check@gmail.com", "offered: \(form.suggestedValue(.email) ?? "nothing")")
        form.acceptSuggestion(.email)
        try check(form.drafts[.email] == "swift.check@gmail.com", "taken: \(form.drafts[.email] ?? "")")
        form.drafts[.email] = "swift.check@example.com"
        try check(form.save(.email), "saved back: \(String(describing: form.errors[.email]))")
    }

    static func duplicates(_ day: Day) async throws {
        let card = try day.app.customerModel(id: day.customerId).card.unwrap("her card")
        let email = try card.contact.email.unwrap("her e-mail")
        day.app.lookup.startRegistration()
        try check(day.app.path == [.newCustomer], "path is \(day.app.path)")
        let form = try day.app.registration.unwrap("the registration form")
        try check(!form.cardScanned && form.cardNumber.isEmpty, "no card number yet")
        try check(!form.register(), "an empty form is refused")
        try check(form.cardError?.key == "Nothing was read: scan or type the card.",
                  "the card number is asked for: \(String(describing: form.cardError))")
        try check(form.errors[.firstName] != nil && form.addressError != nil,
                  "every empty field at once: \(form.errors) \(String(describing: form.addressError))")
        try check(day.app.path == [.newCustomer], "the form stays")

        form.drafts[.firstName] = card.firstName
        form.drafts[.lastName] = card.lastName
        form.postalCode = card.contact.postalCode
        try await eventually(5, "she is hinted as she is typed") {
            form.duplicates.contains { $0.customer.id == day.customerId }
        }
        let hint = try form.duplicates.first { $0.customer.id == day.customerId }.unwrap("her hint")
        try check(hint.reasons.contains(.similarNameSamePostalCode), "reasons \(hint.reasons)")
        let because = day.app.formatting.phrase(hint.reasons[0]).text()
        try check(!because.isEmpty && !because.contains("%@"), "the reason reads: \(because)")

        form.drafts[.firstName] = ""
        form.drafts[.lastName] = ""
        form.postalCode = ""
        form.findDuplicatesNow()
        try check(form.duplicates.isEmpty, "nothing typed, no hint: \(form.duplicates.count)")
        form.drafts[.email] = email.uppercased()
        form.findDuplicatesNow()
        let byEmail = form.duplicates.first { $0.customer.id == day.customerId }
        try check(byEmail?.reasons.contains(.sameEmail) == true, "her e-mail finds her: \(form.duplicates)")

        form.open(hint)
        try check(day.app.path == [.customer(id: day.customerId)], "her card opens: \(day.app.path)")
        try check(day.app.registration == nil, "what was typed is forgotten")
    }

    static func register(_ day: Day) async throws {
        let lookup = day.app.lookup!
        let number = try unknownCard(day.app.handheld)
        try check(!lookup.scanned(code: number), "no one has this card")
        try check(lookup.unknownCard == number, "she can be registered with it: \(String(describing: lookup.notice))")
        lookup.registerUnknownCard()
        try check(day.app.path == [.newCustomer], "path is \(day.app.path)")
        let form = try day.app.registration.unwrap("the registration form")
        try check(form.cardScanned && form.cardNumber == number, "the card number is prefilled")

        form.drafts[.firstName] = "Swift"
        form.drafts[.lastName] = "Register 2"
        form.drafts[.email] = "swift.register@gmial.com"
        form.drafts[.language] = "fr"
        form.line1 = "1 rue de Rivoli"
        form.postalCode = "75001"
        form.city = "Paris"
        try check(!form.register(), "a digit in a name is refused")
        try check(form.errors[.lastName] != nil, "under the last name: \(form.errors) \(String(describing: form.notice))")
        try check(form.errors[.lastName]?.key == "A name has no digits.", "with the core's reason: \(form.errors)")
        try check(form.errors[.email] != nil, "and, at the same time, under the e-mail: \(form.errors)")

        form.drafts[.lastName] = "Register"
        try check(!form.register(), "a mistyped e-mail domain is refused")
        try check(form.errors[.lastName] == nil, "the name's error is gone")
        let error = try form.errors[.email].unwrap("the e-mail's error (\(form.errors), \(String(describing: form.notice)))")
        try check(error.suggestion == "gmail.com", "suggestion \(String(describing: error.suggestion))")
        try check(form.suggestedValue(.email) == "swift.register@gmail.com", "offered: \(form.suggestedValue(.email) ?? "nothing")")
        form.acceptSuggestion(.email)
        try check(form.drafts[.email] == "swift.register@gmail.com" && form.errors[.email] == nil, "the suggestion is taken")

        try check(form.register(), "registered: \(form.errors) \(String(describing: form.cardError)) \(String(describing: form.notice))")
        guard day.app.path.count == 1, case .customer(let id)? = day.app.path.last else {
            throw CheckFailure(description: "path is \(day.app.path)")
        }
        try check(day.app.registration == nil, "the form is forgotten")
        let customer = day.app.customerModel(id: id)
        customer.load()
        let card = try customer.card.unwrap("her new card (\(String(describing: customer.notice)))")
        try check(card.card == number, "her card is the one scanned")
        try check(customer.displayName == "Swift Register", "her name: \(customer.displayName)")
        try check(card.contact.email == "swift.register@gmail.com", "her e-mail: \(card.contact.email ?? "none")")

        try check(lookup.scanned(code: number), "her card now finds her: \(String(describing: lookup.notice))")
        try check(day.app.path == [.customer(id: id)] && lookup.unknownCard == nil, "and opens her")
        let outbox = day.app.outboxModel()
        outbox.load()
        try check(outbox.entries.contains { $0.customerId == id }, "the registration waits in the outbox for the server")
        day.newCustomerId = id
        day.app.openCustomer(id: day.customerId)
    }

    static func consentsAfterRegistration(_ day: Day) async throws {
        let id = day.newCustomerId
        try check(!id.isEmpty, "a customer was registered")
        day.app.openCustomer(id: id)
        let customer = day.app.customerModel(id: id)
        customer.load()
        let card = try customer.card.unwrap("her card (\(String(describing: customer.notice)))")
        try check(card.consents.isEmpty, "no decision recorded yet: \(card.consents)")
        try check(customer.hasConsentsToAsk, "her card offers to ask her consents")

        let form = try customer.contactModel().unwrap("the consent form")
        let asked = form.consents.map(\.id)
        let expected = ["marketing/email", "marketing/sms", "marketing/post", "marketing/phone", "personalisation/email"]
        try check(asked == expected, "every choice, in the core's order: \(asked)")
        try check(form.consents.map(\.channel) == consentChoices().map(\.channel), "the core's choices")
        try check(form.consents.allSatisfy { $0.answer == .notAsked && $0.granted == nil }, "none asked yet")
        try check(customer.consents == form.consents, "her card shows the same")
        let titles = form.consents.map {
            day.app.formatting.phrase(consentChannel: $0.channel, purpose: $0.purpose).text()
        }
        try check(Set(titles).count == titles.count && titles.allSatisfy { !$0.contains("%@") && !$0.contains("·") },
                  "each choice has its own wording: \(titles)")

        let email = try form.consents.first { $0.id == "marketing/email" }.unwrap("marketing by e-mail")
        let sms = try form.consents.first { $0.id == "marketing/sms" }.unwrap("marketing by text message")
        form.record(email, granted: true)
        try check(form.notice == nil, "e-mail recorded: \(String(describing: form.notice))")
        form.record(sms, granted: false)
        try check(form.notice == nil, "sms recorded: \(String(describing: form.notice))")
        let answers = form.consents.map { "\($0.id)=\($0.answer)" }
        try check(answers == ["marketing/email=granted", "marketing/sms=refused", "marketing/post=notAsked",
                              "marketing/phone=notAsked", "personalisation/email=notAsked"],
                  "yes to e-mail, no to sms, the others not asked: \(answers)")
        try check(customer.card?.consents.count == 2, "two decisions on her card: \(customer.card?.consents ?? [])")
        try check(customer.consents == form.consents, "her card shows her answers")
        try check(customer.hasConsentsToAsk, "three are still to ask")
        try check(customer.contactModel()?.consents == form.consents, "the form opened again shows them")

        let recorded = try form.consents[0].recorded.unwrap("the e-mail decision")
        try check(recorded.source == "store", "recorded in store: \(recorded.source)")
        let whereWhen = day.app.formatting.phrase(recorded: recorded).text()
        try check(!whereWhen.contains("%@") && !whereWhen.contains(recorded.recordedAt),
                  "where and when read: \(whereWhen)")

        let outbox = day.app.outboxModel()
        outbox.load()
        try check(outbox.entries.filter { $0.kind == "consent" && $0.customerId == id }.count == 2,
                  "both answers wait in the outbox for the server")
        day.app.openCustomer(id: day.customerId)
    }

    static func networkLost(_ day: Day) async throws {
        await day.app.networkChanged(pathAvailable: false)
        guard case .signIn = day.app.root else {
            throw CheckFailure(description: "root is \(day.app.root) off the network")
        }
        try check(day.app.path.isEmpty, "the stack is emptied")
        try check(day.app.customer == nil, "her card is forgotten")
        guard case .locked = day.app.status.state else {
            throw CheckFailure(description: "the status says \(day.app.status.state)")
        }
        try check(day.app.lookup.results.isEmpty, "no search results")
        do {
            _ = try day.app.handheld.findByCard(scanned: day.config.card)
            throw CheckFailure(description: "a lookup succeeded while locked")
        } catch let error as CarnetError {
            try check(Notice.isLock(error), "locked error: \(error)")
        }
    }

    static func background(_ day: Day) async throws {
        await day.app.networkChanged(pathAvailable: true)
        let form = day.app.signInModel()
        form.advisorId = day.config.advisorId
        form.pin = day.config.pin
        await form.submit()
        try check(day.app.showsCustomerData, "signed in again: \(day.app.root) \(String(describing: form.notice))")
        try check(day.app.lookup.scanned(code: day.config.card), "scan again")
        day.app.didEnterBackground()
        guard case .signIn = day.app.root else {
            throw CheckFailure(description: "root is \(day.app.root) in the background")
        }
        try check(day.app.path.isEmpty && day.app.customer == nil, "nothing shown")
    }
}

extension Scenarios {
    static func keychainAfterRestart(_ day: Day) async throws {
        let dir = day.config.deviceDir
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let cache = (dir as NSString).appendingPathComponent("cache.db")
        let size = { (try? FileManager.default.attributesOfItem(atPath: cache)[.size] as? Int) ?? 0 }
        let sizeBefore = size()
        try check(sizeBefore > 0 && day.keyStore.names.count == 2, "a synced cache and its two keys: \(files)")

        // The handheld restarts; the app opens the core before the passcode is typed: the
        // Keychain is closed until then.
        day.app = nil
        day.keyStore.mode = .closedUntilUnlock
        let app = AppModel(handheld: try Handheld.open(dataDir: dir, keyStore: day.keyStore, appVersion: Day.appVersion))
        day.app = app
        guard case .signIn(.keyStoreUnavailable, true) = app.root else {
            throw CheckFailure(description: "still enrolled, waiting for its keys: root is \(app.root)")
        }
        // A manager who would enrol it again is refused, and nothing is removed.
        let form = app.enrolmentModel()
        try check(form.scanned(payload: day.config.qrPayload), "the QR code is read")
        await form.submit()
        try check(form.notice?.key == "This handheld is enrolled already.", "refused: \(String(describing: form.notice))")
        await app.checkPresence()
        guard case .signIn(.keyStoreUnavailable, true) = app.root else {
            throw CheckFailure(description: "still closed, still waiting: root is \(app.root)")
        }
        try check(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == files && size() == sizeBefore,
                  "every file kept as it was")
        try check(day.keyStore.names.count == 2, "both keys kept: \(day.keyStore.names)")

        // Unlocked with its passcode: the core reads its keys again, proves presence, and the
        // advisor finds her customer in the cache it kept.
        day.keyStore.mode = .readable
        await app.checkPresence()
        guard case .signIn(.signedOut, false) = app.root else {
            throw CheckFailure(description: "present again, an advisor signs in: root is \(app.root)")
        }
        let signIn = app.signInModel()
        signIn.advisorId = day.config.advisorId
        signIn.pin = day.config.pin
        await signIn.submit()
        try check(app.showsCustomerData, "signed in: \(app.root) \(String(describing: signIn.notice))")
        try check(app.lookup.scanned(code: day.config.card), "her card from the cache kept: \(String(describing: app.lookup.notice))")
        try check(app.path == [.customer(id: day.customerId)], "her card opens: \(app.path)")
    }
}

extension Optional {
    func unwrap(_ what: String, line: UInt = #line) throws -> Wrapped {
        guard let self else { throw CheckFailure(description: "line \(line): missing \(what)") }
        return self
    }
}
