// Network events for the core: whether NWPathMonitor sees a usable path. Nothing more is read:
// a Wi-Fi name proves nothing (anyone can broadcast one) and the core ignores it by design;
// presence is the store server's signed lease. So the app needs neither the Access Wi-Fi
// Information entitlement nor location permission.

import Network

final class NetworkMonitor: @unchecked Sendable {  // set up once, then only read
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "fr.carnet.network")

    /// Calls `changed(pathAvailable)` on every path change.
    func start(_ changed: @escaping @Sendable (Bool) -> Void) {
        monitor.pathUpdateHandler = { path in
            changed(path.status == .satisfied)
        }
        monitor.start(queue: queue)
    }
}
