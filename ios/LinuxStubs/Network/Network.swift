// Network's path monitor, as much of it as the app uses, with Apple's published signatures.
// Linux-only interface for type-checking the app; see ../README.md.

@_exported import Dispatch
@_exported import Foundation

// https://developer.apple.com/documentation/network/nwpathmonitor
@available(iOS 12.0, *)
final public class NWPathMonitor: @unchecked Sendable {
    // https://developer.apple.com/documentation/network/nwpathmonitor/init()
    public init() { fatalError() }
    // https://developer.apple.com/documentation/network/nwpathmonitor/pathupdatehandler
    @preconcurrency final public var pathUpdateHandler: (@Sendable (_ newPath: NWPath) -> Void)? {
        get { fatalError() }
        set { fatalError() }
    }
    // https://developer.apple.com/documentation/network/nwpathmonitor/start(queue:)
    final public func start(queue: DispatchQueue) { fatalError() }
}

// https://developer.apple.com/documentation/network/nwpath
@available(iOS 12.0, *)
public struct NWPath: CustomDebugStringConvertible, Equatable, Sendable {
    // https://developer.apple.com/documentation/network/nwpath/status-swift.enum
    public enum Status: Equatable, Hashable, Sendable {
        // https://developer.apple.com/documentation/network/nwpath/status-swift.enum/satisfied
        case satisfied
        // https://developer.apple.com/documentation/network/nwpath/status-swift.enum/unsatisfied
        case unsatisfied
        // https://developer.apple.com/documentation/network/nwpath/status-swift.enum/requiresconnection
        case requiresConnection
    }
    // https://developer.apple.com/documentation/network/nwpath/status-swift.property
    public let status: NWPath.Status
    // https://developer.apple.com/documentation/network/nwpath/debugdescription
    public var debugDescription: String { fatalError() }
    public static func == (lhs: NWPath, rhs: NWPath) -> Bool { fatalError() }
}
