// VisionKit's data scanner, as much of it as the app uses. Declarations copied from the
// iOS 18 SDK's VisionKit.swiftinterface (signatures only). Linux-only interface for
// type-checking the app; see ../README.md.

@_exported import UIKit
@_exported import Vision

// https://developer.apple.com/documentation/visionkit/recognizeditem
@available(iOS 16.0, *)
public enum RecognizedItem: Identifiable {
    // https://developer.apple.com/documentation/visionkit/recognizeditem/barcode
    public struct Barcode: Identifiable {
        // https://developer.apple.com/documentation/visionkit/recognizeditem/barcode/id
        public var id: UUID { fatalError() }
        // https://developer.apple.com/documentation/visionkit/recognizeditem/barcode/payloadstringvalue
        public var payloadStringValue: String? { fatalError() }
    }
    // https://developer.apple.com/documentation/visionkit/recognizeditem/text
    public struct Text: Identifiable {
        // https://developer.apple.com/documentation/visionkit/recognizeditem/text/id
        public var id: UUID { fatalError() }
        // https://developer.apple.com/documentation/visionkit/recognizeditem/text/transcript
        public var transcript: String { fatalError() }
    }
    // https://developer.apple.com/documentation/visionkit/recognizeditem/text(_:)
    case text(RecognizedItem.Text)
    // https://developer.apple.com/documentation/visionkit/recognizeditem/barcode(_:)
    case barcode(RecognizedItem.Barcode)
    // https://developer.apple.com/documentation/visionkit/recognizeditem/id
    public var id: UUID { fatalError() }
}

// https://developer.apple.com/documentation/visionkit/datascannerviewcontrollerdelegate
@available(iOS 16.0, *)
@MainActor public protocol DataScannerViewControllerDelegate: AnyObject {
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontrollerdelegate/datascanner(_:didadd:allitems:)
    @MainActor func dataScanner(
        _ dataScanner: DataScannerViewController, didAdd addedItems: [RecognizedItem], allItems: [RecognizedItem])
}

@available(iOS 16.0, *)
extension DataScannerViewControllerDelegate {
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontrollerdelegate/datascanner(_:didadd:allitems:)
    @MainActor public func dataScanner(
        _ dataScanner: DataScannerViewController, didAdd addedItems: [RecognizedItem], allItems: [RecognizedItem]
    ) { fatalError() }
}

// https://developer.apple.com/documentation/visionkit/datascannerviewcontroller
@available(iOS 16.0, *)
@MainActor public class DataScannerViewController: UIViewController {
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/recognizeddatatype
    public struct RecognizedDataType: Hashable {
        // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/recognizeddatatype/barcode(symbologies:)
        public static func barcode(symbologies: [VNBarcodeSymbology] = []) -> DataScannerViewController.RecognizedDataType {
            fatalError()
        }
    }

    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/qualitylevel-swift.enum
    public enum QualityLevel: Sendable {
        case balanced
        case fast
        case accurate
    }

    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/issupported
    @MainActor public class var isSupported: Bool { fatalError() }
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/isavailable
    @MainActor public class var isAvailable: Bool { fatalError() }
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/delegate
    @MainActor weak public var delegate: (any DataScannerViewControllerDelegate)?
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/isscanning
    @MainActor public var isScanning: Bool { fatalError() }

    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/init(recognizeddatatypes:qualitylevel:recognizesmultipleitems:ishighframeratetrackingenabled:ispinchtozoomenabled:isguidanceenabled:ishighlightingenabled:)
    @MainActor public init(
        recognizedDataTypes: Set<DataScannerViewController.RecognizedDataType>,
        qualityLevel: DataScannerViewController.QualityLevel = .balanced, recognizesMultipleItems: Bool = false,
        isHighFrameRateTrackingEnabled: Bool = true, isPinchToZoomEnabled: Bool = true,
        isGuidanceEnabled: Bool = true, isHighlightingEnabled: Bool = false
    ) { fatalError() }

    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/startscanning()
    @MainActor public func startScanning() throws { fatalError() }
    // https://developer.apple.com/documentation/visionkit/datascannerviewcontroller/stopscanning()
    @MainActor public func stopScanning() { fatalError() }
}
