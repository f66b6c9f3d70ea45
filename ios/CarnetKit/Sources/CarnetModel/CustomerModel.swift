// One customer's screen: her card (opening it is recorded by the core for the store's audit),
// history, playlist, re-purchase list and offers. Each tab shows what the core returns.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class CustomerModel {
    private unowned let app: AppModel
    /// Customer id.
    public let id: String
    /// The tab shown.
    public var tab: CustomerTab = .card
    /// Her card, once loaded.
    public private(set) var card: CustomerCard?
    /// Her next-visit forecast, when the core can make one (consent, model, history).
    public private(set) var forecast: VisitForecast?
    /// Why there is no forecast, when the core withholds it (consent, model); none with no
    /// forecast means she has too little history for one.
    public private(set) var forecastWithheld: Withheld?
    /// Why loading failed.
    public private(set) var notice: Notice?

    /// History with search.
    @ObservationIgnored public private(set) var history: HistoryModel!
    /// Suggestions with like / doesn't like.
    @ObservationIgnored public private(set) var playlist: PlaylistModel!
    /// What she is due to buy again.
    @ObservationIgnored public private(set) var repurchase: RepurchaseModel!
    /// The store's advisors' notes on her.
    @ObservationIgnored public private(set) var notes: NotesModel!
    /// Her appointments, and booking one.
    @ObservationIgnored public private(set) var appointments: AppointmentsModel!
    /// The contact and consent form, made on first use and kept.
    @ObservationIgnored private var contactForm: ContactEditModel?
    /// Whether her card was opened since `AppModel.openCustomer` last opened it.
    @ObservationIgnored private var opened = false

    init(app: AppModel, id: String) {
        self.app = app
        self.id = id
        history = HistoryModel(app: app, customerId: id)
        playlist = PlaylistModel(app: app, customerId: id)
        repurchase = RepurchaseModel(app: app, customerId: id)
        notes = NotesModel(app: app, customerId: id)
        appointments = AppointmentsModel(app: app, customerId: id)
    }

    /// Opens her card, with her visit forecast. The first load is her card's opening, which
    /// the core records for the store's audit; every later one (the screen shown again after
    /// an edit) reads it again and records nothing.
    public func load() {
        do {
            card = try opened
                ? app.handheld.reloadCard(customerId: id) : app.handheld.openCard(customerId: id)
            opened = true
            notice = nil
        } catch {
            card = nil
            forecast = nil
            forecastWithheld = nil
            notice = app.report(error)
            return
        }
        do {
            let answer = try app.handheld.visitForecast(customerId: id)
            forecast = answer.forecast
            forecastWithheld = answer.withheld
        } catch {
            forecast = nil
            forecastWithheld = nil
            notice = app.report(error)
        }
    }

    /// Her active offers, as on her card.
    public var offers: [ActiveOffer] { card?.activeOffers ?? [] }

    /// Every consent to ask her about, each with her recorded answer or not asked yet (the
    /// core's consent form).
    public var consents: [ConsentRow] {
        consentForm(recorded: card?.consents ?? [])
    }

    /// Whether some consent has not been asked yet (all of them for a customer just registered).
    public var hasConsentsToAsk: Bool {
        card != nil && consents.contains { $0.answer == .notAsked }
    }

    /// "Prénom Nom".
    public var displayName: String {
        guard let card else { return "" }
        return "\(card.firstName) \(card.lastName)"
    }

    /// The contact edit screen's model, from the card shown.
    public func contactModel() -> ContactEditModel? {
        // One form per customer screen: SwiftUI re-evaluates a destination whenever it likes,
        // and a fresh form each time would drop what she is typing.
        if let contactForm { return contactForm }
        guard let card else { return nil }
        let form = ContactEditModel(app: app, customer: self, card: card)
        contactForm = form
        return form
    }

    /// Her card is opened again (a scan, a search): the next load is a new opening.
    func reopen() {
        opened = false
    }

    /// Reads the card again after an edit (the core applies edits at once); the opening was
    /// recorded once and this records nothing.
    func reload() {
        if let fresh = try? app.handheld.reloadCard(customerId: id) {
            card = fresh
        }
    }
}

