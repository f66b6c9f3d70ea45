// expect: instance method 'buttonStyle' requires that 'SegmentedPickerStyle' conform to 'ButtonStyle'
// A style for the wrong control: buttonStyle(_:) takes a ButtonStyle.
import SwiftUI

struct Toolbar: View {
    var body: some View {
        Button("Sync") {}
            .buttonStyle(SegmentedPickerStyle())
    }
}
