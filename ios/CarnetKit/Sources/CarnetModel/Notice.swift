// What the app tells the advisor when a call fails or something happened: a key of the String
// Catalog with its arguments (the core's typed reasons, worded here), and, where the core gave
// one, its reason (never personal data, by the ffi's contract).

import CarnetFFI
import Foundation

/// A message for the advisor: `key` is a String Catalog key (English source text) with `%@`
/// arguments, `detail` the core's reason when it has one.
public struct Notice: Equatable, Sendable {
    /// The String Catalog key.
    public let key: String
    /// The key's arguments.
    public let arguments: [String]
    /// The core's reason, shown under the message.
    public let detail: String?
    /// A likely correction the core offers ("gmial.com" → "gmail.com"), for a field.
    public let suggestion: String?

    public init(key: String, arguments: [String] = [], detail: String? = nil, suggestion: String? = nil) {
        self.key = key
        self.arguments = arguments
        self.detail = detail
        self.suggestion = suggestion
    }

    /// The message in the app's language.
    public var phrase: Phrase { Phrase(key, arguments: arguments) }

    /// The message for an error thrown by the ffi (or anything else).
    public init(_ error: any Error) {
        guard let error = error as? CarnetError else {
            self.init(key: "Something went wrong.")
            return
        }
        switch error {
        case .Locked: self.init(key: "The handheld is locked.")
        case .NotEnrolled: self.init(key: "This handheld is not enrolled.")
        case .NotFound: self.init(key: "Not found.")
        case .InvalidCard(let problem): self.init(problem)
        case .InvalidInput(let reason): self.init(key: "Please check this value.", detail: reason)
        case .InvalidField(_, let problem, let suggestion): self.init(problem, suggestion: suggestion)
        case .AppointmentRefused(let refusal): self.init(refusal)
        case .TaskTaken(let advisorId): self.init(key: "Another advisor took this task first.", detail: advisorId)
        case .ContactRefused(.noConsent): self.init(key: "She has not consented to be contacted this way.")
        case .ContactRefused(.noAddress): self.init(key: "No address for this channel is on file.")
        case .ContactRefused(.quietPeriod(let lastContact, _)):
            self.init(key: "She was contacted within the store's quiet period.", detail: lastContact)
        case .NotOnStoreNetwork: self.init(key: "Not on the store network.")
        case .KioskRequired: self.init(key: "Single app mode is required on this handheld.")
        case .KeyStoreUnavailable:
            self.init(key: "The handheld's keys cannot be read yet: unlock it with its passcode, then try again.")
        case .Network(let problem): self.init(problem)
        case .UpgradeRequired(let reason): self.init(key: "Please update Carnet.", detail: reason)
        case .Refused(let refusal): self.init(refusal)
        case .Storage(let reason): self.init(key: "The handheld's storage failed.", detail: reason)
        case .Cancelled: self.init(key: "Cancelled.")
        }
    }

    /// What went wrong with the store's server.
    public init(_ problem: NetworkProblem) {
        switch problem {
        case .timedOut: self.init(key: "The store server did not answer in time.")
        case .cannotConnect: self.init(key: "The store server cannot be reached.")
        case .connectionLost: self.init(key: "The connection to the store server was lost.")
        case .requestFailed: self.init(key: "The request to the store server failed.")
        case .untrustedAnswer: self.init(key: "The answer was not the store server's: nothing was changed.")
        case .serverError(let status, let code):
            self.init(key: "The store server answered with an error (%@ %@).", arguments: [String(status), code])
        case .outOfStep: self.init(key: "The handheld is out of step with the store server: sync again.")
        }
    }

    /// Why a card number is refused.
    public init(_ problem: CardProblem) {
        switch problem {
        case .empty: self.init(key: "Nothing was read: scan or type the card.")
        case .notDigits: self.init(key: "A card number has only digits.")
        case .wrongLength(let digits):
            self.init(key: "A card has 13 digits, this one %@.", arguments: [String(digits)])
        case .badCheckDigit: self.init(key: "The card number does not check out: mistyped or misread.")
        case .alreadyRegistered: self.init(key: "A customer already has this card: look her up.")
        }
    }

