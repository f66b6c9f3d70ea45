// The camera: VisionKit's DataScannerViewController reading loyalty cards (EAN-13, Code 128) or
// the enrolment QR code. Every payload goes to the model; the core says whether it is a card.

import SwiftUI
import Vision
import VisionKit

struct BarcodeScanner: UIViewControllerRepresentable {
    enum Kind {
        case loyaltyCard, enrolment

        var symbologies: [VNBarcodeSymbology] {
            switch self {
            case .loyaltyCard: [.ean13, .code128]
            case .enrolment: [.qr]
            }
        }
    }

    let kind: Kind
    let found: (String) -> Void

    @MainActor static var isAvailable: Bool {
        DataScannerViewController.isSupported && DataScannerViewController.isAvailable
    }

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: kind.symbologies)],
            qualityLevel: .balanced,
            recognizesMultipleItems: false,
            isHighFrameRateTrackingEnabled: false,
            isGuidanceEnabled: true,
            isHighlightingEnabled: true)
        scanner.delegate = context.coordinator
        return scanner
    }

    func updateUIViewController(_ scanner: DataScannerViewController, context: Context) {
        if !scanner.isScanning {
            try? scanner.startScanning()
        }
    }

    static func dismantleUIViewController(_ scanner: DataScannerViewController, coordinator: Coordinator) {
        scanner.stopScanning()
    }

    func makeCoordinator() -> Coordinator { Coordinator(found: found) }

    final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let found: (String) -> Void

        init(found: @escaping (String) -> Void) {
            self.found = found
        }

        func dataScanner(_ scanner: DataScannerViewController, didAdd items: [RecognizedItem],
                         allItems: [RecognizedItem]) {
            for item in items {
                if case .barcode(let barcode) = item, let payload = barcode.payloadStringValue {
                    found(payload)
                    return
                }
            }
        }
    }
}