@MainActor
@Observable
public final class HistoryModel {
    private unowned let app: AppModel
    private let customerId: String
    /// Free text: product name, shade, brand, category.
    public var text = ""
    /// Only this category (one of her top categories).
    public var categoryId: String?
    /// Only this brand (one of her top brands).
    public var brandId: String?
    /// Lines loaded so far, newest first.
    public private(set) var lines: [HistoryLine] = []
    /// Whether more lines can be loaded.
    public private(set) var hasMore = false
    /// Why loading failed.
    public private(set) var notice: Notice?
    @ObservationIgnored private var nextOffset: UInt32?

    init(app: AppModel, customerId: String) {
        self.app = app
        self.customerId = customerId
    }

    private func query(offset: UInt32) -> HistoryQuery {
        let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return HistoryQuery(
            categoryId: categoryId, brandId: brandId, text: typed.isEmpty ? nil : typed,
            offset: offset, pageSize: 0)
    }

    /// Loads the first page for the current filters.
    public func load() {
        fetch(offset: 0, appending: false)
    }

    /// Loads the next page.
    public func loadMore() {
        guard let nextOffset else { return }
        fetch(offset: nextOffset, appending: true)
    }

    private func fetch(offset: UInt32, appending: Bool) {
        do {
            let page = try app.handheld.history(customerId: customerId, query: query(offset: offset))
            lines = appending ? lines + page.lines : page.lines
            nextOffset = page.nextOffset
            hasMore = page.nextOffset != nil
            notice = lines.isEmpty ? Notice(key: "No purchase matches.") : nil
        } catch {
            notice = app.report(error)
        }
    }

    /// Marks a line as a gift (or not); gifts never shape her profile (the core's rule).
    public func setGift(_ line: HistoryLine, gift: Bool) {
        do {
            _ = try app.handheld.setGift(purchaseId: line.id, gift: gift)
            load()
        } catch {
            notice = app.report(error)
        }
    }
}

@MainActor
@Observable
public final class PlaylistModel {
    private unowned let app: AppModel
    private let customerId: String
    /// Suggestions shown.
    public var limit: UInt32 = 10
    /// The core's playlist.
    public private(set) var playlist: Playlist?
    /// The last verdict recorded, for a short confirmation.
    public private(set) var lastVerdict: (productId: String, verdict: Verdict)?
    /// Why loading or recording failed.
    public private(set) var notice: Notice?

    init(app: AppModel, customerId: String) {
        self.app = app
        self.customerId = customerId
    }

    /// The suggestions (empty when the core withholds them; see `withheld`).
    public var suggestions: [Suggestion] { playlist?.suggestions ?? [] }
    /// Why the core shows no suggestions, if it says.
    public var withheld: Withheld? { playlist?.withheld }

    /// Loads the playlist.
    public func load() {
        do {
            playlist = try app.handheld.playlist(customerId: customerId, limit: limit)
            notice = nil
        } catch {
            notice = app.report(error)
        }
    }

    /// She likes it.
    public func like(_ suggestion: Suggestion) { give(.like, suggestion) }
    /// She does not like it.
    public func dislike(_ suggestion: Suggestion) { give(.dislike, suggestion) }

    /// Records her verdict and reloads: the core changes the next playlist at once, offline.
    public func give(_ verdict: Verdict, _ suggestion: Suggestion) {
        do {
            _ = try app.handheld.giveFeedback(
                customerId: customerId, productId: suggestion.productId, verdict: verdict)
            lastVerdict = (suggestion.productId, verdict)
            load()
        } catch {
            notice = app.report(error)
        }
    }
}

@MainActor
@Observable
public final class RepurchaseModel {
    private unowned let app: AppModel
    private let customerId: String
    /// What she is due to buy again, as the core ranks it.
    public private(set) var items: [RepurchaseItem] = []
    /// Why the core shows nothing, if it says.
    public private(set) var withheld: Withheld?
    /// Why loading failed.
    public private(set) var notice: Notice?

    init(app: AppModel, customerId: String) {
        self.app = app
        self.customerId = customerId
    }

    /// Loads the list.
    public func load() {
        do {
            let list = try app.handheld.repurchase(customerId: customerId)
            items = list.items
            withheld = list.withheld
            notice = items.isEmpty && withheld == nil ? Notice(key: "Nothing due.") : nil
        } catch {
            notice = app.report(error)
        }
    }
}
