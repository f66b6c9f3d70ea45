// Autonomous Single App Mode: the app asks to lock itself in; iOS grants it only on a
// supervised device whose MDM profile lists the app (see ios/MANAGERS.md). The store's MDM
// also pushes the managed app configuration key `CarnetKioskRequired` = true; then a refusal
// means a misconfigured device, and no customer data is shown (the model's KioskStatus).

import CarnetModel
import UIKit

enum Kiosk {
    static let requiredKey = "CarnetKioskRequired"

    @MainActor
    static func request() async -> KioskStatus {
        let managed = ManagedAppConfiguration.current()
        let required = managed?[requiredKey] as? Bool ?? false
        if UIAccessibility.isGuidedAccessEnabled {
            return KioskStatus(required: required, granted: true)
        }
        let granted = await withCheckedContinuation { continuation in
            UIAccessibility.requestGuidedAccessSession(enabled: true) { continuation.resume(returning: $0) }
        }
        return KioskStatus(required: required, granted: granted)
    }
}
