// The app's root model: the device state read from the core, the navigation stack, and the
// platform events (network path, background, single app mode) forwarded to the core. Whether the
// device is locked, and whether customer data may be shown, is always the core's answer
// (`state()`), never decided here.

import CarnetFFI
import Foundation
import Observation

@MainActor
@Observable
public final class AppModel {
    /// The core's handheld object.
    public let handheld: any HandheldProtocol
    /// Formatting for the advisor's locale.
    public let formatting: Formatting
    /// The device state, as last read from the core.
    public private(set) var device: DeviceState
    /// Device id, store and lock state, as last read from the core (for the status screens).
    public private(set) var status: DeviceStatus
    /// The home navigation stack. Leaving the registration form forgets what was typed in it.
    public var path: [Route] = [] {
        didSet {
            if !path.contains(.newCustomer) { dropRegistration() }
        }
    }
    /// The last message for the advisor, shown as a banner.
    public var notice: Notice?

    /// Scan or search (observable itself; set once in `init`).
    @ObservationIgnored public private(set) var lookup: LookupModel!
    /// Sync status and progress (observable itself; set once in `init`).
    @ObservationIgnored public private(set) var sync: SyncModel!
    /// The customer being shown, if any (one at a time: nothing else is kept in memory).
    public private(set) var customer: CustomerModel?
    /// The new customer being registered, if the form is open.
    public private(set) var registration: RegistrationModel?

    public init(handheld: any HandheldProtocol, formatting: Formatting = Formatting()) {
        self.handheld = handheld
        self.formatting = formatting
        let status = handheld.deviceStatus()
        self.status = status
        self.device = status.state
        self.lookup = LookupModel(app: self)
        self.sync = SyncModel(app: self)
        // The core locks by itself too (idle timeout, lease expiry, wipe): follow it.
        handheld.subscribe(observer: DeviceBridge(app: self))
    }

    /// Which root screen to show.
    public var root: RootScreen {
        switch device {
        case .notEnrolled:
            return .enrolment
        case .locked(.kioskRequired, _):
            return .kioskRequired
        case .locked(let reason, let needsPresence):
            return .signIn(reason: reason, needsPresence: needsPresence)
        case .unlocked(let advisorId, let advisorName):
            return .home(advisorId: advisorId, advisorName: advisorName)
        case .shredded(let reason):
            return .wiped(reason: reason)
        }
    }

    /// Whether customer data may be on screen now.
    public var showsCustomerData: Bool {
        if case .home = root { return true }
        return false
    }

    /// Reads the device state again; leaving the unlocked state forgets every customer shown.
    public func refresh() {
        follow(handheld.state())
    }

    /// Shows `state`, the core's answer to a call or a change it announced.
    public func follow(_ state: DeviceState) {
        device = state
        status = handheld.deviceStatus()
        if !showsCustomerData {
            forgetCustomerData()
        }
    }

    /// Empties the stack and every model holding customer data.
    public func forgetCustomerData() {
        path = []
        customer = nil
        lookup.clear()
    }

    /// The message for a failed call; a lock error also brings the lock screen.
    @discardableResult
    public func report(_ error: any Error) -> Notice {
        if Notice.isLock(error) {
            refresh()
        }
        return Notice(error)
    }

    // MARK: platform events

    /// The network path changed (from `NWPathMonitor`). No Wi-Fi name goes with it: the core
    /// ignores it by design (a name proves nothing), and reading it would need location
    /// permission.
    public func networkChanged(pathAvailable: Bool) async {
        do {
            follow(try await handheld.networkChanged(
                event: NetworkEvent(pathAvailable: pathAvailable, wifiHint: nil)))
        } catch {
            notice = report(error)
            refresh()
        }
    }

    /// Asks the store server for a presence lease now (at start, and periodically while active).
    public func checkPresence() async {
        do {
            follow(try await handheld.checkPresence())
        } catch {
            notice = report(error)
            refresh()
        }
    }

    /// The app went to the background: the core locks; what was shown is forgotten.
    public func didEnterBackground() {
        handheld.backgrounded()
        forgetCustomerData()
        refresh()
    }

    /// The advisor signs out.
    public func signOut() {
        handheld.signOut()
        forgetCustomerData()
        refresh()
    }

    /// The platform reports single app mode: whether the store requires it (the managed app
    /// configuration) and, once asked, whether iOS granted it. The core decides what it means.
    public func kioskChanged(_ status: KioskStatus) {
        follow(handheld.kioskChanged(status: status))
    }

    // MARK: navigation

    /// Opens a customer (from a scan, a search result, a duplicate hint or a registration):
    /// a new opening of her card, recorded by the core for the store's audit.
    public func openCustomer(id: String) {
        if let customer, customer.id == id {
            customer.reopen()
        } else {
            customer = nil
        }
        path = [.customer(id: id)]
    }

    /// Opens an empty registration form, or one for the card just scanned.
    public func startRegistration(card: String? = nil) {
        dropRegistration()
        registration = RegistrationModel(app: self, card: card)
        path = [.newCustomer]
    }

    /// Forgets the registration form and what was typed in it.
    private func dropRegistration() {
        registration?.clear()
        registration = nil
    }

    /// The model of the customer screen for `id`, created when first asked.
    public func customerModel(id: String) -> CustomerModel {
        if let customer, customer.id == id {
            return customer
        }
        let model = CustomerModel(app: self, id: id)
        customer = model
        return model
    }

    /// Enrolment screen model.
    public func enrolmentModel() -> EnrolmentModel { EnrolmentModel(app: self) }
    /// Sign-in screen model.
    public func signInModel() -> SignInModel { SignInModel(app: self) }
    /// Outbox screen model.
    public func outboxModel() -> OutboxModel { OutboxModel(app: self) }
    /// Tasks screen model.
    public func tasksModel() -> TasksModel { TasksModel(app: self) }
    /// The store's day list, from today.
    public func appointmentsModel() -> AppointmentsModel { AppointmentsModel(app: self, customerId: nil) }
}

/// Hears the core's state changes on its threads and hands them to the main actor. Holds the
/// app weakly: the core keeps the observer, and a Rust↔Swift cycle would never be freed.
final class DeviceBridge: DeviceObserver {
    @MainActor private final class Weak {
        weak var app: AppModel?
        init(_ app: AppModel) { self.app = app }
    }

    private let target: Weak

    @MainActor
    init(app: AppModel) {
        target = Weak(app)
    }

    func stateChanged(state: DeviceState) {
        Task { @MainActor [target] in target.app?.follow(state) }
    }
}
