// Her notes on the customer screen: the store's advisors' notes (latest first, with author and
// date), a new one typed in place, her wish list, and her timeline (purchases on every channel,
// consent decisions, contacts and bookings, the latest first, merged by the core). Before saving, the core looks for words that may be
// special-category data (health, religion, origin, orientation, politics): the first save
// only warns, a second one saves anyway.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class NotesModel {
    private unowned let app: AppModel
    private let customerId: String
    /// Her notes, the latest first.
    public private(set) var notes: [Note] = []
    /// Her wish list, the latest first.
    public private(set) var wishes: [Wish] = []
    /// Her timeline: her purchases (till, web, app, click-and-collect, returns), her consent
    /// decisions, her contacts (calls, e-mails and SMS, with where sending stands) and her
    /// bookings, the latest first.
    public private(set) var timeline: [TimelineEvent] = []
    /// The store's services, to name a booking's.
    public private(set) var services: [BookableService] = []
    /// The store's time zone, for a booking's time.
    public private(set) var timeZone: TimeZone?
    /// Her contacts, the latest first.
    public var contacts: [OutreachEntry] {
        timeline.compactMap { event in
            if case .contact(let contact) = event { contact } else { nil }
        }
    }
    /// The note being written; changing it withdraws the warning.
    public var draft = "" {
        didSet { if draft != oldValue { flagged = [] } }
    }
    /// The words of the draft the core flagged, after a first save: shown as a warning.
    public private(set) var flagged: [SpecialWord] = []
    /// Why loading or saving failed.
    public private(set) var notice: Notice?

    init(app: AppModel, customerId: String) {
        self.app = app
        self.customerId = customerId
    }

    /// Reads her notes, wishes and timeline again.
    public func load() {
        do {
            notes = try app.handheld.notes(customerId: customerId)
            wishes = try app.handheld.wishes(customerId: customerId)
            timeline = try app.handheld.timeline(customerId: customerId)
            services = try app.handheld.services()
            timeZone = TimeZone(identifier: try app.handheld.storeTimeZone())
            notice = nil
        } catch {
            notice = app.report(error)
        }
    }

    /// Saves the draft; returns whether it was saved. A draft with words the core flags is
    /// saved only at the second call, once the warning was shown.
    @discardableResult
    public func save() -> Bool {
        let found = specialWords(text: draft)
        if !found.isEmpty && flagged.isEmpty {
            flagged = found
            return false
        }
        do {
            _ = try app.handheld.saveNote(customerId: customerId, noteId: nil, text: draft)
            draft = ""
            load()
            return true
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// Deletes one of her notes.
    public func delete(_ note: Note) {
        do {
            try app.handheld.deleteNote(customerId: customerId, noteId: note.id)
            load()
        } catch {
            notice = app.report(error)
        }
    }

    /// Puts a product on her wish list (offline); returns whether the core took it.
    @discardableResult
    public func addWish(productId: String, note: String? = nil) -> Bool {
        do {
            _ = try app.handheld.addWish(customerId: customerId, productId: productId, note: note)
            load()
            return true
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// Takes a product off her wish list.
    public func removeWish(_ wish: Wish) {
        do {
            try app.handheld.removeWish(customerId: customerId, wishId: wish.id)
            load()
        } catch {
            notice = app.report(error)
        }
    }
}
