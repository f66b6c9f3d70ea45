// Scan or search: a scanned card (camera or scanner sled), or a card number typed in the search
// field, goes to the core's card lookup; a name + postal code, phone or e-mail is searched as the
// advisor types. Which search is the advisor's choice.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class LookupModel {
    /// What the search field searches: a card number is looked up when Return ends it (a
    /// handheld without a camera, or whose camera is refused, opens her card this way).
    public enum Mode: String, CaseIterable, Hashable, Sendable {
        case name, phone, email, card
    }

    private unowned let app: AppModel
    /// The search mode.
    public var mode: Mode = .name {
        didSet { queryChanged() }
    }
    /// What the advisor typed (or a scanner sled typed into the search field).
    public var query = "" {
        didSet {
            if query.count > oldValue.count, query.hasPrefix(oldValue) {
                _ = sled.key(.text(String(query.dropFirst(oldValue.count))), at: now())
            } else {
                sled = SledReader()
            }
            queryChanged()
        }
    }
    /// The matches, best first.
    public private(set) var results: [CustomerMatch] = []
    /// The signed-in advisor's client book, shown while nothing is searched.
    public private(set) var book: ClientBook?
    /// How many of her book's customers the home screen lists.
    public var bookLimit: UInt32 = 50
    /// Why the last lookup failed.
    public private(set) var notice: Notice?
    /// The last card scanned, when it is a valid card of no customer: she may be registered
    /// with it.
    public private(set) var unknownCard: String?
    /// Results per search.
    public var limit: UInt32 = 20
    /// Delay after the last keystroke before searching.
    public var debounce: Duration = .milliseconds(120)

    @ObservationIgnored private var pending: Task<Void, Never>?
    /// Tells a scanner sled's keys from the advisor's.
    @ObservationIgnored private var sled = SledReader()
    /// The time of a key or of an edit of the query (the scenarios set their own clock).
    @ObservationIgnored public var now: @MainActor () -> ContinuousClock.Instant = { .now }

    init(app: AppModel) {
        self.app = app
    }

    /// Searches again shortly after the last keystroke (a card number waits for Return).
    private func queryChanged() {
        pending?.cancel()
        if mode == .card {
            results = []
            notice = nil
            return
        }
        let delay = debounce
        pending = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            self?.searchNow()
        }
    }

    /// Searches at once with the current query; a card number opens her card.
    public func searchNow() {
        pending?.cancel()
        let typed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else {
            results = []
            notice = nil
            return
        }
        do {
            switch mode {
            case .name: results = try app.handheld.searchByName(query: typed, limit: limit)
            case .phone: results = try app.handheld.searchByPhone(typed: typed)
            case .email: results = try app.handheld.searchByEmail(typed: typed, limit: limit)
            case .card:
                results = []
                scanned(code: typed)
                return
            }
            notice = results.isEmpty ? Notice(key: "No customer found.") : nil
        } catch {
            results = []
            notice = app.report(error)
        }
    }

    /// A barcode read by the camera or typed: opens her card if the core finds her. A valid
    /// card the core knows no one with is kept in `unknownCard`, to register her.
    @discardableResult
    public func scanned(code: String) -> Bool {
        unknownCard = nil
        do {
            let match = try app.handheld.findByCard(scanned: code)
            notice = nil
            app.openCustomer(id: match.id)
            return true
        } catch let error as CarnetError {
            if case .NotFound = error {
                unknownCard = code
                notice = Notice(key: "No customer has this card.")
            } else {
                notice = app.report(error)
            }
            return false
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// A key pressed on the home screen outside the search field. The Return that ends a
    /// scanner sled's scan opens the customer as a camera scan does: true then (the key is used).
    @discardableResult
    public func keyPressed(_ key: TypedKey) -> Bool {
        guard let code = sled.key(key, at: now()) else { return false }
        scanned(code: code)
        return true
    }

    /// Return in the search field: a code a scanner sled typed into it is scanned, as by the
    /// camera, and the field emptied; what the advisor typed is searched at once (or, a card
    /// number, looked up).
    public func submitted() {
        guard let code = sled.key(.return, at: now()) else {
            searchNow()
            return
        }
        query = ""
        pending?.cancel()
        scanned(code: code)
    }

    /// Opens an empty registration form.
    public func startRegistration() {
        app.startRegistration()
    }

    /// Opens the registration form with the card just scanned.
    public func registerUnknownCard() {
        guard let code = unknownCard else { return }
        unknownCard = nil
        notice = nil
        app.startRegistration(card: code)
    }

    /// Opens a search result.
    public func open(_ match: CustomerMatch) {
        app.openCustomer(id: match.id)
    }

    /// Reads her client book again (after sign-in, after a sync).
    public func loadBook() {
        do {
            book = try app.handheld.myBook(limit: bookLimit)
        } catch {
            book = nil
            notice = app.report(error)
        }
    }

    /// Forgets the query and the results (on lock).
    public func clear() {
        pending?.cancel()
        pending = nil
        if !query.isEmpty { query = "" }
        pending?.cancel()
        results = []
        notice = nil
        unknownCard = nil
        book = nil
    }
}
