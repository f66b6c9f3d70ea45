// What the scenarios need: their configuration (a real sync server, set up by
// scripts/swift-check.sh or scripts/ios-test.sh), an in-memory key store, a card no one has,
// and checks.

import CarnetFFI
import CarnetModel
import Foundation

/// Where the scenarios find the store server and the data they use.
public struct ScenarioConfig: Sendable {
    /// The enrolment QR payload (`carnet-enroll:?code=…&pin=…&server=…`).
    public var qrPayload: String
    /// A second enrolment payload, for a handheld the MDM enrols (codes are one-time).
    public var managedPayload: String
    /// An advisor of the store and her PIN.
    public var advisorId: String
    public var pin: String
    /// A loyalty card of a customer of the store with purchases.
    public var card: String
    /// An empty folder for the device's data.
    public var deviceDir: String

    public init(
        qrPayload: String, managedPayload: String, advisorId: String, pin: String, card: String, deviceDir: String
    ) {
        self.qrPayload = qrPayload
        self.managedPayload = managedPayload
        self.advisorId = advisorId
        self.pin = pin
        self.card = card
        self.deviceDir = deviceDir
    }

    /// From `CARNET_QR`, `CARNET_MDM_QR`, `CARNET_ADVISOR`, `CARNET_PIN`, `CARNET_CARD` and
    /// `CARNET_DEVICE_DIR` (a fresh temporary folder if unset).
    public static func fromEnvironment() -> ScenarioConfig? {
        let env = ProcessInfo.processInfo.environment
        guard let qr = env["CARNET_QR"], let managed = env["CARNET_MDM_QR"], let advisor = env["CARNET_ADVISOR"],
              let pin = env["CARNET_PIN"], let card = env["CARNET_CARD"]
        else { return nil }
        let dir = env["CARNET_DEVICE_DIR"]
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("carnet-device-\(UUID().uuidString)")
        return ScenarioConfig(
            qrPayload: qr, managedPayload: managed, advisorId: advisor, pin: pin, card: card, deviceDir: dir)
    }
}

/// The platform key store of the scenarios: in memory (the app's is the Keychain), readable
/// or, as the Keychain can be, closed until the handheld is unlocked, or failing.
public final class MemoryKeyStore: KeyStore, @unchecked Sendable {
    public enum Mode: Sendable {
        /// Reads and writes work.
        case readable
        /// As after a restart before the passcode is typed: `TemporarilyUnavailable`.
        case closedUntilUnlock
        /// Every call fails.
        case failing
    }

    private let lock = NSLock()
    private var values: [String: Data] = [:]
    private var current = Mode.readable

    public init() {}

    /// How it answers from now on.
    public var mode: Mode {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    /// The names it holds.
    public var names: [String] {
        lock.withLock { values.keys.sorted() }
    }

    public func load(name: String) throws -> Data {
        try lock.withLock {
            try Self.check(current)
            guard let value = values[name] else { throw KeyStoreError.Absent }
            return value
        }
    }

    public func store(name: String, value: Data) throws {
        try lock.withLock {
            try Self.check(current)
            values[name] = value
        }
    }

    public func delete(name: String) {
        lock.withLock { _ = values.removeValue(forKey: name) }
    }

    private static func check(_ mode: Mode) throws {
        switch mode {
        case .readable: return
        case .closedUntilUnlock: throw KeyStoreError.TemporarilyUnavailable
        case .failing: throw KeyStoreError.Failed(reason: "simulated failure")
        }
    }
}

/// A failed check.
public struct CheckFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Fails the scenario with `message` unless `condition` holds.
@MainActor
func check(
    _ condition: @autoclosure () throws -> Bool, _ message: @autoclosure () -> String,
    line: UInt = #line
) throws {
    guard try condition() else {
        throw CheckFailure(description: "line \(line): \(message())")
    }
}

/// Waits until `condition` holds, or fails after `seconds`.
@MainActor
func eventually(
    _ seconds: Double, _ message: String, line: UInt = #line, _ condition: () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            throw CheckFailure(description: "line \(line): timed out: \(message)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A valid EAN-13 card number that no customer in the device's cache has, for a registration.
@MainActor
func unknownCard(_ handheld: any HandheldProtocol) throws -> String {
    for _ in 0..<50 {
        let twelve = "2" + (0..<11).map { _ in String(Int.random(in: 0...9)) }.joined()
        let number = twelve + String(ean13CheckDigit(twelve))
        do {
            _ = try handheld.findByCard(scanned: number)
        } catch CarnetError.NotFound {
            return number
        }
    }
    throw CheckFailure(description: "every card number tried belongs to someone")
}

/// The EAN-13 check digit of twelve digits (weights 1 and 3 from the left).
func ean13CheckDigit(_ twelve: String) -> Int {
    let sum = twelve.compactMap(\.wholeNumberValue).enumerated()
        .reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
    return (10 - sum % 10) % 10
}

/// Keys pressed on the home screen and typed into its search field at a pace the scenario sets:
/// the lookup model reads the time of each from this keyboard's own clock.
@MainActor
final class Keyboard {
    private let lookup: LookupModel
    private var clock = ContinuousClock.now

    init(_ lookup: LookupModel) {
        self.lookup = lookup
        lookup.now = { [unowned self] in clock }
    }

    /// Gives the model back the real clock.
    func unplug() {
        lookup.now = { .now }
    }

    /// A key pressed on the home screen `pause` after the last; true if it ended a scan.
    func press(_ key: TypedKey, after pause: Duration) -> Bool {
        clock += pause
        return lookup.keyPressed(key)
    }

    /// `text` typed into the search field, a key every `pause`, then Return after one more.
    func type(_ text: String, intoSearchFieldEvery pause: Duration) {
        for character in text {
            clock += pause
            lookup.query += String(character)
        }
        clock += pause
        lookup.submitted()
    }
}
