// Vision, as much of it as the app uses (barcode symbologies), with Apple's published
// signatures. Linux-only interface for type-checking the app; see ../README.md.

@_exported import Foundation

// https://developer.apple.com/documentation/vision/vnbarcodesymbology
@available(iOS 11.0, *)
public struct VNBarcodeSymbology: Hashable, Equatable, RawRepresentable, @unchecked Sendable {
    // https://developer.apple.com/documentation/vision/vnbarcodesymbology/init(rawvalue:)
    public init(rawValue: String) { fatalError() }
    // https://developer.apple.com/documentation/vision/vnbarcodesymbology/rawvalue
    public var rawValue: String { fatalError() }
    // https://developer.apple.com/documentation/vision/vnbarcodesymbology/ean13
    public static let ean13: VNBarcodeSymbology = { fatalError() }()
    // https://developer.apple.com/documentation/vision/vnbarcodesymbology/code128
    public static let code128: VNBarcodeSymbology = { fatalError() }()
    // https://developer.apple.com/documentation/vision/vnbarcodesymbology/qr
    public static let qr: VNBarcodeSymbology = { fatalError() }()
}
