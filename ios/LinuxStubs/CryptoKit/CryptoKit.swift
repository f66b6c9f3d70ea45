// CryptoKit, as much of it as the app uses, with Apple's published signatures. Linux-only
// interface for type-checking the app; see ../README.md.

@_exported import Foundation

// https://developer.apple.com/documentation/cryptokit/secureenclave
@available(iOS 13.0, *)
public enum SecureEnclave {
    // https://developer.apple.com/documentation/cryptokit/secureenclave/isavailable
    public static var isAvailable: Bool { fatalError() }
}
