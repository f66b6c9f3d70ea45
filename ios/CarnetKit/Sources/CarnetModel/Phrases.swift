// The core's typed explanations (why a product is suggested, why nothing is shown) as phrases of
// the String Catalog with their arguments. Wording only; the reasons are the core's.

import CarnetFFI
import Foundation

/// A String Catalog key with `%@` arguments, resolved in the app's bundle.
public struct Phrase: Equatable, Sendable {
    public let key: String
    public let arguments: [String]

    public init(_ key: String, _ arguments: String...) {
        self.init(key, arguments: arguments)
    }

    public init(_ key: String, arguments: [String]) {
        self.key = key
        self.arguments = arguments
    }

    /// The text in `bundle`'s language (the key itself, in English, when there is no catalog).
    public func text(bundle: Bundle = .main, locale: Locale = .current) -> String {
        let format = bundle.localizedString(forKey: key, value: key, table: nil)
        return String(format: format, locale: locale, arguments: arguments.map { $0 as CVarArg })
    }
}

extension Formatting {
    /// Why this product is suggested.
    public func phrase(_ reason: SuggestionReason) -> Phrase {
        switch reason {
        case .boughtOn(let productName, let date):
            return Phrase("She bought %@ on %@.", productName, day(date))
        case .liked(let productName):
            return Phrase("She liked %@.", productName)
        case .oftenBoughtWith(let productName):
            return Phrase("Often bought with %@, which she bought.", productName)
        case .popularWith(let segment):
            return Phrase("Popular with customers like her (%@).", segment)
        case .popular:
            return Phrase("Popular in the store.")
        }
    }

    /// Why the core shows no suggestions or re-purchases.
    public func phrase(_ withheld: Withheld) -> Phrase {
        switch withheld {
        case .consentWithdrawn:
            return Phrase("She withdrew her consent to personalisation.")
        case .modelNotReceived:
            return Phrase("Suggestions arrive with the next sync.")
        }
    }

    /// Whether she is still a customer, as the core judges it.
    public func phrase(_ activity: Activity) -> Phrase {
        switch activity {
        case .active: return Phrase("Active")
        case .lapsing: return Phrase("Lapsing: she may be drifting away")
        case .lapsed: return Phrase("Lapsed: most likely gone")
        }
    }

    /// When a product is due again, from the core's count of days.
    public func phrase(dueInDays days: Int32, dueOn: String) -> Phrase {
        if days < 0 {
            return Phrase("Overdue since %@", day(dueOn))
        }
        if days == 0 {
            return Phrase("Due today")
        }
        return Phrase("Due on %@", day(dueOn))
    }
}

extension Formatting {
    /// Why an existing customer may be the one being registered.
    public func phrase(_ reason: DuplicateReason) -> Phrase {
        switch reason {
        case .sameEmail: return Phrase("Same e-mail")
        case .samePhone: return Phrase("Same phone")
        case .similarNameSamePostalCode: return Phrase("Similar name, same postal code")
        }
    }

    /// The device's lock state, for the status screens (the reasons are the core's).
    public func phrase(_ state: DeviceState) -> Phrase {
        switch state {
        case .notEnrolled: return Phrase("Not enrolled")
        case .locked(let reason, _): return Phrase("Locked: %@", phrase(reason).text())
        case .unlocked(let advisorId, let advisorName): return Phrase("Unlocked by %@", advisorName ?? advisorId)
        case .shredded(let reason): return Phrase("Erased: %@", phrase(reason).text())
        }
    }

