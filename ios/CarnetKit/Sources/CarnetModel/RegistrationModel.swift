// Registering a new customer at the counter: the form's drafts go to the core as one record,
// whose refusal (`InvalidField`) is shown under the field at fault with the correction it
// offers. While she is typed in, the core's likely duplicates are shown, so that an existing
// customer is opened instead of made twice. Validation and matching are the core's.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class RegistrationModel {
    private unowned let app: AppModel
    /// The loyalty card handed to her (prefilled when an unknown card was scanned).
    public var cardNumber: String
    /// Whether the card number came from a scan (then it is shown, not typed).
    public let cardScanned: Bool
    /// Drafts of the text fields.
    public var drafts: [ContactField: String] {
        didSet { candidateChanged() }
    }
    /// Drafts of the address (the country is the store's, filled in by the core).
    public var line1 = ""
    public var postalCode = "" {
        didSet { candidateChanged() }
    }
    public var city = ""
    /// Inline errors, per field (the core's reasons).
    public private(set) var errors: [ContactField: Notice] = [:]
    /// Inline error of the address.
    public private(set) var addressError: Notice?
    /// Inline error of the card number.
    public private(set) var cardError: Notice?
    /// A failure that is not about one field (a card already taken, a lock).
    public private(set) var notice: Notice?
    /// Existing customers she may be, the most reasons first.
    public private(set) var duplicates: [DuplicateHint] = []
    /// Delay after the last keystroke before looking for duplicates.
    public var debounce: Duration = .milliseconds(200)

    /// The fields, in screen order.
    public static let fields: [ContactField] = [.firstName, .lastName, .email, .phone, .language]

    @ObservationIgnored private var pending: Task<Void, Never>?

    init(app: AppModel, card: String?) {
        self.app = app
        cardNumber = card ?? ""
        cardScanned = card != nil
        drafts = [
            .firstName: "", .lastName: "", .email: "", .phone: "",
            .language: app.formatting.locale.language.languageCode?.identifier ?? "",
        ]
    }

    // MARK: duplicates

    /// Looks for duplicates again shortly after the last keystroke.
    private func candidateChanged() {
        pending?.cancel()
        let delay = debounce
        pending = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            self?.findDuplicatesNow()
        }
    }

    /// Asks the core at once who she may already be.
    public func findDuplicatesNow() {
        pending?.cancel()
        let firstName = typed(.firstName) ?? ""
        let lastName = typed(.lastName) ?? ""
        let email = typed(.email)
        let phone = typed(.phone)
        let postalCode = trimmed(self.postalCode)
        let candidate = CandidateContact(
            customerId: nil, firstName: firstName, lastName: lastName, email: email, phone: phone,
            postalCode: postalCode)
        // Too little typed to look for anyone, as the core says: no hint.
        guard shouldLookForDuplicates(candidate: candidate) else {
            duplicates = []
            return
        }
        do {
            duplicates = try app.handheld.likelyDuplicates(candidate: candidate)
        } catch {
            duplicates = []
            notice = app.report(error)
        }
    }

    /// She is already a customer: opens her card; nothing typed here is kept.
    public func open(_ hint: DuplicateHint) {
        pending?.cancel()
        app.openCustomer(id: hint.customer.id)
    }

    // MARK: registering

    /// Registers her; on success her new card is opened. False if the core found problems
    /// (each shown under its field, all at once) or refused the whole record.
    @discardableResult
    public func register() -> Bool {
        let number = trimmed(cardNumber) ?? ""
        let firstName = typed(.firstName) ?? ""
        let lastName = typed(.lastName) ?? ""
        let email = typed(.email)
        let phone = typed(.phone)
        let language = typed(.language) ?? ""
        let street = trimmed(line1) ?? ""
        let postal = trimmed(postalCode) ?? ""
        let town = trimmed(city) ?? ""
        let customer = NewCustomer(
            card: number, firstName: firstName, lastName: lastName, email: email, phone: phone,
            line1: street, postalCode: postal, city: town, language: language)
        errors = [:]
        addressError = nil
        cardError = nil
        notice = nil
        do {
            // Every problem at once, each under its field, before anything is saved.
            let problems = try app.handheld.registrationProblems(customer: customer)
            guard problems.isEmpty else {
                for problem in problems {
                    show(problem)
                }
                return false
            }
            let id = try app.handheld.registerCustomer(customer: customer)
            pending?.cancel()
            app.openCustomer(id: id)
            return true
        } catch let error as CarnetError {
            show(error)
            return false
        } catch {
            notice = app.report(error)
            return false
        }
    }

    /// Puts one of the core's problems with the form beside the field it is about.
    private func show(_ problem: FormProblem) {
        switch problem {
        case .card(let problem):
            cardError = Notice(problem)
        case .field(let field, let problem, let suggestion):
            show(.InvalidField(field: field, problem: problem, suggestion: suggestion))
        }
    }

    /// Puts the core's refusal beside the field it is about.
    private func show(_ error: CarnetError) {
        let message = app.report(error)
        switch error {
        case .InvalidField(let field, _, _):
            if field == "address" {
                addressError = message
            } else if let contactField = ContactField(wireName: field) {
                errors[contactField] = message
            } else {
                notice = message
            }
        case .InvalidCard:
            cardError = message
        default:
            notice = message
        }
    }

    /// The value the core suggests for `field`, in full (for an e-mail, the address typed
    /// with the suggested domain in place of its own: the core splices it).
    public func suggestedValue(_ field: ContactField) -> String? {
        errors[field]?.corrected(drafts[field] ?? "", field: field)
    }

    /// Takes the correction the core offered for `field` ("gmail.com" for "gmial.com"); the
    /// advisor still registers.
    public func acceptSuggestion(_ field: ContactField) {
        guard let value = suggestedValue(field) else { return }
        drafts[field] = value
        errors[field] = nil
    }

    /// Stops looking for duplicates and forgets them (the form is being dropped).
    func clear() {
        pending?.cancel()
        pending = nil
        duplicates = []
    }

    private func typed(_ field: ContactField) -> String? {
        trimmed(drafts[field] ?? "")
    }

    private func trimmed(_ text: String) -> String? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}

extension ContactField {
    /// The field named by the core in `InvalidField` (`first_name`, `email`, …); nil for
    /// `address` and for names this app does not know.
    public init?(wireName: String) {
        switch wireName {
        case "email": self = .email
        case "phone": self = .phone
        case "language": self = .language
        case "first_name": self = .firstName
        case "last_name": self = .lastName
        default: return nil
        }
    }
}
