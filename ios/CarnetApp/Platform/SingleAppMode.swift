// Autonomous Single App Mode: the app asks to lock itself in; iOS grants it only on a
// supervised device whose MDM profile lists the app (see ios/MANAGERS.md). The store's MDM
// also pushes the managed app configuration key `CarnetKioskRequired` = true. Both facts go to
// the core, which decides: required and not granted, no customer data.

import CarnetFFI
import CarnetModel
import UIKit

enum Kiosk {
    static let requiredKey = "CarnetKioskRequired"

    /// Whether the store's MDM requires single app mode on this handheld.
    static func required() -> Bool {
        ManagedAppConfiguration.current()?[requiredKey] as? Bool ?? false
    }

    /// Asks iOS for single app mode; its answer.
    @MainActor
    static func request() async -> Bool {
        if UIAccessibility.isGuidedAccessEnabled {
            return true
        }
        return await withCheckedContinuation { continuation in
            UIAccessibility.requestGuidedAccessSession(enabled: true) { continuation.resume(returning: $0) }
        }
    }
}
