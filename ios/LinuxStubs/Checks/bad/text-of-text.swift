// expect: initializer 'init(_:)' requires that 'Text' conform to 'StringProtocol'
// Text has no initializer taking a Text: a phrase already rendered as Text is used as is.
import SwiftUI

struct Reason: View {
    let phrase: Text
    var body: some View {
        Text(phrase)
    }
}
