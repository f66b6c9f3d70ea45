// Autonomous single app mode (Guided Access requested by the app), as the platform reports it.
// The rule is the issue's: refused on a managed (supervised) device → show no customer data.

import Foundation

/// What the platform said about single app mode.
public struct KioskStatus: Equatable, Sendable {
    /// Whether the device is managed with the kiosk requirement (managed app configuration
    /// `CarnetKioskRequired`, pushed by the store's MDM).
    public var required: Bool
    /// The answer of `UIAccessibility.requestGuidedAccessSession(enabled: true)`; `nil` before.
    public var granted: Bool?

    public init(required: Bool = false, granted: Bool? = nil) {
        self.required = required
        self.granted = granted
    }

    /// Customer data may be shown: not required, or granted.
    public var allowsCustomerData: Bool {
        !required || granted == true
    }
}
