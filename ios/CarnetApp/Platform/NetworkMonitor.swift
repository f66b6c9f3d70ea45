// Network events for the core: NWPathMonitor's path, plus the Wi-Fi name as a hint only (anyone
// can broadcast a name; presence is proven by the store server's lease).
//
// The Wi-Fi name needs the "Access Wi-Fi Information" entitlement
// (com.apple.developer.networking.wifi-info, in Carnet.entitlements) and, since iOS 13, location
// permission or a network configured by the app or MDM; without them the hint is nil and the
// lease alone decides.

import Network
import NetworkExtension

final class NetworkMonitor: @unchecked Sendable {  // set up once, then only read
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "fr.carnet.network")

    /// Calls `changed(pathAvailable, wifiHint)` on every path change.
    func start(_ changed: @escaping @Sendable (Bool, String?) -> Void) {
        monitor.pathUpdateHandler = { path in
            let available = path.status == .satisfied
            guard available, path.usesInterfaceType(.wifi) else {
                changed(available, nil)
                return
            }
            NEHotspotNetwork.fetchCurrent { network in
                changed(true, network?.ssid)
            }
        }
        monitor.start(queue: queue)
    }
}
