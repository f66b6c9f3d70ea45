// Contact edit: one draft per field; saving a field sends it to the core, whose refusal
// (`InvalidInput{reason}`) is shown under that field. Validation is the core's. Her consents:
// every choice the core lists, answered or not asked yet (see `ConsentRow`), each recorded yes
// or no through the core.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class ContactEditModel {
    private unowned let app: AppModel
    private unowned let customer: CustomerModel
    /// Drafts of the text fields, from her card.
    public var drafts: [ContactField: String]
    /// Drafts of the address.
    public var line1: String
    public var postalCode: String
    public var city: String
    public var country: String
    /// Inline errors, per field (the core's reasons).
    public private(set) var errors: [ContactField: Notice] = [:]
    /// Inline error of the address.
    public private(set) var addressError: Notice?
    /// Every consent to ask her about, in the core's order, each with her recorded answer.
    public private(set) var consents: [ConsentRow]
    /// Fields saved since the screen opened, for a check mark.
    public private(set) var saved: Set<ContactField> = []
    /// A failure that is not about one field.
    public private(set) var notice: Notice?

    /// The fields, in screen order.
    public static let fields: [ContactField] = [.firstName, .lastName, .email, .phone, .language]

    init(app: AppModel, customer: CustomerModel, card: CustomerCard) {
        self.app = app
        self.customer = customer
        drafts = [
            .firstName: card.firstName,
            .lastName: card.lastName,
            .email: card.contact.email ?? "",
            .phone: card.contact.phone ?? "",
            .language: card.contact.language,
        ]
        line1 = card.contact.line1
        postalCode = card.contact.postalCode
        city = card.contact.city
        country = card.contact.country
        consents = consentForm(recorded: card.consents)
    }

    /// Saves one field (an empty draft clears it); true if the core accepted it.
    @discardableResult
    public func save(_ field: ContactField) -> Bool {
        let draft = (drafts[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try app.handheld.editContact(
                customerId: customer.id, field: field, value: draft.isEmpty ? nil : draft)
            errors[field] = nil
            saved.insert(field)
            customer.reload()
            return true
        } catch {
            errors[field] = app.report(error)
            saved.remove(field)
            return false
        }
    }

    /// The value the core suggests for `field`, in full (for an e-mail, the address typed
    /// with the suggested domain in place of its own: the core splices it).
    public func suggestedValue(_ field: ContactField) -> String? {
        errors[field]?.corrected(drafts[field] ?? "", field: field)
    }

    /// Takes the correction the core offered for `field` ("gmail.com" for "gmial.com"); the
    /// advisor still saves it.
    public func acceptSuggestion(_ field: ContactField) {
        guard let value = suggestedValue(field) else { return }
        drafts[field] = value
        errors[field] = nil
    }

    /// Saves the postal address; true if the core accepted it.
    @discardableResult
    public func saveAddress() -> Bool {
        let address = Address(line1: line1, postalCode: postalCode, city: city, country: country)
        do {
            _ = try app.handheld.editAddress(customerId: customer.id, address: address)
            addressError = nil
            customer.reload()
            return true
        } catch {
            addressError = app.report(error)
            return false
        }
    }

    /// Records her answer to one consent (asked for the first time, or changed).
    public func record(_ row: ConsentRow, granted: Bool) {
        setConsent(channel: row.channel, purpose: row.purpose, granted: granted)
    }

    /// Records a consent given or withdrawn at the counter; the rows show her card afterwards.
    public func setConsent(channel: String, purpose: String, granted: Bool) {
        do {
            _ = try app.handheld.recordConsent(
                customerId: customer.id, channel: channel, purpose: purpose, granted: granted)
            customer.reload()
            if customer.card != nil {
                consents = customer.consents
            }
            notice = nil
        } catch {
            notice = app.report(error)
        }
    }
}

@MainActor
@Observable
public final class OutboxModel {
    private unowned let app: AppModel
    /// Edits waiting for the server, then those it refused.
    public private(set) var entries: [OutboxEntry] = []
    /// Why loading failed.
    public private(set) var notice: Notice?

    init(app: AppModel) {
        self.app = app
    }

    /// Loads the outbox.
    public func load() {
        do {
            entries = try app.handheld.outbox()
            notice = nil
        } catch {
            notice = app.report(error)
        }
    }

    /// Removes a refused edit the advisor has read.
    public func dismiss(_ entry: OutboxEntry) {
        do {
            try app.handheld.dismissRejected(seq: entry.seq)
            load()
        } catch {
            notice = app.report(error)
        }
    }
}
