// What the app tells the advisor when a call fails or something happened: a key of the String
// Catalog and, where the core gave one, its reason (never personal data, by the ffi's contract).

import CarnetFFI
import Foundation

/// A message for the advisor: `key` is a String Catalog key (English source text), `detail` the
/// core's reason when it has one.
public struct Notice: Equatable, Sendable {
    /// The String Catalog key.
    public let key: String
    /// The core's reason, shown under the message.
    public let detail: String?
    /// A likely correction the core offers ("gmial.com" → "gmail.com"), for a field.
    public let suggestion: String?

    public init(key: String, detail: String? = nil, suggestion: String? = nil) {
        self.key = key
        self.detail = detail
        self.suggestion = suggestion
    }

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
        case .InvalidCard(let reason): self.init(key: "This is not a loyalty card.", detail: reason)
        case .InvalidInput(let reason): self.init(key: "Please check this value.", detail: reason)
        case .InvalidField(_, let reason, let suggestion):
            self.init(key: "Please check this value.", detail: reason, suggestion: suggestion)
        case .NotOnStoreNetwork: self.init(key: "Not on the store network.")
        case .Network(let reason): self.init(key: "The store server cannot be reached.", detail: reason)
        case .UpgradeRequired(let reason): self.init(key: "Please update Carnet.", detail: reason)
        case .Refused(let reason): self.init(key: "Refused by the store server.", detail: reason)
        case .Storage(let reason): self.init(key: "The handheld's storage failed.", detail: reason)
        case .Cancelled: self.init(key: "Cancelled.")
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
        case .Locked, .NotEnrolled, .NotOnStoreNetwork: return true
        default: return false
        }
    }
}