    /// Why a contact field's value is refused, with the correction the core offers, if any.
    public init(_ problem: FieldProblem, suggestion: String? = nil) {
        let key: String
        var arguments: [String] = []
        switch problem {
        case .required: key = "Required."
        case .cityRequired: key = "The city is required."
        case .notText: key = "This field takes text."
        case .tooLong(let maxChars):
            key = "At most %@ characters."
            arguments = [String(maxChars)]
        case .emailHasSpaces: key = "An e-mail address has no spaces."
        case .emailNeedsAt: key = "An e-mail address needs an @."
        case .emailHasSeveralAt: key = "An e-mail address has a single @."
        case .emailLocalPart: key = "The part before the @ is not valid."
        case .emailDomain: key = "The domain after the @ is not valid (e.g. gmail.com)."
        case .emailDomainMistyped: key = "The domain looks mistyped."
        case .phoneHasLetters: key = "A phone number has no letters."
        case .phoneTooShort: key = "The number is too short."
        case .phoneNotOfCountry(let country):
            key = "Not a phone number of %@ (or give its +country prefix)."
            arguments = [country]
        case .notALanguage: key = "Not a language code (two letters: fr, it, en)."
        case .nameNeedsLetters: key = "A name needs letters."
        case .nameHasDigits: key = "A name has no digits."
        case .nameHasSymbols: key = "A name has only letters, spaces, apostrophes, hyphens and dots."
        case .unknownCountry: key = "Not a country code (two letters, e.g. FR)."
        case .notAPostalCode(let country, let example):
            if let example {
                key = "Not a postal code of %@ (e.g. %@)."
                arguments = [country, example]
            } else {
                key = "Not a postal code of %@."
                arguments = [country]
            }
        }
        self.init(key: key, arguments: arguments, suggestion: suggestion)
    }

    /// Why the store server (or the core) refused.
    public init(_ refusal: Refusal) {
        switch refusal {
        case .wrongPin: self.init(key: "Wrong advisor ID or PIN.")
        case .lockedOut(let seconds):
            // Whole minutes, rounded up: "1" for 45 seconds.
            self.init(key: "Too many failed sign-ins. Try again in %@ min.",
                      arguments: [String((seconds + 59) / 60)])
        case .badEnrollmentCode: self.init(key: "This enrolment code is unknown, used or expired.")
        case .alreadyEnrolled: self.init(key: "This handheld is enrolled already.")
        case .wiped: self.init(key: "This handheld's data was erased.")
        case .deviceNotAccepted: self.init(key: "The store server does not accept this handheld.")
        case .otherStore: self.init(key: "This handheld may not read that store.")
        }
    }

    /// Why a booking is refused.
    public init(_ refusal: AppointmentRefusal) {
        switch refusal {
        case .unknownService: self.init(key: "This store does not offer that service.")
        case .unknownAdvisor: self.init(key: "No such advisor in this store.")
        case .unknownResource: self.init(key: "No such cabin or chair.")
        case .unknownTimeZone: self.init(key: "The store's time zone is unknown.")
        case .unreadableHours: self.init(key: "The store's or the advisor's hours cannot be read.")
        case .timeWithoutZone: self.init(key: "A time needs its time zone.")
        case .unreadableTime: self.init(key: "That is not a time.")
        case .localTimeSkipped: self.init(key: "That time does not exist that day: the clocks go forward.")
        case .localTimeTwice: self.init(key: "That time happens twice that day: the clocks go back.")
        case .longerThanTheStoreDay(let duration, let longest):
            self.init(key: "The service (%@ min) is longer than the store's day (%@ min).",
                      arguments: [String(duration), String(longest)])
        case .advisorLacksSpecialty(let specialty):
            self.init(key: "The advisor is not trained for this service.", detail: specialty)
        case .inThePast: self.init(key: "That time has passed.")
        case .tooShortNotice: self.init(key: "Too short notice for this service.")
        case .closedDay(let day): self.init(key: "The store is closed on %@.", arguments: [day])
        case .outsideOpeningHours: self.init(key: "Outside the store's opening hours.")
        case .advisorNotWorking: self.init(key: "The advisor does not work then.")
        case .advisorBusy: self.init(key: "The advisor is booked then.")
        case .customerBusy: self.init(key: "She is booked then.")
        case .resourceBusy(let kind): self.init(key: "No cabin or chair is free then.", detail: kind)
        case .notStartedYet: self.init(key: "The appointment has not started yet.")
        case .alreadyClosed: self.init(key: "The appointment is cancelled, done or missed already.")
        case .notConfirmedYet: self.init(key: "The store has not confirmed the appointment yet.")
        }
    }

    /// `draft` with the suggestion taken, if there is one: the value the core says the
    /// suggestion stands for (for an e-mail, the address with the suggested domain).
    public func corrected(_ draft: String, field: ContactField) -> String? {
        guard let suggestion else { return nil }
        return correctedValue(field: field, typed: draft, suggestion: suggestion)
    }

    /// Whether the error means the device locked itself (the app must show the lock screen).
    public static func isLock(_ error: any Error) -> Bool {
        guard let error = error as? CarnetError else { return false }
        switch error {
        case .Locked, .NotEnrolled, .NotOnStoreNetwork, .KioskRequired: return true
        default: return false
        }
    }
}
