// expect: value of type 'UIColor' has no member 'opacity'
// A modifier on the wrong type: UIColor is not a SwiftUI Color and has no opacity(_:).
import SwiftUI

struct Cover: View {
    var body: some View {
        Color(UIColor.systemBackground.opacity(0.5))
    }
}