    /// Why the handheld is locked, and what to do.
    public func phrase(_ reason: LockReason) -> Phrase {
        switch reason {
        case .noLease: return Phrase("Connect to the store Wi-Fi.")
        case .leaseExpired: return Phrase("Presence in the store expired: connect to the store Wi-Fi.")
        case .notOnStoreNetwork: return Phrase("Not on the store network.")
        case .signedOut: return Phrase("Sign in.")
        case .inactivity: return Phrase("Locked after inactivity: sign in.")
        case .backgrounded: return Phrase("Locked when Carnet left the screen: sign in.")
        case .unknownDevice:
            return Phrase("The store server does not know this handheld: ask a manager to enrol it again. Its data is kept.")
        case .keyStoreUnavailable:
            return Phrase("The handheld's keys cannot be read yet: unlock it with its passcode. Nothing is lost.")
        case .keyStoreFailed:
            return Phrase("The handheld's keys could not be read. Nothing is lost: check again.")
        case .kioskRequired: return Phrase("Single app mode is required on this handheld.")
        }
    }

    /// Why the handheld's data was erased.
    public func phrase(_ reason: ShredReason) -> Phrase {
        switch reason {
        case .revoked: return Phrase("The store revoked this handheld.")
        case .remoteWipe: return Phrase("The store ordered a remote wipe.")
        case .offNetworkLimit: return Phrase("It was away from the store for too long.")
        }
    }
}

extension Formatting {
    /// What a consent is about. Personalisation is not about a channel (the core keys it by one).
    public func phrase(consentChannel channel: String, purpose: String) -> Phrase {
        switch (purpose, channel) {
        case ("marketing", "email"): return Phrase("Offers and news by e-mail")
        case ("marketing", "sms"): return Phrase("Offers and news by text message")
        case ("marketing", "post"): return Phrase("Offers and news by post")
        case ("marketing", "phone"): return Phrase("Offers and news by phone")
        case ("personalisation", _): return Phrase("Suggestions from her purchases")
        default: return Phrase("%@ · %@", purpose, channel)
        }
    }

    /// Where and when a consent decision was recorded.
    public func phrase(recorded consent: ConsentState) -> Phrase {
        let when = instant(consent.recordedAt)
        switch consent.source {
        case "store": return Phrase("Recorded in store on %@", when)
        case "web": return Phrase("Recorded on the web site on %@", when)
        case "app": return Phrase("Recorded in the brand's app on %@", when)
        default: return Phrase("%@ · %@", consent.source, when)
        }
    }
}

extension Formatting {
    /// Why a task is there (`productName`: the product the reason names, as the core read it).
    public func phrase(_ reason: TaskReason, productName: String?) -> Phrase {
        let product = productName ?? ""
        switch reason {
        case .replenishment(_, let dueOn, let alsoDue) where alsoDue > 0:
            return Phrase("Runs out of %@ around %@, and %@ more.", product, day(dueOn), String(alsoDue))
        case .replenishment(_, let dueOn, _):
            return Phrase("Runs out of %@ around %@.", product, day(dueOn))
        case .lapsing(let lastVisit, let expectedOn):
            return Phrase("Expected back by %@; last visit %@.", day(expectedOn), day(lastVisit))
        case .birthday(let on):
            return Phrase("Birthday on %@.", day(on))
        case .launch(_, let launchOn):
            return Phrase("%@ launches on %@, from a brand she buys.", product, day(launchOn))
        case .campaign(_, let title, let message, let endsOn):
            if let message {
                return Phrase("Campaign “%@” until %@: %@", title, day(endsOn), message)
            }
            return Phrase("Campaign “%@” until %@.", title, day(endsOn))
        case .thankYou(let on, let amountCents, let newTier?):
            return Phrase("Thank her: %@ on %@ made her %@.", money(cents: amountCents), day(on), newTier)
        case .thankYou(let on, let amountCents, nil):
            return Phrase("Thank her: a first visit of %@ on %@.", money(cents: amountCents), day(on))
        }
    }

    /// What has been done with a task; `nil` for an open one.
    public func phrase(_ progress: TaskProgress) -> Phrase? {
        switch progress {
        case .open: return nil
        case .taken(let advisorId): return Phrase("Taken by %@", advisorId)
        case .done(_, let at): return Phrase("Done on %@", instant(at))
        case .snoozed(let until): return Phrase("Snoozed until %@", day(until))
        case .dismissed(let reason): return Phrase("Dismissed: %@", reason)
        }
    }
}
