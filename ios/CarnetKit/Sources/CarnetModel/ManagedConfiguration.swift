// The managed app configuration (AppConfig) the store's MDM pushes to the app: a dictionary in
// the app's user defaults. Carnet reads two keys from it: CarnetKioskRequired (single app mode,
// see Kiosk.swift) and CarnetEnrolment (the enrolment text, as the QR code carries it).

import Foundation

public enum ManagedAppConfiguration {
    /// Where iOS puts the configuration in the app's user defaults.
    public static let userDefaultsKey = "com.apple.configuration.managed"

    /// The configuration, or nil on a device no MDM configures (development, the simulator).
    public static func current(_ defaults: UserDefaults = .standard) -> [String: Any]? {
        defaults.dictionary(forKey: userDefaultsKey)
    }
}
