// The app: opens the core with the Keychain key store, forwards the platform's events to the
// model (network path, scene phase, single app mode) and shows the root the core's state says.

import CarnetFFI
import CarnetModel
import SwiftUI

@main
struct CarnetApp: App {
    @State private var app: AppModel?
    @State private var failure: String?
    @Environment(\.scenePhase) private var scenePhase
    private let network = NetworkMonitor()

    var body: some Scene {
        WindowGroup {
            ZStack {
                if let app {
                    RootView(app: app)
                        .task { await follow(app) }
                } else if let failure {
                    ContentUnavailableView("Carnet cannot start", systemImage: "exclamationmark.triangle",
                                           description: Text(failure))
                } else {
                    ProgressView()
                }
                // The app-switcher snapshot is taken while inactive: it shows this, never data.
                if scenePhase != .active {
                    PrivacyCover()
                }
            }
            .task { open() }
            .onChange(of: scenePhase) { _, phase in
                if phase == .background {
                    app?.didEnterBackground()
                }
                if phase == .active, let app {
                    Task { await app.checkPresence() }
                }
            }
        }
    }

    private func open() {
        guard app == nil else { return }
        do {
            let dir = try DataDirectory.url()
            let handheld = try Handheld.open(
                dataDir: dir.path, keyStore: KeychainKeyStore(), appVersion: AppVersion.current)
            app = AppModel(handheld: handheld)
        } catch {
            failure = Notice(error).detail ?? String(describing: type(of: error))
        }
    }

    /// Tells the core whether single app mode is required and then iOS's answer to it,
    /// forwards network changes and proves presence once. Renewing the lease afterwards is the
    /// core's: it wakes as often as the store's lease policy needs.
    private func follow(_ app: AppModel) async {
        let required = Kiosk.required()
        app.kioskChanged(KioskStatus(required: required, granted: nil))
        app.kioskChanged(KioskStatus(required: required, granted: await Kiosk.request()))
        network.start { available in
            Task { @MainActor in await app.networkChanged(pathAvailable: available) }
        }
        await app.checkPresence()
    }
}

/// The app's own version, as the store's managers see it: "1.4 (212)".
enum AppVersion {
    static var current: String {
        let info = Bundle.main.infoDictionary
        let version = info?["CFBundleShortVersionString"] as? String ?? "0"
        let build = info?["CFBundleVersion"] as? String ?? "0"
        return "\(version) (\(build))"
    }
}

/// The device's data folder: Application Support/Carnet, complete file protection, no backup.
enum DataDirectory {
    static func url() throws -> URL {
        var dir = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("Carnet", isDirectory: true)
        try FileManager.default.createDirectory(
            at: dir, withIntermediateDirectories: true,
            attributes: [.protectionKey: FileProtectionType.complete])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        return dir
    }
}
