// expect: call to main actor-isolated initializer 'init(recognizedDataTypes:qualityLevel:recognizesMultipleItems:isHighFrameRateTrackingEnabled:isPinchToZoomEnabled:isGuidanceEnabled:isHighlightingEnabled:)' in a synchronous nonisolated context
// DataScannerViewController is a main-actor view controller: it cannot be made off the main actor.
import VisionKit

func makeScanner() -> DataScannerViewController {
    DataScannerViewController(recognizedDataTypes: [.barcode(symbologies: [.ean13])])
}
